"""The customer page's sections (tabs) and the panels that higher apps add to them (deals, visits, claims,
money...), and the complaint page's panels (the cargo a claim is about), without customers importing them: each
registers a function that renders its part for one record.

The page was one column of a dozen cards, some 3,700 pixels on a desktop and three times that on a phone; it is
now an overview (what a rep reads before a call: the contacts, the deals, the latest visits) and a tab for each
of the rest, each its own address. A tab may carry a flag (open complaints, an overdue balance) so that what
needs attention shows from the overview."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.pages import AuthenticatedRequest

from . import selectors
from .models import Complaint, Customer

OVERVIEW, SERVICE, HISTORY = "overview", "service", "history"  # the tabs of the customers app's own

# (request, customer) -> rendered HTML, or "" to show nothing
Panel = Callable[[AuthenticatedRequest, Customer], str]
# (request, customer) -> what the tab's badge says (a count, a word), or "" for no badge
Flag = Callable[[AuthenticatedRequest, Customer], str]


@dataclass
class Section:
    key: str
    label: str | Promise
    may_open: Callable[[User], bool] = lambda user: True
    flag: Flag | None = None
    panels: list[Panel] = field(default_factory=list)


def open_complaints_flag(request: AuthenticatedRequest, customer: Customer) -> str:
    """The service tab's badge: how many of the customer's complaints that the user sees are still open."""
    count = selectors.complaints_visible_to(request.user).filter(customer=customer, status__in=selectors.ACTIVE).count()
    return str(count) if count else ""


# In the tabs' order; higher apps add theirs (register_section) before the history.
_sections: dict[str, Section] = {
    OVERVIEW: Section(OVERVIEW, _("Overview")),
    SERVICE: Section(SERVICE, _("Complaints and satisfaction"), flag=open_complaints_flag),
    HISTORY: Section(HISTORY, _("History")),
}


def register_section(section: Section) -> None:
    """A tab of the customer page that another app fills (its panels register with its key), before the history."""
    if section.key not in _sections:
        history = _sections.pop(HISTORY)
        _sections[section.key] = section
        _sections[HISTORY] = history


def register_panel(panel: Panel, section: str = OVERVIEW) -> None:
    panels = _sections[section].panels
    if panel not in panels:
        panels.append(panel)


def section_for(user: User, key: str) -> Section | None:
    """The section named, if it exists and the user may open it."""
    section = _sections.get(key)
    return section if section is not None and section.may_open(user) else None


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    url: str
    flag: str


def tabs_for(request: AuthenticatedRequest, customer: Customer) -> list[Tab]:
    """The tabs the user may open on this customer's page, each with its flag: a query for each flag."""
    return [Tab(section.key, str(section.label),
                reverse("customers:detail", args=[customer.pk]) if section.key == OVERVIEW
                else reverse("customers:section", args=[customer.pk, section.key]),
                section.flag(request, customer) if section.flag else "")
            for section in _sections.values() if section.may_open(request.user)]


def render_panels(request: AuthenticatedRequest, customer: Customer, section: str = OVERVIEW) -> list[str]:
    return [html for panel in _sections[section].panels if (html := panel(request, customer))]


# (request, complaint) -> rendered HTML, or "" to show nothing
ComplaintPanel = Callable[[AuthenticatedRequest, Complaint], str]
_complaint_panels: list[ComplaintPanel] = []


def register_complaint_panel(panel: ComplaintPanel) -> None:
    if panel not in _complaint_panels:
        _complaint_panels.append(panel)


def render_complaint_panels(request: AuthenticatedRequest, complaint: Complaint) -> list[str]:
    return [html for panel in _complaint_panels if (html := panel(request, complaint))]
