"""Market research (市场调研): marketing and sales record the prices, competitors and supply and demand
they see; every seller and marketing reads it all; customer service has no use for it."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Position
from accounts.services import RuleError
from pipeline import research
from pipeline.models import MarketResearch

from .access import assert_answers, each_role_and, expect
from .conftest import ROLES
from .factories import CommodityFactory, CustomerFactory, DealFactory, MarketResearchFactory, PortFactory, UserFactory

OK, FOUND, FORBIDDEN, MISSING = 200, 302, 403, 404
Method = MarketResearch.Method


@pytest.fixture
def record(cast):
    """Marketing's field research on thermal coal at Qingdao."""
    return MarketResearchFactory(author=cast.marketing, region="Qingdao", competitors="Glencore at 82 USD CFR")


def research_form(**overrides) -> dict:
    return {
        "commodity": CommodityFactory().pk,
        "researched_on": timezone.localdate().isoformat(),
        "method": Method.FIELD,
        "region": "Shandong steel mills",
        "port": PortFactory().pk,
        "price_low": "78.50",
        "price_high": "84",
        "currency": "usd",
        "competitors": "Glencore offers 82 USD CFR Qingdao",
        "supply_demand": "Mills restocking before the Spring Festival.",
    } | overrides


def save(by, **fields) -> MarketResearch:
    values = {"commodity": CommodityFactory(), "region": "Qingdao", "researched_on": timezone.localdate(),
              "method": Method.QUESTIONNAIRE, "price_low": Decimal(78), "price_high": Decimal(84),
              "currency": "USD"} | fields
    return research.research_save(research=MarketResearch(**values), by=by)


# --- The service --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["marketing", "rep", "account_manager", "manager", "director"])
def test_sellers_and_marketing_record_research_as_its_author(cast, role):
    record = save(cast.by_role(role), currency=" cny ")
    assert (record.author, record.currency) == (cast.by_role(role), "CNY")


def test_customer_service_does_not_record_research(cast):
    with pytest.raises(RuleError, match="does not record market research"):
        save(cast.service)


def test_only_the_author_and_the_director_change_a_record(cast, record):
    record.region = "Rizhao"
    with pytest.raises(RuleError, match="Only the author and the director"):
        research.research_save(research=record, by=cast.rep)
    research.research_save(research=record, by=cast.director)
    record.refresh_from_db()
    assert (record.region, record.author) == ("Rizhao", cast.marketing)


@pytest.mark.parametrize(
    "fields,message",
    [
        ({"price_low": Decimal(90), "price_high": Decimal(80)}, "highest price cannot be below the lowest"),
        ({"price_low": Decimal(0)}, "more than zero"),
        ({"price_high": Decimal(-5), "price_low": None}, "more than zero"),
        ({"currency": "US$"}, "three-letter currency code"),
        ({"researched_on": date.today() + timedelta(days=2)}, "cannot be dated in the future"),
    ],
)
def test_the_service_refuses_bad_research(cast, fields, message):
    with pytest.raises(RuleError, match=message):
        save(cast.marketing, **fields)
    assert not MarketResearch.objects.exists()


def test_a_single_price_is_enough(cast):
    record = save(cast.rep, price_low=None, price_high=Decimal(80))
    assert (record.price_low, record.price_high) == (None, Decimal(80))


# --- Every page and post, as every position ------------------------------------------------------------------


READERS = {role: OK for role in ROLES} | {"service": FORBIDDEN}
# The author (marketing) and the director may edit; other readers are refused; customer service sees no record.
EDITORS = {role: FORBIDDEN for role in ROLES} | {"marketing": OK, "director": OK, "service": MISSING}

PAGES = [
    ("list", lambda r: reverse("research:list"), expect(**READERS)),
    ("create", lambda r: reverse("research:create"), expect(**READERS)),
    ("detail", lambda r: reverse("research:detail", args=[r.pk]), expect(**READERS | {"service": MISSING})),
    ("edit", lambda r: reverse("research:edit", args=[r.pk]), expect(**EDITORS)),
]


@each_role_and("name,url,expected", PAGES)
def test_each_research_page_answers_each_position_as_the_policy_says(client_as, cast, record, role, name, url,
                                                                     expected):
    assert_answers(client_as(cast.by_role(role)).get(url(record)), expected[role], f"{name} as {role}")


