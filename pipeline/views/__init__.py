"""The pipeline's pages, a module per area: deals (board, list, signing, amendments, transfers),
activities, research, reminders, the laycan calendar and the director's settings."""
