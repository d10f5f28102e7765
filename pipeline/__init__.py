"""Pipeline: deals through the four stages, activities, market research, reminders."""