@pytest.mark.parametrize("role", ROLES)
def test_each_position_edits_a_record_as_the_policy_says(client_as, cast, record, role):
    response = client_as(cast.by_role(role)).post(reverse("research:edit", args=[record.pk]),
                                                  research_form(region="Rizhao port"))
    record.refresh_from_db()
    expected = expect(**EDITORS | {"marketing": FOUND, "director": FOUND})[role]
    if expected == "login":
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == expected, role
    assert (record.region == "Rizhao port") is (expected == FOUND), role
    assert record.author == cast.marketing


@pytest.mark.parametrize("role", ROLES)
def test_each_position_records_research_as_the_policy_says(client_as, cast, role):
    response = client_as(cast.by_role(role)).post(reverse("research:create"), research_form())
    if role == "anonymous":
        assert response["Location"].startswith(reverse("accounts:login"))
    elif role == "service":
        assert response.status_code == FORBIDDEN
    else:
        record = MarketResearch.objects.get()
        assert response.status_code == FOUND
        assert response["Location"] == reverse("research:detail", args=[record.pk])
        assert record.author == cast.by_role(role)
    assert MarketResearch.objects.count() == (0 if role in ("anonymous", "service") else 1)


def test_a_missing_record_is_404(client_as, cast):
    assert client_as(cast.director).get(reverse("research:detail", args=[999999])).status_code == MISSING


# --- The form ------------------------------------------------------------------------------------------------


def test_recording_through_the_page_keeps_every_field(client_as, cast):
    response = client_as(cast.marketing).post(reverse("research:create"), research_form())
    assert response.status_code == FOUND
    record = MarketResearch.objects.get()
    assert (record.region, record.port.name, record.method) == ("Shandong steel mills", "Qingdao", Method.FIELD)
    assert (record.price_low, record.price_high, record.currency) == (Decimal("78.50"), Decimal(84), "USD")
    assert record.researched_on == timezone.localdate()


def test_the_form_starts_today_in_usd(client_as, cast):
    form = client_as(cast.rep).get(reverse("research:create")).context["form"]
    assert form["researched_on"].value() == timezone.localdate()
    assert form["currency"].value() == "USD"
    assert 'type="date"' in client_as(cast.rep).get(reverse("research:create")).content.decode()


