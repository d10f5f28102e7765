"""Customers: buyer profiles, contacts, tiers, complaints and surveys (issue 3)."""
