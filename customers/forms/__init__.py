"""The customers app's forms, a module per area: customers, complaints and imports."""
