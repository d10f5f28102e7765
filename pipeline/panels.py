"""The pipeline's panels on the customer page (registered with customers.panels in PipelineConfig.ready)."""

from django.template.loader import render_to_string
from django.utils import timezone

from accounts import access
from accounts.models import person_named
from accounts.pages import AuthenticatedRequest
from customers.models import Customer

from . import selectors

PANEL_ACTIVITIES = 10
# What the panel shows of a visit and its author: an activity's row with its author's is some forty columns.
PANEL_ROW = ("kind", "owner", "happened_at", "summary", "next_step", "next_step_due", "next_step_done",
             "next_step_owner", *person_named("owner"))


def customer_activities_panel(request: AuthenticatedRequest, customer: Customer) -> str:
    """The latest visits and calls with the customer that the user may see: three queries, however many."""
    user = request.user
    if not selectors.can_sell(user):
        return ""  # customer service and marketing see no contact log
    latest = list(
        selectors.with_contact_list(selectors.activities_visible_to(user).filter(customer=customer)
                                    .select_related("owner").only(*PANEL_ROW))[:PANEL_ACTIVITIES]
    )
    changeable = selectors.changeable_owner_ids(user, latest)
    for activity in latest:
        activity.can_change = activity.owner_id in changeable
    return render_to_string(
        "pipeline/_activities_panel.html",
        {"customer": customer, "activities": latest, "today": timezone.localdate(), "can_log": True},
        request=request,
    )


def customer_transfers_panel(request: AuthenticatedRequest, customer: Customer) -> str:
    """Who owns the customer, who owned it before and why it moved, and the transfer button for those who may."""
    user = request.user
    if not selectors.can_sell(user):
        return ""
    return render_to_string("pipeline/_customer_transfers_panel.html", {
        "customer": customer, "transfers": selectors.transfers_of(customer=customer)[:PANEL_ACTIVITIES],
        "can_transfer": access.can_transfer(user, customer.owner),
    }, request=request)
