"""The incentives' part of a deal's page (registered in apps.py: the pipeline does not import targets)."""

from django.template.loader import render_to_string

from accounts import access
from accounts.models import User
from accounts.pages import AuthenticatedRequest
from pipeline.models import Deal, Outcome

from .bands import multiplier_label
from .whatif import deal_what_if


def may_see_what_if(user: User, deal: Deal) -> bool:
    """A person's commission is theirs, their manager's and the director's business."""
    if user.pk == deal.owner_id or access.sees_everyone(user):
        return True
    return bool(user.is_manager and user.is_active and access.manages(user, deal.owner))


def deal_commission_panel(request: AuthenticatedRequest, deal: Deal) -> str:
    """For an open deal: what its owner would earn on it if signed now (nothing if no plan applies)."""
    if deal.outcome != Outcome.OPEN or not may_see_what_if(request.user, deal):
        return ""
    what_if = deal_what_if(deal)
    if what_if is None:
        return ""
    rows = [(earning, multiplier_label(earning.part.multiplier)) for earning in what_if.earnings]
    overall = what_if.multiplier
    return render_to_string("incentives/_deal_what_if.html", {
        "deal": deal, "what_if": what_if, "rows": rows,
        "multiplier": None if overall is None else multiplier_label(overall),
    }, request=request)
