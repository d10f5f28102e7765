"""The director's pipeline lists: ports, exchange rates (read by everyone) and reasons for losing;
a new rate re-prices the deals not yet signed, and signed deals keep the rate of their signing date."""

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pipeline.forms.settings import ExchangeRateForm
from pipeline.models import Deal, ExchangeRate, LostReason, Port

from .access import assert_answers, each_role_and, expect
from .conftest import ROLES
from .factories import CustomerFactory, DealFactory, ExchangeRateFactory, PortFactory

OK, FORBIDDEN = 200, 403
DIRECTOR_ONLY = {role: FORBIDDEN for role in ROLES} | {"director": OK}
EVERYONE = {role: OK for role in ROLES}


@pytest.fixture
def lists(db):
    """One port, one currency's rate and one reason for losing."""
    return {
        "port": PortFactory(name="Newcastle", name_zh="纽卡斯尔", country="AU"),
        "rate": ExchangeRateFactory(currency="USD", valid_from=datetime.date(2026, 1, 1), rate=Decimal("7.1")),
        "reason": LostReason.objects.create(name="Price too high", name_zh="价格过高"),
    }


PAGES = [
    ("ports", lambda o: reverse("pipeline_settings:ports"), DIRECTOR_ONLY),
    ("new port", lambda o: reverse("pipeline_settings:port_create"), DIRECTOR_ONLY),
    ("edit port", lambda o: reverse("pipeline_settings:port_edit", args=[o["port"].pk]), DIRECTOR_ONLY),
    ("exchange rates", lambda o: reverse("pipeline_settings:rates"), EVERYONE),
    ("new exchange rate", lambda o: reverse("pipeline_settings:rate_create"), DIRECTOR_ONLY),
    ("reasons for losing", lambda o: reverse("pipeline_settings:lost_reasons"), DIRECTOR_ONLY),
    ("new reason for losing", lambda o: reverse("pipeline_settings:lost_reason_create"), DIRECTOR_ONLY),
    ("edit reason for losing", lambda o: reverse("pipeline_settings:lost_reason_edit", args=[o["reason"].pk]),
     DIRECTOR_ONLY),
]


@each_role_and("name,url,expected", PAGES)
def test_pipeline_lists_answer_each_position_as_the_policy_says(client_as, cast, lists, role, name, url, expected):
    assert_answers(client_as(cast.by_role(role)).get(url(lists)), expect(expected)[role], f"{name} as {role}")


@pytest.mark.parametrize("role", ["manager", "rep", "service"])
def test_only_the_director_may_post_to_the_lists(client_as, cast, lists, role):
    client = client_as(cast.by_role(role))
    today = timezone.localdate().isoformat()
    assert client.post(reverse("pipeline_settings:rate_create"),
                       {"currency": "EUR", "rate": "7.8", "valid_from": today}).status_code == FORBIDDEN
    assert client.post(reverse("pipeline_settings:port_edit", args=[lists["port"].pk]),
                       {"name": "Gladstone", "name_zh": "", "country": "AU"}).status_code == FORBIDDEN
    assert client.post(reverse("pipeline_settings:lost_reason_create"), {"name": "Late", "name_zh": ""}).status_code \
        == FORBIDDEN
    assert not ExchangeRate.objects.filter(currency="EUR").exists()
    assert Port.objects.get().name == "Newcastle"
    assert LostReason.objects.count() == 1


# --- Ports ---------------------------------------------------------------------------------------


