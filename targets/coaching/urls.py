"""The coaching pages, under /coaching/."""

from django.urls import URLPattern, path

from . import views

app_name = "coaching"

urlpatterns: list[URLPattern] = [
    path("", views.note_list, name="list"),
    path("new/", views.note_edit, name="create"),
    path("<int:pk>/", views.note_detail, name="detail"),
    path("<int:pk>/edit/", views.note_edit, name="edit"),
    path("<int:pk>/acknowledge/", views.note_acknowledge, name="acknowledge"),
    path("actions/<int:pk>/mark/", views.action_mark, name="action_mark"),
]
