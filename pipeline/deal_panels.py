"""Panels and badges that apps built on the pipeline add to a deal's page and the board's cards
(contract execution's shipments and state), without the pipeline importing them: each registers a
function that renders its part for one deal, or annotates a deal queryset for its badge."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet

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


@dataclass(frozen=True)
class DealBadge:
    """A badge on a deal's card and page header: `annotate` adds what it shows to the deals' query
    (a subquery, so a board of any size costs no query more), `template` renders it for `deal`, reading only
    the deal's attributes `reads` when it names them (the board then renders it once for each value: its thirty
    signed cards have a handful of states)."""

    annotate: Callable[[QuerySet[Deal]], QuerySet[Deal]]
    template: str
    reads: tuple[str, ...] = ()
    # The outcomes of the deals it can show anything for (every deal's when empty). A deal's page reads its badges
    # after the deal (`read_deal_badges`), and only these: building and compiling a contract's state into an open
    # deal's own query took 1.7 of its 4.1 ms (some 6,900 of the page's 82,000 Python calls), for a badge that only
    # a signed contract has.
    outcomes: tuple[str, ...] = ()


_badges: list[DealBadge] = []


def register_deal_badge(badge: DealBadge) -> None:
    if badge not in _badges:
        _badges.append(badge)


def with_deal_badges(deals: QuerySet[Deal]) -> QuerySet[Deal]:
    """`deals` with what the registered badges show."""
    for badge in _badges:
        deals = badge.annotate(deals)
    return deals


def read_deal_badges(deal: Deal) -> None:
    """What the badges show for one deal already read (a deal's page): their annotations for it in one query, of
    the badges its outcome can show (`DealBadge.outcomes`), none when no badge applies; the others' names it
    reads are None."""
    showing = [badge for badge in _badges if not badge.outcomes or deal.outcome in badge.outcomes]
    for badge in _badges:
        if badge not in showing:
            for name in badge.reads:
                setattr(deal, name, None)
    if not showing:
        return
    deals = Deal.objects.filter(pk=deal.pk)  # the deal its page has already read as visible to the user
    for badge in showing:
        deals = badge.annotate(deals)
    names = list(deals.query.annotations)
    values = deals.values(*names).first() or {}  # gone since it was read: nothing to show
    for name in names:
        setattr(deal, name, values.get(name))


def deal_badges() -> list[DealBadge]:
    return list(_badges)


def deal_badge_templates() -> list[str]:
    return [badge.template for badge in _badges]
