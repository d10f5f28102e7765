"""URLs of the pipeline's activity pages."""

from django.urls import path

from . import activity_views

app_name = "activities"
urlpatterns = [
    path("", activity_views.activity_list, name="list"),
    path("new/", activity_views.activity_create, name="create"),
    path("<int:pk>/edit/", activity_views.activity_edit, name="edit"),
    path("<int:pk>/done/", activity_views.next_step_done, name="done"),
]
