"""The pipeline's forms, a module per area: deals, activities, research and the director's settings."""
