"""The commission pages, under /incentives/: plans and statements, and the recompute runs."""

from django.urls import URLPattern, path

from . import runs

app_name = "incentives"

urlpatterns: list[URLPattern] = [
    # The plan and statement pages.
    # The recompute runs.
    path("plans/<int:pk>/recompute/", runs.recompute, name="plan_recompute"),
    path("runs/<int:pk>/", runs.run_page, name="run"),
    path("runs/<int:pk>/progress/", runs.run_progress, name="run_progress"),
]