TOMORROW = object()  # stands for the day after the test runs


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"price_low": "90", "price_high": "80"}, "price_high", "cannot be below the lowest"),
        ({"price_low": "0"}, "price_low", "must be more than zero"),
        ({"price_high": "-3"}, "price_high", "must be more than zero"),
        ({"currency": "US$"}, "currency", "three-letter currency code"),
        ({"currency": "DOLLAR"}, "currency", "at most 3 characters"),
        ({"researched_on": TOMORROW}, "researched_on", "cannot be dated in the future"),
        ({"region": "  "}, "region", "This field is required"),
        ({"method": "rumour"}, "method", "Select a valid choice"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_saved(client_as, cast, overrides, field, message):
    if overrides.get("researched_on") is TOMORROW:  # tomorrow when the test runs, not when it was collected
        overrides = {**overrides, "researched_on": (timezone.localdate() + timedelta(days=1)).isoformat()}
    response = client_as(cast.marketing).post(reverse("research:create"), research_form(**overrides))
    assert response.status_code == OK
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert not MarketResearch.objects.exists()


# --- The detail page: the deals that draw on the research ---------------------------------------------------


def test_the_detail_page_shows_only_the_linked_deals_the_user_can_see(client_as, cast, record):
    mine = DealFactory(customer=CustomerFactory(owner=cast.rep, name="Rizhao Steel"))
    theirs = DealFactory(customer=CustomerFactory(owner=cast.other_rep, name="Tangshan Power"))
    DealFactory(customer=CustomerFactory(owner=cast.rep))  # not linked
    mine.research.add(record)
    theirs.research.add(record)
    url = reverse("research:detail", args=[record.pk])

    def deals(role):
        return set(client_as(cast.by_role(role)).get(url).context["deals"])

    assert deals("director") == {mine, theirs}
    assert deals("manager") == {mine}
    assert deals("rep") == {mine}
    assert deals("other_rep") == {theirs}
    assert deals("marketing") == set()
    html = client_as(cast.rep).get(url).content.decode()
    assert "Rizhao Steel" in html and "Tangshan Power" not in html
    assert "Glencore at 82 USD CFR" in html


def test_the_detail_page_offers_edit_only_to_the_author_and_the_director(client_as, cast, record):
    edit = reverse("research:edit", args=[record.pk])
    for role, offered in [("marketing", True), ("director", True), ("rep", False), ("manager", False)]:
        html = client_as(cast.by_role(role)).get(reverse("research:detail", args=[record.pk])).content.decode()
        assert (edit in html) is offered, role


# --- The list -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["director", "manager", "rep", "account_manager", "other_rep", "marketing"])
def test_every_seller_and_marketing_read_all_research(client_as, cast, role):
    records = {MarketResearchFactory(author=cast.marketing).pk, MarketResearchFactory(author=cast.other_rep).pk,
               MarketResearchFactory(author=cast.rep).pk}
    assert {r.pk for r in client_as(cast.by_role(role)).get(reverse("research:list")).context["page"]} == records


def test_the_list_filters_by_commodity_dates_method_and_text(client_as, cast):
    coal = MarketResearchFactory(author=cast.marketing, region="Qingdao", researched_on=date(2026, 10, 1),
                                 method=Method.FIELD, supply_demand="Port stocks falling")
    ore = MarketResearchFactory(author=cast.rep, commodity=CommodityFactory(name="Iron ore fines", name_zh="铁矿粉"),
                                region="Tangshan", researched_on=date(2026, 11, 10), method=Method.ONLINE_SURVEY,
                                competitors="Vale at 105 USD", port=PortFactory(name="Caofeidian", name_zh="曹妃甸"))
    client = client_as(cast.rep)

    def listed(**params):
        return {r.pk for r in client.get(reverse("research:list"), params).context["page"]}

    assert listed() == {coal.pk, ore.pk}
    assert listed(commodity=ore.commodity.pk) == {ore.pk}
    assert listed(method=Method.FIELD) == {coal.pk}
    assert listed(researched_after="2026-11-01") == {ore.pk}
    assert listed(researched_before="2026-10-31") == {coal.pk}
    assert listed(q="vale") == {ore.pk}
    assert listed(q="stocks") == {coal.pk}
    assert listed(q="tangshan") == {ore.pk}
    assert listed(q="曹妃甸") == {ore.pk}


def test_the_list_pages_by_fifty(client_as, cast):
    MarketResearchFactory.create_batch(51, author=cast.marketing)
    response = client_as(cast.rep).get(reverse("research:list"))
    assert len(response.context["page"]) == 50
    assert response.context["page"].paginator.num_pages == 2


# --- Query counts -----------------------------------------------------------------------------------------


def _queries(callable_) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as context:
        result = callable_()
    return len(context.captured_queries), result


# The layout's own queries (session, user, navigation badges) are in the bound; the rows are not.
LIST_BOUND = 9


def test_the_list_costs_the_same_queries_however_many_records(client_as, cast):
    client = client_as(cast.rep)
    MarketResearchFactory.create_batch(3, author=cast.marketing, port=PortFactory())
    few, response = _queries(lambda: client.get(reverse("research:list")))
    assert len(response.context["page"]) == 3
    for index in range(27):
        MarketResearchFactory(author=UserFactory(position=Position.MARKETING),
                              commodity=CommodityFactory(name=f"Commodity {index}"),
                              port=PortFactory(name=f"Port {index}"))
    many, response = _queries(lambda: client.get(reverse("research:list")))
    assert len(response.context["page"]) == 30
    assert many == few <= LIST_BOUND


def test_the_detail_page_costs_the_same_queries_however_many_deals(client_as, cast, record):
    client = client_as(cast.director)
    record.deals.add(DealFactory(customer=CustomerFactory(owner=cast.rep)))
    few, _response = _queries(lambda: client.get(reverse("research:detail", args=[record.pk])))
    for _ in range(10):
        record.deals.add(DealFactory(customer=CustomerFactory(owner=UserFactory()),
                                     commodity=CommodityFactory(name="Iron ore fines")))
    many, response = _queries(lambda: client.get(reverse("research:detail", args=[record.pk])))
    assert len(response.context["deals"]) == 11
    assert many == few <= LIST_BOUND
