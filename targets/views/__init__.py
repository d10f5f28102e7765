"""The targets app's pages, a module per area: targets (a quarter's targets, their split, history and
the score weights), dashboards and scorecard runs."""