def test_the_port_list_counts_deals_loading_or_discharging_there(client_as, cast):
    newcastle = PortFactory(name="Newcastle", name_zh="纽卡斯尔", country="AU")
    qingdao = PortFactory(name="Qingdao", country="CN")
    PortFactory(name="Santos", country="BR")
    DealFactory(load_port=newcastle, discharge_port=qingdao)
    DealFactory(load_port=newcastle, discharge_port=qingdao)
    DealFactory(load_port=None, discharge_port=newcastle)  # discharged where it could also load
    DealFactory(load_port=qingdao, discharge_port=qingdao)  # one port for both: one deal there

    response = client_as(cast.director).get(reverse("pipeline_settings:ports"))

    counts = {port.name: port.deal_count for port in response.context["ports"]}
    assert counts == {"Newcastle": 3, "Qingdao": 3, "Santos": 0}
    assert "Australia" in response.text and "纽卡斯尔" in response.text


def test_the_director_adds_and_edits_a_port(client_as, cast):
    client = client_as(cast.director)
    response = client.post(reverse("pipeline_settings:port_create"),
                           {"name": "Port Hedland", "name_zh": "黑德兰港", "country": "au"})
    assert response.status_code == 302 and response["Location"] == reverse("pipeline_settings:ports")
    port = Port.objects.get()
    assert (port.name, port.name_zh, port.country) == ("Port Hedland", "黑德兰港", "AU")

    response = client.post(reverse("pipeline_settings:port_edit", args=[port.pk]),
                           {"name": "Port Hedland", "name_zh": "黑德兰", "country": "AU"})
    assert response.status_code == 302
    port.refresh_from_db()
    assert port.name_zh == "黑德兰"


@pytest.mark.parametrize("country,message", [
    ("Australia", "Give the country as its two-letter code"),
    ("A1", "Give the country as its two-letter code"),
    ("", "This field is required."),
    ("XX", "XX is not a country code."),
])
def test_a_port_needs_a_two_letter_country_code(client_as, cast, country, message):
    response = client_as(cast.director).post(reverse("pipeline_settings:port_create"),
                                             {"name": "Santos", "name_zh": "", "country": country})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["country"])
    assert not Port.objects.exists()


@pytest.mark.parametrize("field,value", [("name", "qingdao"), ("name_zh", "青岛")])
def test_port_names_are_unique_whatever_their_case(client_as, cast, field, value):
    PortFactory(name="Qingdao", name_zh="青岛", country="CN")
    data = {"name": "Rizhao", "name_zh": "日照", "country": "CN"} | {field: value}
    response = client_as(cast.director).post(reverse("pipeline_settings:port_create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [f"{value} is already on the list."]
    assert Port.objects.count() == 1


def test_the_port_list_has_a_constant_number_of_queries(client_as, cast):
    client = client_as(cast.director)

    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("pipeline_settings:ports")).status_code == OK
        return [query["sql"] for query in context.captured_queries]

    DealFactory(load_port=PortFactory(name="Newcastle", country="AU"))
    few = queries()
    for number in range(10):
        DealFactory(load_port=PortFactory(name=f"Load {number}", country="AU"),
                    discharge_port=PortFactory(name=f"Discharge {number}", country="CN"))
    many = queries()
    assert len(many) == len(few), "\n".join(many)


# --- Exchange rates ------------------------------------------------------------------------------


def test_the_rate_list_shows_each_currency_newest_first_and_the_base_currency_at_one(client_as, cast, settings):
    today = timezone.localdate()
    ExchangeRateFactory(currency="USD", valid_from=today - datetime.timedelta(days=60), rate=Decimal("7.1"))
    ExchangeRateFactory(currency="USD", valid_from=today - datetime.timedelta(days=5), rate=Decimal("7.2"))
    ExchangeRateFactory(currency="USD", valid_from=today + datetime.timedelta(days=5), rate=Decimal("7.3"))
    ExchangeRateFactory(currency="EUR", valid_from=today, rate=Decimal("7.8"))

    response = client_as(cast.rep).get(reverse("pipeline_settings:rates"))

    currencies = {entry["code"]: entry for entry in response.context["currencies"]}
    assert list(currencies) == ["EUR", "USD"]
    assert [(rate.rate, rate.state) for rate in currencies["USD"]["rates"]] == [
        (Decimal("7.3"), "scheduled"), (Decimal("7.2"), "current"), (Decimal("7.1"), "past")]
    assert currencies["USD"]["current"].rate == Decimal("7.2")
    assert currencies["EUR"]["current"].rate == Decimal("7.8")
    assert settings.BASE_CURRENCY in response.text and "1.000000" in response.text
    assert reverse("pipeline_settings:rate_create") not in response.text  # a rep reads, the director edits


def test_the_rate_list_has_a_constant_number_of_queries(client_as, cast):
    client = client_as(cast.rep)

    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("pipeline_settings:rates")).status_code == OK
        return [query["sql"] for query in context.captured_queries]

    ExchangeRateFactory(currency="USD")
    few = queries()
    for day in range(1, 13):
        for currency in ("USD", "EUR", "AUD"):
            ExchangeRateFactory(currency=currency, valid_from=datetime.date(2025, day, 1))
    many = queries()
    assert len(many) == len(few), "\n".join(many)


