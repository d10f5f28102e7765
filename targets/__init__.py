"""Targets: quarterly targets, KPI scorecards and dashboards (issue 5)."""
