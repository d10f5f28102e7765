"""The customers app's pages, a module per area: customers (with contacts, tiers, surveys and the
director's settings), complaints and imports."""
