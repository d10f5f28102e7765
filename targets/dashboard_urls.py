"""URLs of the dashboards (included at /dashboard/)."""

from django.urls import path

from . import dashboard_views

app_name = "dashboards"
urlpatterns = [
    path("", dashboard_views.mine, name="mine"),
    path("rep/", dashboard_views.rep, name="rep"),
    path("rep/<int:user_id>/", dashboard_views.rep, name="rep"),
    path("team/", dashboard_views.manager, name="manager"),
    path("team/<int:team_id>/", dashboard_views.manager, name="manager"),
    path("department/", dashboard_views.director, name="director"),
    path("export/<str:scope>.<str:fmt>", dashboard_views.export, name="export"),
]
