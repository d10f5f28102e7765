"""URLs of the targets app, in three namespaces included from bulksales/urls.py: targets (a quarter's
targets, their split, history, copy forward and the score weights), dashboards and scorecards (recompute a
quarter on demand and follow the run)."""

from django.urls import path

from .views import dashboards, scorecards, targets

target_patterns = (
    [
        path("", targets.quarter_overview, name="quarter"),
        path("<int:year>/q<int:quarter>/", targets.quarter_overview, name="quarter"),
        path("<int:year>/q<int:quarter>/team/<int:team_id>/", targets.team_edit, name="team_edit"),
        path("<int:year>/q<int:quarter>/team/<int:team_id>/split/", targets.split, name="split"),
        path("<int:year>/q<int:quarter>/team/<int:team_id>/history/", targets.history, name="history"),
        path("<int:year>/q<int:quarter>/team/<int:team_id>/tonnage/", targets.commodity_tonnage, name="tonnage"),
        path("<int:year>/q<int:quarter>/copy-forward/", targets.copy_forward, name="copy_forward"),
        path("weights/", targets.weights, name="weights"),
    ],
    "targets",
)

dashboard_patterns = (
    [
        path("", dashboards.mine, name="mine"),
        path("rep/", dashboards.rep, name="rep"),
        path("rep/<int:user_id>/", dashboards.rep, name="rep"),
        path("team/", dashboards.manager, name="manager"),
        path("team/<int:team_id>/", dashboards.manager, name="manager"),
        path("team/<int:team_id>/<slug:section>/", dashboards.manager, name="manager"),  # a tab; no other answers 404
        path("department/", dashboards.director, name="director"),
        path("export/<str:scope>.<str:fmt>", dashboards.export, name="export"),
    ],
    "dashboards",
)

scorecard_patterns = (
    [
        path("runs/", scorecards.run_list, name="runs"),
        path("recompute/", scorecards.recompute, name="recompute"),
        path("runs/<int:pk>/", scorecards.run, name="run"),
        path("runs/<int:pk>/progress/", scorecards.run_progress, name="run_progress"),
    ],
    "scorecards",
)
