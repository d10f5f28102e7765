"""A list's date filters take only days of the business range (accounts.bounds), as the forms do: a
day outside it, or no day at all, is an error on the filter bar in the reader's language, and the
list still answers, without that filter."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from .factories import ActivityFactory, CustomerFactory, DealFactory, MarketResearchFactory
from .test_translations import english_of_ours

OUT_OF_RANGE_ZH = "请输入 2000-01-01 至 2100-12-31 之间的日期。"
MALFORMED_ZH = "输入一个有效的日期。"


def customer(cast):
    return CustomerFactory(owner=cast.rep, last_contacted_at=timezone.now())


def deal(cast):
    return DealFactory(customer=CustomerFactory(owner=cast.rep), laycan_start=datetime.date(2026, 12, 1),
                       laycan_end=datetime.date(2026, 12, 10), expected_signing_date=datetime.date(2026, 11, 25))


def activity(cast):
    return ActivityFactory(customer=CustomerFactory(owner=cast.rep))


def research(cast):
    return MarketResearchFactory(author=cast.marketing)


# (the list, its date filter, the record it shows to the rep when that filter is left out)
DATE_FILTERS = [
    ("customers:list", "contacted_after", customer),
    ("customers:list", "contacted_before", customer),
    ("deals:list", "laycan_from", deal),
    ("deals:list", "laycan_to", deal),
    ("deals:list", "signing_from", deal),
    ("deals:list", "signing_to", deal),
    ("activities:list", "happened_after", activity),
    ("activities:list", "happened_before", activity),
    ("research:list", "researched_after", research),
    ("research:list", "researched_before", research),
]
IDS = [f"{url_name}-{name}" for url_name, name, _ in DATE_FILTERS]
# Each bad value with the error it gives; year 1 and 9999 would each hide the record if applied.
BAD_VALUES = [("0001-01-01", OUT_OF_RANGE_ZH), ("9999-12-31", OUT_OF_RANGE_ZH), ("1999-12-31", OUT_OF_RANGE_ZH),
              ("2101-01-01", OUT_OF_RANGE_ZH), ("2026-13-45", MALFORMED_ZH), ("not a date", MALFORMED_ZH)]


@pytest.fixture
def chinese_rep(client, cast):
    cast.rep.language = "zh-hans"
    cast.rep.save()
    client.force_login(cast.rep)
    return client


@pytest.mark.parametrize("url_name,name,make_record", DATE_FILTERS, ids=IDS)
@pytest.mark.parametrize("value,message", BAD_VALUES, ids=[value for value, _ in BAD_VALUES])
def test_a_bad_date_in_a_list_filter_is_an_error_on_the_filter_bar_and_the_list_still_answers(
        chinese_rep, cast, url_name, name, make_record, value, message):
    record = make_record(cast)
    response = chinese_rep.get(reverse(url_name), {name: value})
    assert response.status_code == 200
    assert response.context["filter"].form.errors[name] == [message]
    html = response.content.decode()
    assert message in html
    assert f'id="id_{name}_error"' in html
    assert list(response.context["page"]) == [record]  # the list without the bad filter
    assert english_of_ours(html) == set()


@pytest.mark.parametrize("url_name,name,make_record", DATE_FILTERS, ids=IDS)
def test_a_date_at_either_end_of_the_business_range_is_a_valid_filter(chinese_rep, cast, url_name, name,
                                                                       make_record):
    make_record(cast)
    for value in ("2000-01-01", "2100-12-31"):
        response = chinese_rep.get(reverse(url_name), {name: value})
        assert response.status_code == 200
        assert not response.context["filter"].form.errors


def test_the_other_filters_still_apply_beside_a_bad_date(chinese_rep, cast):
    kept = deal(cast)
    DealFactory(customer=CustomerFactory(owner=cast.rep), stage="development")
    response = chinese_rep.get(reverse("deals:list"), {"stage": kept.stage, "laycan_from": "0001-01-01"})
    assert response.status_code == 200
    assert list(response.context["page"]) == [kept]


def test_the_deal_export_leaves_out_a_bad_date_filter(client, cast):
    deal(cast)
    client.force_login(cast.rep)
    response = client.get(reverse("deals:export", args=["csv"]), {"laycan_from": "9999-12-31"})
    assert response.status_code == 200
    assert len(response.content.decode("utf-8-sig").splitlines()) == 2
