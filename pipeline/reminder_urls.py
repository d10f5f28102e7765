"""URLs of the pipeline's reminder pages."""

from django.urls import path

from . import reminder_views as views

app_name = "reminders"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/done/", views.done, name="done"),
    path("<int:pk>/snooze/", views.snooze, name="snooze"),
    path("<int:pk>/reassign/", views.reassign, name="reassign"),
]
