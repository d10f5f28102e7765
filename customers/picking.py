"""The first step of recording something of a customer (a complaint, a deal, a visit) for who sees too many
customers to list them in a drop-down (customer service and the director see twenty thousand): the customer is
searched for by the customer list's matching, and the form then opened for the one picked (`?customer=<id>`)."""

from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render

from accounts import params
from accounts.pages import AuthenticatedRequest

from . import search, selectors
from .models import Customer


def picked_for_edit(request: AuthenticatedRequest, customers: QuerySet[Customer], current: Customer) -> Customer | None:
    """On a record's edit page, for who sees too many customers to list: the customer picked by the search
    (`?customer=<id>`), else the record's own; None when the search is asked for ("Another customer": `?pick=1`)
    or the customer given is not one the user sees."""
    if request.GET.get("pick"):
        return None
    customer_id = params.optional_id(request.GET.get("customer"))
    return customers.filter(pk=customer_id).first() if customer_id else current


def needs_picking(customers: QuerySet[Customer], chosen: Customer | None) -> bool:
    """Whether the customer must be searched for first: none chosen yet, and too many to list."""
    return chosen is None and not selectors.few_enough_to_list(customers)


def customer_pick(request: AuthenticatedRequest, customers: QuerySet[Customer], *, title: str, question: str,
                  cancel: str) -> HttpResponse:
    """The search for the customer, with its first matches (`selectors.PICK_RESULTS`), each a link to the form."""
    text = request.GET.get("q", "")
    matches: list[Customer] = []
    more = False
    if search.cleaned(text):
        found = list(selectors.customers_matching(customers, text).select_related("owner")
                     .order_by("name", "pk")[:selectors.PICK_RESULTS + 1])
        matches, more = found[:selectors.PICK_RESULTS], len(found) > selectors.PICK_RESULTS
    return render(request, "customers/customer_pick.html", {
        "title": title, "question": question, "cancel": cancel, "q": text, "matches": matches, "more": more,
    })
