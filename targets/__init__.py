"""Targets: quarterly targets, KPI scorecards and dashboards."""
