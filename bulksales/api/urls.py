"""/api/: the versioned endpoints, the OpenAPI schema and its interactive docs."""

from django.contrib.auth.decorators import login_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import token_views, views

app_name = "api"

LIST = {"get": "list"}
DETAIL = {"get": "retrieve"}

urlpatterns = [
    path("v1/customers/", views.CustomerViewSet.as_view({"get": "list", "post": "create"}), name="customer-list"),
    path("v1/customers/<int:pk>/", views.CustomerViewSet.as_view(DETAIL), name="customer-detail"),
    path("v1/customers/<int:pk>/contacts/", views.CustomerViewSet.as_view({"post": "contacts"}),
         name="customer-contacts"),
    path("v1/deals/", views.DealViewSet.as_view(LIST), name="deal-list"),
    path("v1/deals/<int:pk>/", views.DealViewSet.as_view(DETAIL), name="deal-detail"),
    path("tokens/new/", token_views.token_create, name="token_create"),
    path("tokens/<int:pk>/revoke/", token_views.token_revoke, name="token_revoke"),
    path("v1/deals/<int:pk>/move/", views.DealViewSet.as_view({"post": "move"}), name="deal-move"),
    path("v1/deals/<int:pk>/sign/", views.DealViewSet.as_view({"post": "sign"}), name="deal-sign"),
    path("v1/activities/", views.ActivityViewSet.as_view({"get": "list", "post": "create"}), name="activity-list"),
    path("v1/activities/<int:pk>/", views.ActivityViewSet.as_view(DETAIL), name="activity-detail"),
    path("v1/complaints/", views.ComplaintViewSet.as_view(LIST), name="complaint-list"),
    path("v1/complaints/<int:pk>/", views.ComplaintViewSet.as_view(DETAIL), name="complaint-detail"),
    path("v1/research/", views.MarketResearchViewSet.as_view(LIST), name="research-list"),
    path("v1/research/<int:pk>/", views.MarketResearchViewSet.as_view(DETAIL), name="research-detail"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The docs are a page: a visitor who is not signed in is sent to sign in, as on every page.
    path("docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema")), name="docs"),
]
