"""/api/: the versioned endpoints, the OpenAPI schema and its interactive docs."""

from django.contrib.auth.decorators import login_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import execution, follow_up, token_views, views

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
    path("v1/reminders/", follow_up.ReminderViewSet.as_view(LIST), name="reminder-list"),
    path("v1/reminders/<int:pk>/", follow_up.ReminderViewSet.as_view(DETAIL), name="reminder-detail"),
    path("v1/targets/", follow_up.TargetViewSet.as_view(LIST), name="target-list"),
    path("v1/targets/<int:pk>/", follow_up.TargetViewSet.as_view(DETAIL), name="target-detail"),
    path("v1/scorecards/", follow_up.ScorecardViewSet.as_view(LIST), name="scorecard-list"),
    path("v1/scorecards/<int:pk>/", follow_up.ScorecardViewSet.as_view(DETAIL), name="scorecard-detail"),
    path("v1/shipments/", execution.ShipmentViewSet.as_view(LIST), name="shipment-list"),
    path("v1/shipments/<int:pk>/", execution.ShipmentViewSet.as_view(DETAIL), name="shipment-detail"),
    path("v1/letters-of-credit/", execution.LetterOfCreditViewSet.as_view(LIST), name="letter_of_credit-list"),
    path("v1/letters-of-credit/<int:pk>/", execution.LetterOfCreditViewSet.as_view(DETAIL),
         name="letter_of_credit-detail"),
    path("v1/invoices/", execution.InvoiceViewSet.as_view(LIST), name="invoice-list"),
    path("v1/invoices/<int:pk>/", execution.InvoiceViewSet.as_view(DETAIL), name="invoice-detail"),
    path("v1/payments/", execution.PaymentViewSet.as_view(LIST), name="payment-list"),
    path("v1/payments/<int:pk>/", execution.PaymentViewSet.as_view(DETAIL), name="payment-detail"),
]
