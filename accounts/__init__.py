"""Accounts: the sales organisation (users, positions, departments, teams), access policy, training."""