def test_a_new_usd_rate_reprices_open_deals_but_not_signed_ones(client_as, cast):
    customer = CustomerFactory(owner=cast.rep)
    open_deal = DealFactory(customer=customer)
    signed = DealFactory(customer=customer, stage="follow_up", outcome="won", contract_number="C-1",
                         signed_on=datetime.date(2026, 6, 1))
    in_cny = DealFactory(customer=customer, currency="CNY", price_per_tonne=Decimal(560), rate_to_base=Decimal(1))

    response = client_as(cast.director).post(
        reverse("pipeline_settings:rate_create"),
        {"currency": "usd", "rate": "7.2", "valid_from": timezone.localdate().isoformat()}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("pipeline_settings:rates")
    assert "1 deal not yet signed was re-priced." in response.text
    open_deal.refresh_from_db()
    signed.refresh_from_db()
    in_cny.refresh_from_db()
    assert (open_deal.rate_to_base, open_deal.amount_base) == (Decimal("7.2"), Decimal("31680000.00"))
    assert (signed.rate_to_base, signed.amount_base) == (Decimal("7.1"), Decimal("31240000.00"))
    assert in_cny.amount_base == Decimal("30800000.00")
    assert ExchangeRate.objects.filter(currency="USD", rate=Decimal("7.2")).exists()


@pytest.mark.parametrize("data,field,message", [
    ({"currency": "US"}, "currency", "Give the currency as its three-letter code, e.g. USD or EUR."),
    ({"currency": "US1"}, "currency", "Give the currency as its three-letter code, e.g. USD or EUR."),
    ({"currency": "人民币"}, "currency", "Give the currency as its three-letter code, e.g. USD or EUR."),
    ({"currency": "CNY"}, "currency", "CNY is the base currency: its rate is always 1."),
    ({"rate": "0"}, "rate", "Ensure this value is greater than or equal to 0.000001."),
    ({"rate": "-7.1"}, "rate", "Ensure this value is greater than or equal to 0.000001."),
    ({"rate": "seven"}, "rate", "Enter a number."),
    ({"valid_from": ""}, "valid_from", "This field is required."),
    ({"valid_from": "2026-02-30"}, "valid_from", "Enter a valid date."),
])
def test_a_bad_rate_is_refused_with_a_clear_message_and_nothing_saved(client_as, cast, settings, data, field,
                                                                        message):
    settings.BASE_CURRENCY = "CNY"
    deal = DealFactory()
    before = ExchangeRate.objects.count()
    form = {"currency": "EUR", "rate": "7.8", "valid_from": "2026-11-02"} | data

    response = client_as(cast.director).post(reverse("pipeline_settings:rate_create"), form)

    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert ExchangeRate.objects.count() == before
    deal.refresh_from_db()
    assert deal.amount_base == Decimal("31240000.00")


@pytest.mark.parametrize("refused_by", ["the-forms-check", "the-database-when-saved-by-someone-else-a-moment-before"])
def test_a_second_rate_for_the_same_currency_and_day_is_refused_without_an_error_page(client_as, cast, monkeypatch,
                                                                                        refused_by):
    if refused_by != "the-forms-check":
        # The form's check passed, then another request saved the same rate: the database refuses it.
        monkeypatch.setattr(ExchangeRateForm, "clean", forms.Form.clean)
    ExchangeRateFactory(currency="USD", valid_from=datetime.date(2026, 11, 2), rate=Decimal("7.1"))

    response = client_as(cast.director).post(reverse("pipeline_settings:rate_create"),
                                             {"currency": "USD", "rate": "7.3", "valid_from": "2026-11-02"})

    assert response.status_code == 200
    assert response.context["form"].errors["valid_from"] == [
        "USD already has a rate from 2026-11-02. Pick another day."]
    assert ExchangeRate.objects.get(currency="USD").rate == Decimal("7.1")


def test_a_currencys_first_rate_cannot_start_in_the_future(client_as, cast):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = client_as(cast.director).post(reverse("pipeline_settings:rate_create"),
                                             {"currency": "EUR", "rate": "7.8", "valid_from": tomorrow.isoformat()})

    assert response.status_code == 200
    assert response.context["form"].errors["valid_from"] == [
        "EUR has no rate yet: its first rate must apply from today or earlier."]
    assert not ExchangeRate.objects.exists()


def test_a_future_rate_leaves_deals_at_todays_rate(client_as, cast):
    deal = DealFactory()  # USD at 7.1 since 2026-01-01
    next_month = timezone.localdate() + datetime.timedelta(days=30)

    response = client_as(cast.director).post(
        reverse("pipeline_settings:rate_create"),
        {"currency": "USD", "rate": "7.4", "valid_from": next_month.isoformat()}, follow=True)

    assert "1 deal not yet signed stays priced at today&#x27;s rate." in response.text
    deal.refresh_from_db()
    assert (deal.rate_to_base, deal.amount_base) == (Decimal("7.1"), Decimal("31240000.00"))


# --- Reasons for losing ----------------------------------------------------------------------------


def test_the_director_adds_and_edits_a_reason_for_losing(client_as, cast):
    client = client_as(cast.director)
    response = client.post(reverse("pipeline_settings:lost_reason_create"), {"name": "Price too high",
                                                                              "name_zh": "价格过高"})
    assert response.status_code == 302 and response["Location"] == reverse("pipeline_settings:lost_reasons")
    reason = LostReason.objects.get()

    client.post(reverse("pipeline_settings:lost_reason_edit", args=[reason.pk]),
                {"name": "Price above the competitor's", "name_zh": "价格过高"})
    reason.refresh_from_db()
    assert reason.name == "Price above the competitor's"


def test_a_reason_for_losing_needs_a_name_of_its_own(client_as, cast):
    LostReason.objects.create(name="Price too high")
    client = client_as(cast.director)

    response = client.post(reverse("pipeline_settings:lost_reason_create"), {"name": "PRICE TOO HIGH", "name_zh": ""})
    assert response.context["form"].errors["name"] == ["PRICE TOO HIGH is already on the list."]
    response = client.post(reverse("pipeline_settings:lost_reason_create"), {"name": "", "name_zh": ""})
    assert response.context["form"].errors["name"] == ["This field is required."]
    assert LostReason.objects.count() == 1


def test_the_reason_list_counts_the_deals_lost_for_each(client_as, cast):
    price = LostReason.objects.create(name="Price too high")
    LostReason.objects.create(name="Quality")
    DealFactory(outcome="lost", lost_reason=price)
    DealFactory(outcome="lost", lost_reason=price)

    response = client_as(cast.director).get(reverse("pipeline_settings:lost_reasons"))

    assert {reason.name: reason.deal_count for reason in response.context["reasons"]} == {
        "Price too high": 2, "Quality": 0}
    assert Deal.objects.count() == 2
