"""Panels that higher apps add to the customer page (deals, visits...) and the complaint page (the
cargo a claim is about), without customers importing them: each registers a function that renders
its part for one record."""

from collections.abc import Callable

from accounts.pages import AuthenticatedRequest

from .models import Complaint, Customer

# (request, customer) -> rendered HTML, or "" to show nothing
Panel = Callable[[AuthenticatedRequest, Customer], str]
_panels: list[Panel] = []


def register_panel(panel: Panel) -> None:
    if panel not in _panels:
        _panels.append(panel)


def render_panels(request: AuthenticatedRequest, customer: Customer) -> list[str]:
    return [html for panel in _panels if (html := panel(request, customer))]


# (request, complaint) -> rendered HTML, or "" to show nothing
ComplaintPanel = Callable[[AuthenticatedRequest, Complaint], str]
_complaint_panels: list[ComplaintPanel] = []


def register_complaint_panel(panel: ComplaintPanel) -> None:
    if panel not in _complaint_panels:
        _complaint_panels.append(panel)


def render_complaint_panels(request: AuthenticatedRequest, complaint: Complaint) -> list[str]:
    return [html for panel in _complaint_panels if (html := panel(request, complaint))]
