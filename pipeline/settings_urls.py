"""URLs of the director's pipeline lists (included at /pipeline/settings/)."""

from django.urls import path

from . import settings_views as views

app_name = "pipeline_settings"
urlpatterns = [
    path("ports/", views.port_list, name="ports"),
    path("ports/new/", views.port_edit, name="port_create"),
    path("ports/<int:pk>/edit/", views.port_edit, name="port_edit"),
    path("exchange-rates/", views.rate_list, name="rates"),
    path("exchange-rates/new/", views.rate_create, name="rate_create"),
    path("lost-reasons/", views.lost_reason_list, name="lost_reasons"),
    path("lost-reasons/new/", views.lost_reason_edit, name="lost_reason_create"),
    path("lost-reasons/<int:pk>/edit/", views.lost_reason_edit, name="lost_reason_edit"),
]
