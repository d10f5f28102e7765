"""URLs of the scorecards pages: recompute a quarter on demand and follow the run."""

from django.urls import path

from . import scorecard_views as views

app_name = "scorecards"
urlpatterns = [
    path("runs/", views.run_list, name="runs"),
    path("recompute/", views.recompute, name="recompute"),
    path("runs/<int:pk>/", views.run, name="run"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
]
