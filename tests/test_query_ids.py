"""Ids and numbers from a query string or a POST go through one parser (accounts.params): "²", which
str.isdigit() accepts and int() refuses, and ids beyond 64 bits answer 404 or a form error, never 500;
so do the list pages' query parameters whatever they hold."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from accounts import params
from pipeline import reminders
from pipeline.models import Reminder

from .factories import ActivityFactory, CustomerFactory, DealFactory
from .test_hostile_input import BOUNDED, HOSTILE, row_counts

NOT_IDS = ["²", "9999999999999999999999", "１２", "-1", "0", "1.0", " 1", "1e3", "0x1"]


@pytest.mark.parametrize("value", ["1", "42", str(2**63 - 1)])
def test_an_id_is_ascii_digits_that_fit_a_bigint(value):
    assert params.id_or_404(value) == int(value)


@pytest.mark.parametrize("value", [*NOT_IDS, "", None, str(2**63), ["1"]])
def test_anything_else_is_not_an_id(value):
    assert params.parse_id(value) is None


def test_an_absent_optional_id_is_none_and_a_bad_one_is_404():
    from django.http import Http404

    assert params.optional_id(None) is None and params.optional_id("") is None
    with pytest.raises(Http404):
        params.optional_id("²")


def test_a_number_among_choices():
    assert params.int_in("3", (1, 3, 7)) == 3
    assert params.int_in("²", (1, 3, 7)) is None
    assert params.int_in("4", (1, 3, 7)) is None


QUERY_URLS = [
    ("rep", "deals:board", "owner"),
    ("rep", "deals:create", "customer"),
    ("rep", "activities:create", "customer"),
    ("rep", "activities:create", "deal"),
    ("service", "complaints:create", "customer"),
]


@pytest.mark.parametrize("value", ["²", "9999999999999999999999"])
@pytest.mark.parametrize("role,url,name", QUERY_URLS, ids=[f"{url}?{name}" for _, url, name in QUERY_URLS])
def test_a_bad_id_in_the_query_string_is_not_found(client_as, cast, role, url, name, value):
    response = client_as(getattr(cast, role)).get(reverse(url), {name: value})
    assert response.status_code == 404


@pytest.mark.parametrize("role,url,name", QUERY_URLS, ids=[f"{url}?{name}" for _, url, name in QUERY_URLS])
def test_a_good_id_in_the_query_string_still_works(client_as, cast, role, url, name):
    customer = CustomerFactory(owner=cast.rep)
    value = {"owner": cast.rep.pk, "deal": DealFactory(customer=customer).pk}.get(name, customer.pk)
    assert client_as(getattr(cast, role)).get(reverse(url), {name: value}).status_code == 200


@pytest.fixture
def escalated_next_step(cast) -> Reminder:
    activity = ActivityFactory(customer=CustomerFactory(owner=cast.rep), owner=cast.rep, next_step="Send the offer",
                               next_step_due=timezone.localdate() - timedelta(days=5))
    reminders.raise_reminders()
    return Reminder.objects.get(recipient=cast.manager, cause=f"activity:{activity.pk}")


@pytest.mark.parametrize("value", ["²", "9999999999999999999999", "-1", ""])
def test_a_bad_snooze_is_a_form_error(client_as, cast, escalated_next_step, value):
    response = client_as(cast.manager).post(reverse("reminders:snooze", args=[escalated_next_step.pk]),
                                            {"days": value})
    assert response.status_code < 500
    escalated_next_step.refresh_from_db()
    assert escalated_next_step.snoozed_until is None
    assert "Choose how long to snooze the reminder." in response.content.decode() or response.status_code == 302


@pytest.mark.parametrize("value", ["²", "9999999999999999999999"])
def test_a_bad_reassign_target_is_not_found(client_as, cast, escalated_next_step, value):
    before = row_counts()
    response = client_as(cast.manager).post(reverse("reminders:reassign", args=[escalated_next_step.pk]),
                                            {"to_user": value})
    assert response.status_code == 404
    assert row_counts() == before


@pytest.mark.parametrize("start", ["9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01"])
def test_an_export_period_outside_the_business_range_is_not_found(client_as, cast, start):
    response = client_as(cast.director).get(reverse("dashboards:export", args=["team", "csv"]), {"start": start})
    assert response.status_code == 404


def test_an_export_period_inside_the_business_range_is_served(client_as, cast):
    response = client_as(cast.director).get(reverse("dashboards:export", args=["team", "csv"]),
                                            {"start": "2100-12-31"})
    assert response.status_code == 200


# --- The list pages' query parameters, whatever they hold --------------------------------------------------

LIST_PAGES = {
    "customers:list": ["q", "tier", "status", "owner", "team", "region", "commodity", "contacted_after",
                       "contacted_before", "overdue_contact", "sort", "page"],
    "deals:board": ["owner", "q", "stage"],
    "deals:list": ["q", "stage", "outcome", "owner", "team", "commodity", "incoterm", "port", "laycan_from",
                   "laycan_to", "signing_from", "signing_to", "amount_min", "amount_max", "sort", "page"],
    "activities:list": ["q", "kind", "owner", "happened_after", "happened_before", "next_step", "page"],
    "complaints:list": ["q", "status", "severity", "category", "assignee", "overdue", "page"],
    "research:list": ["q", "commodity", "method", "researched_after", "researched_before", "page"],
    "reminders:inbox": ["page"],
}
BAD_VALUES = ["²", "9999999999999999999999", "0001-01-01", "0001-01-01T00:00", "9999-12-31", "10000-01-01",
              "-1", "0"]
query_value = st.one_of(st.sampled_from(BAD_VALUES + HOSTILE), st.text(max_size=40),
                        st.integers(min_value=-(10**25), max_value=10**25).map(str))


@pytest.mark.parametrize("page", sorted(LIST_PAGES))
@BOUNDED
@given(data=st.data())
def test_no_query_parameter_breaks_a_list_page(client_as, cast, page, data):
    DealFactory(customer=CustomerFactory(owner=cast.rep))
    query = data.draw(st.dictionaries(st.sampled_from(LIST_PAGES[page]), query_value, min_size=1, max_size=4),
                      label="query")
    response = client_as(cast.director).get(reverse(page), query)
    assert response.status_code in (200, 404), query


@pytest.mark.parametrize("page", ["customers:list", "deals:list"])
def test_a_blank_sort_keeps_the_lists_own_order(client_as, cast, page):
    # "?sort=," parses to blank orderings; without the list's own order the pages would overlap.
    for name in ("Zhenjiang Coal", "Anshan Steel", "Minsheng Power"):
        DealFactory(customer=CustomerFactory(owner=cast.rep, name=name))
    response = client_as(cast.director).get(reverse(page), {"sort": ","})
    assert response.status_code == 200
    assert response.context["page"].paginator.object_list.ordered
