"""The commission pages, under /incentives/: plans and statements, and the recompute runs."""

from django.urls import URLPattern

app_name = "incentives"

urlpatterns: list[URLPattern] = [
    # The plan and statement pages.
    # The recompute runs.
]
