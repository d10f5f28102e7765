"""The search box: one text over customers, contacts and complaints (customers app) and deals and market
research (this app), each kind in the user's scope through the same selectors the list pages use, grouped,
counted and cut to the first few. Lives here, not in customers, because it reads both apps."""

from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.models import User
from accounts.search_documents import document_contains
from accounts.sql import joins_as_written
from customers import search as customer_search
from customers import selectors as customer_selectors

from . import selectors

# Rows shown of each kind; the rest are behind "see all in the list".
GROUP_SIZE = 10
# Counted up to this many, then shown as "100+": the count stops there (a director's "煤" matches a third of the
# deals). A group shows ten; past a hundred the number only says to narrow the search, and counting to 500 read
# five times the rows (the director's "煤": the page's SQL 30 -> 22 ms on a slow host).
COUNT_CAP = 100
cleaned = customer_search.cleaned
MAX_QUERY_LENGTH = customer_search.MAX_QUERY_LENGTH


def deal_matches(text: str) -> Q:
    """A deal by its contract number, grade or specification (either language), commodity (either
    language: "煤" and "coal" find the coal deals) or customer."""
    return document_contains(text, Q(contract_number__icontains=text) | Q(grade__icontains=text)
                             | Q(customer__name__icontains=text) | Q(customer__short_name__icontains=text)
                             | Q(commodity__name__icontains=text) | Q(commodity__name_zh__icontains=text)
                             | Q(specification__name__icontains=text) | Q(specification__name_zh__icontains=text))


def research_matches(text: str) -> Q:
    return document_contains(text, Q(region__icontains=text) | Q(competitors__icontains=text)
                             | Q(supply_demand__icontains=text) | Q(port__name__icontains=text)
                             | Q(port__name_zh__icontains=text) | Q(commodity__name__icontains=text)
                             | Q(commodity__name_zh__icontains=text))


@dataclass
class Group:
    """One kind of record found: how many in all, the first GROUP_SIZE, and the list page showing them all."""

    kind: str
    title: Promise
    count: int  # at most COUNT_CAP + 1
    rows: list[Any] = field(default_factory=list)
    list_url: str = ""

    @property
    def more(self) -> bool:
        return self.count > len(self.rows)

    @property
    def capped(self) -> bool:
        """More than COUNT_CAP found: the count shown is "COUNT_CAP+"."""
        return self.count > COUNT_CAP

    @property
    def shown_count(self) -> str:
        """The count as the group's badge writes it, with the reader's thousands separator ("1,000+")."""
        shown = number_format(COUNT_CAP if self.capped else self.count, force_grouping=True)
        return f"{shown}+" if self.capped else shown


def _group(kind: str, title: Promise, records: QuerySet[Any], list_url: str, *,
           counted: QuerySet[Any] | None = None, as_written: bool = False) -> Group:
    """Two queries a kind whatever the number found: the count (up to the cap), of `counted` when given (the same
    rows in a shape PostgreSQL counts faster), and the first rows, their joins planned in the order written when
    `as_written` (accounts.sql.joins_as_written)."""
    count = (records if counted is None else counted).order_by()[:COUNT_CAP + 1].count()
    if not count:
        return Group(kind=kind, title=title, count=count, list_url=list_url)
    with joins_as_written() if as_written else nullcontext():
        rows = list(records[:GROUP_SIZE])
    return Group(kind=kind, title=title, count=count, rows=rows, list_url=list_url)


def _list_url(name: str, text: str) -> str:
    return f"{reverse(name)}?{urlencode({'q': text})}"


def search(user: User, text: str) -> list[Group]:
    """The groups the user may open that match `text` (already `cleaned`), in a fixed order; empty text
    finds nothing. A kind whose list page the user may not open is not searched at all."""
    if not text:
        return []
    groups = [
        _group("customers", _("Customers"),
               customer_selectors.customers_visible_to(user).filter(customer_search.customer_matches(text))
               .select_related("owner").order_by("name", "pk"),
               _list_url("customers:list", text)),
        _group("contacts", _("Contacts"),
               customer_selectors.contacts_visible_to(user).filter(customer_search.contact_matches(text))
               .select_related("customer").order_by("name", "pk"),
               # The customer list's search finds customers by their contacts.
               _list_url("customers:list", text)),
    ]
    if access.can_sell(user):
        matches = deal_matches(text)
        groups.append(_group(
            "deals", _("Deals"),
            # A seller's own deals read first (`whole_list`): a common text's own index reads every match in the
            # organisation (NAR: 45,000), and the newest-first walk drops other people's by the thousand (a rep's
            # "NAR": the rows 14 -> 8 ms, the count 3.5 -> 1.3; "5500": 20 -> 11 and 7.8 -> 1.8).
            selectors.deals_visible_to(user, whole_list=True).filter(matches)
            .select_related("customer", "owner", "commodity", "specification").order_by("-updated_at", "-pk"),
            _list_url("deals:list", text),
            # A manager's found deals counted from their people's keys read first (as in the deal list): as the
            # semi-join the newest-first rows want, the count read every deal the text matched (41 ms for "NAR").
            counted=selectors.deals_visible_to(user, read_first=True).filter(matches) if user.is_manager else None,
            # The first ten newest first, each with its customer, owner, commodity and specification: PostgreSQL
            # weighed the join orders longer than it read them (the director's "NAR": 3.8 -> 1.4 ms; a rep's 5.3 ->
            # 4.4). Not the other kinds': a manager's complaints counted as written took 2 -> 7 ms.
            as_written=True))
    if access.can_record_complaint(user):
        groups.append(_group(
            "complaints", _("Complaints"),
            customer_selectors.complaints_visible_to(user).filter(customer_search.complaint_matches(text))
            .select_related("customer").order_by("-pk"),
            _list_url("complaints:list", text)))
    if access.can_research(user):
        groups.append(_group(
            "research", _("Market research"),
            selectors.research_visible_to(user).filter(research_matches(text))
            .select_related("commodity", "port", "author").order_by("-researched_on", "-pk"),
            _list_url("research:list", text)))
    return groups


def found_count(groups: list[Group]) -> int:
    """All the records found (a capped group counts as its cap)."""
    return sum(min(group.count, COUNT_CAP) for group in groups)

