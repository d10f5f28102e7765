"""URLs of the laycan calendar (included at /deals/laycans/)."""

from django.urls import path

from . import calendar_views

app_name = "laycans"
urlpatterns = [
    path("", calendar_views.laycan_calendar, name="calendar"),
]
