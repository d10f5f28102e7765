"""URLs of the target pages: the quarter's overview, a team's targets, split and history, copy forward, weights."""

from django.urls import path

from . import target_views as views

app_name = "targets"
urlpatterns = [
    path("", views.quarter_overview, name="quarter"),
    path("<int:year>/q<int:quarter>/", views.quarter_overview, name="quarter"),
    path("<int:year>/q<int:quarter>/team/<int:team_id>/", views.team_edit, name="team_edit"),
    path("<int:year>/q<int:quarter>/team/<int:team_id>/split/", views.split, name="split"),
    path("<int:year>/q<int:quarter>/team/<int:team_id>/history/", views.history, name="history"),
    path("<int:year>/q<int:quarter>/team/<int:team_id>/tonnage/", views.commodity_tonnage, name="tonnage"),
    path("<int:year>/q<int:quarter>/copy-forward/", views.copy_forward, name="copy_forward"),
    path("weights/", views.weights, name="weights"),
]
