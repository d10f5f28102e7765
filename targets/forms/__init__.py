"""The targets app's forms, a module per area: targets and scorecard runs."""
