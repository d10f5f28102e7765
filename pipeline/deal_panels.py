"""Panels that apps built on the pipeline add to a deal's page (contract execution's shipments),
without the pipeline importing them: each registers a function that renders its part for one deal."""

from collections.abc import Callable

from accounts.pages import AuthenticatedRequest

from .models import Deal

# (request, deal) -> rendered HTML, or "" to show nothing
DealPanel = Callable[[AuthenticatedRequest, Deal], str]
_panels: list[DealPanel] = []


def register_deal_panel(panel: DealPanel) -> None:
    if panel not in _panels:
        _panels.append(panel)


def render_deal_panels(request: AuthenticatedRequest, deal: Deal) -> list[str]:
    return [html for panel in _panels if (html := panel(request, deal))]
