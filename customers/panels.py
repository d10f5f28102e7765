"""Panels that higher apps add to the customer page (deals, visits...), without customers
importing them: each registers a function that renders its part for one customer."""

from collections.abc import Callable

from accounts.pages import AuthenticatedRequest

from .models import Customer

# (request, customer) -> rendered HTML, or "" to show nothing
Panel = Callable[[AuthenticatedRequest, Customer], str]
_panels: list[Panel] = []


def register_panel(panel: Panel) -> None:
    if panel not in _panels:
        _panels.append(panel)


def render_panels(request: AuthenticatedRequest, customer: Customer) -> list[str]:
    return [html for panel in _panels if (html := panel(request, customer))]
