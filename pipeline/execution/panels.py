"""Contract execution's panels on pages of the apps below it (registered in ExecutionConfig.ready):
a signed deal's shipments, and the cargo a complaint's claim is about."""

from django.template.loader import render_to_string

from accounts.pages import AuthenticatedRequest
from customers.models import Complaint
from pipeline.models import Deal, Outcome

from . import selectors
from .models import CargoClaim


def deal_execution_panel(request: AuthenticatedRequest, deal: Deal) -> str:
    """The contract's shipments and what is lifted and delivered of it: the same few queries however
    many shipments and assays."""
    if deal.outcome != Outcome.WON:
        return ""
    shipments = list(deal.shipments.all())
    valuations = selectors.valuations_of(deal, shipments)
    rows = [{"shipment": shipment, "outturn": selectors.outturn_of(shipment), "worth": valuations[shipment.pk],
             "provisional": selectors.provisional_value(deal, valuations[shipment.pk])} for shipment in shipments]
    return render_to_string("execution/_deal_panel.html", {
        "deal": deal, "rows": rows, "execution": selectors.contract_execution(deal),
        "can_add": selectors.can_record_execution(request.user, deal) and len(shipments) < deal.liftings,
    }, request=request)


def complaint_cargo_panel(request: AuthenticatedRequest, complaint: Complaint) -> str:
    """The shipment a claim was raised on, linked for those who see it (customer service sees no contract)."""
    if complaint.category not in (Complaint.Category.QUANTITY, Complaint.Category.QUALITY):
        return ""  # a claim on the cargo is one of these two
    claim = (CargoClaim.objects.filter(complaint=complaint).select_related("shipment__deal", "parameter").first())
    if claim is None:
        return ""
    return render_to_string("execution/_complaint_panel.html", {
        "claim": claim, "shipment": claim.shipment,
        "can_open": selectors.shipments_visible_to(request.user).filter(pk=claim.shipment_id).exists(),
    }, request=request)
