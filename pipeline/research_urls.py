"""URLs of the pipeline's research pages."""

from django.urls import path

from . import research_views

app_name = "research"
urlpatterns = [
    path("", research_views.research_list, name="list"),
    path("new/", research_views.research_create, name="create"),
    path("<int:pk>/", research_views.research_detail, name="detail"),
    path("<int:pk>/edit/", research_views.research_edit, name="edit"),
]
