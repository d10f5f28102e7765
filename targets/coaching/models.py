"""Coaching notes (辅导记录): a manager's one-to-one, ride-along or deal review with a rep."""
