"""The REST API: personal tokens, scope (a token sees exactly what its user sees in the pages), writes through
the pages' forms and services, the list pages' filters and sorts, cursor pagination, throttling, the schema
and its docs."""

import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from bulksales.api import tokens
from bulksales.api.models import ApiToken
from customers.filters import CUSTOMER_SORTS
from customers.models import Contact, Customer
from customers.selectors import customers_visible_to
from customers.services import name_key
from customers.validators import uscc_check_character
from pipeline import services
from pipeline.filters import DealFilter
from pipeline.models import Activity, Deal, Stage
from pipeline.selectors import deals_visible_to

from .api_representation import assert_written_as_drf_writes
from .conftest import ROLES
from .factories import (
    ActivityFactory,
    CommodityFactory,
    ComplaintFactory,
    ContactFactory,
    CustomerFactory,
    DealFactory,
    MarketResearchFactory,
)
from .queries import assert_queries_pinned

SELLERS = {"director", "manager", "rep", "account_manager", "other_manager", "other_rep"}


def api_as(user) -> APIClient:
    """A client that sends the user's new token, as a script would."""
    client = APIClient()
    if user is not None:
        _token, key = tokens.token_create(user=user, name="test")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def all_results(client: APIClient, url: str, **params) -> list[dict]:
    """Every row across the cursor pages."""
    rows: list[dict] = []
    response = client.get(url, {**params, "page_size": 2})
    while True:
        assert response.status_code == 200, response.content
        rows += response.json()["results"]
        if not response.json()["next"]:
            return rows
        response = client.get(response.json()["next"])


@pytest.fixture
def world(cast):
    """A customer and a deal on each side: team A's rep's and team B's rep's."""
    mine = CustomerFactory(owner=cast.rep, name="Rizhao Steel")
    ContactFactory(customer=mine, name="Wang Lei")
    theirs = CustomerFactory(owner=cast.other_rep, name="Tangshan Power")
    return {
        "customer_a": mine, "customer_b": theirs,
        "deal_a": DealFactory(customer=mine), "deal_b": DealFactory(customer=theirs),
    }


# Who sees team A's rep's records (their own; their manager; the director) and team B's rep's.
SEES_A = {"director", "manager", "rep"}
SEES_B = {"director", "other_manager", "other_rep"}
VISIBLE = {"customer": customers_visible_to, "deal": deals_visible_to}


# --- Tokens ---------------------------------------------------------------------------------------


def test_a_token_is_stored_hashed_and_shown_once(cast):
    token, key = tokens.token_create(user=cast.rep, name="Power BI")
    assert key not in token.key_hash and token.key_hash == tokens.hash_key(key)
    assert key.startswith(token.prefix)
    assert not ApiToken.objects.filter(key_hash=key).exists()


@pytest.mark.parametrize("scheme", ["Bearer", "Token"])
def test_a_token_signs_in_its_user_and_stamps_last_used(cast, world, scheme):
    token, key = tokens.token_create(user=cast.rep, name="Excel")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {key}")
    assert client.get(reverse("api:customer-list")).status_code == 200
    token.refresh_from_db()
    assert token.last_used is not None


def test_no_token_a_wrong_token_a_revoked_token_and_an_inactive_user_get_401(cast, world):
    url = reverse("api:customer-list")
    assert APIClient().get(url).status_code == 401
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer bs_not-a-token")
    response = client.get(url)
    assert response.status_code == 401 and "detail" in response.json()

    token, key = tokens.token_create(user=cast.rep, name="Excel")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get(url).status_code == 200
    tokens.token_revoke(user=cast.rep, pk=token.pk)
    assert client.get(url).status_code == 401

    _token, key = tokens.token_create(user=cast.other_rep, name="Excel")
    cast.other_rep.is_active = False
    cast.other_rep.save()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get(url).status_code == 401


def test_nobody_revokes_another_persons_token(cast):
    token, _key = tokens.token_create(user=cast.rep, name="Excel")
    with pytest.raises(ApiToken.DoesNotExist):
        tokens.token_revoke(user=cast.manager, pk=token.pk)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_command_prints_a_token_that_works(cast, world):
    out = StringIO()
    call_command("create_api_token", "rep", "--name", "BI", stdout=out)
    key = out.getvalue().strip()
    assert ApiToken.objects.get(user=cast.rep).name == "BI"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert [row["name"] for row in all_results(client, reverse("api:customer-list"))] == ["Rizhao Steel"]


def test_the_browser_session_works_too(cast, world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(cast.rep)
    assert client.get(reverse("api:customer-list")).status_code == 200


@pytest.mark.parametrize("kind", ["customer", "deal", "activity", "complaint", "research"])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_list_is_written_as_drf_writes_it(cast, world, monkeypatch, kind, language):
    """Every field of every record as Django REST framework's own serializer writes it (bulksales/api/
    representation.py writes them faster), in both languages (the commodities and ports are named in the reader's)."""
    deal = world["deal_a"]
    services.deal_move(deal=deal, to_stage=Stage.DEVELOPMENT, by=cast.rep, expected_version=deal.version,
                       reason="The buyer asked for a lower ash grade")
    ActivityFactory(customer=world["customer_a"], deal=deal, next_step="Send the CFR offer",
                    next_step_due=timezone.localdate(), next_step_owner=cast.rep)
    ActivityFactory(customer=world["customer_b"])
    ComplaintFactory(customer=world["customer_a"], claimed_amount=Decimal("12500.50"), claimed_currency="USD")
    ComplaintFactory(customer=world["customer_b"], resolution="Price cut agreed")
    MarketResearchFactory(commodity=deal.commodity, port=deal.discharge_port)
    MarketResearchFactory(commodity=deal.commodity, port=None)
    client = api_as(cast.director)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    assert_written_as_drf_writes(client, reverse(f"api:{kind}-list"), monkeypatch)


# --- Every endpoint x every position, in and out of scope -----------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", ["customer", "deal"])
def test_every_endpoint_as_every_position(cast, world, role, kind):
    user = cast.by_role(role)
    client = api_as(user)
    list_url = reverse(f"api:{kind}-list")
    if user is None:
        assert client.get(list_url).status_code == 401
        return
    if kind == "deal" and role not in SELLERS:
        # The deal pages are the sellers'.
        assert client.get(list_url).status_code == 403
        assert client.get(reverse("api:deal-detail", args=[world["deal_a"].pk])).status_code == 403
        return
    seen = {row["id"] for row in all_results(client, list_url)}
    # Exactly what the list page's selector gives the user (the service desk sees every customer).
    visible = set(VISIBLE[kind](user).values_list("pk", flat=True))
    assert seen == visible
    for side, sees in (("a", SEES_A), ("b", SEES_B)):
        record = world[f"{kind}_{side}"]
        detail = client.get(reverse(f"api:{kind}-detail", args=[record.pk]))
        if role in sees:
            assert record.pk in visible
        elif role in {"rep", "manager", "other_rep", "other_manager"}:
            assert record.pk not in visible
        if record.pk in visible:
            assert record.pk in seen and detail.status_code == 200 and detail.json()["id"] == record.pk
        else:
            # Out of scope answers exactly as missing does.
            assert record.pk not in seen and detail.status_code == 404
    assert client.get(reverse(f"api:{kind}-detail", args=[999999])).status_code == 404


def test_a_customer_comes_with_its_contacts_and_a_deal_with_its_terms_and_moves(cast, world):
    from pipeline import services

    client = api_as(cast.rep)
    customer = client.get(reverse("api:customer-detail", args=[world["customer_a"].pk])).json()
    assert [contact["name"] for contact in customer["contacts"]] == ["Wang Lei"]
    deal = world["deal_a"]
    services.deal_move(deal=deal, to_stage="development", by=cast.rep, expected_version=deal.version,
                       reason="Buyer asked for a new quote")
    row = client.get(reverse("api:deal-detail", args=[deal.pk])).json()
    assert row["quantity_tonnes"] == "55000.00" and row["price_per_tonne"] == "80.00"
    assert row["stage"] == "development"
    assert [(move["from_stage"], move["to_stage"], move["by"]) for move in row["moves"]] == [
        ("negotiation", "development", "rep")]


# --- The pages' filters and counts ----------------------------------------------------------------


@pytest.fixture
def many_deals(cast):
    for owner, count in ((cast.rep, 7), (cast.account_manager, 3), (cast.other_rep, 5)):
        for index in range(count):
            DealFactory(customer__owner=owner, stage="negotiation" if index % 2 else "development")


@pytest.mark.parametrize("role", ["rep", "manager", "director", "other_manager", "account_manager"])
@pytest.mark.parametrize("query", [{}, {"stage": "negotiation"}])
def test_the_api_counts_what_the_deal_list_page_counts(cast, many_deals, client, role, query):
    user = cast.by_role(role)
    client.force_login(user)
    page = client.get(reverse("deals:list"), query)
    assert page.status_code == 200
    expected = page.context["page"].paginator.count
    rows = all_results(api_as(user), reverse("api:deal-list"), **query)
    assert len(rows) == expected and len({row["id"] for row in rows}) == expected
    if query:
        assert {row["stage"] for row in rows} == {"negotiation"}


def test_a_sellers_whole_api_list_is_their_own_and_co_sold_deals_newest_first(cast, many_deals):
    """Unfiltered and unsorted, the API reads a seller's deals by their keys, as the deal list page does
    (deals_visible_to(whole_list=True)): across its cursor pages, their own and co-sold deals, newest first."""
    co_sold = DealFactory(customer__owner=cast.other_rep, co_seller=cast.rep, co_seller_share=30)
    rows = all_results(api_as(cast.rep), reverse("api:deal-list"))
    expected = list(deals_visible_to(cast.rep).order_by("-updated_at", "-pk").values_list("pk", flat=True))
    assert [row["id"] for row in rows] == expected and co_sold.pk in expected and len(expected) == 8


@pytest.mark.parametrize("role", ["rep", "manager", "director"])
def test_the_api_counts_what_the_customer_list_page_counts(cast, many_deals, client, role):
    user = cast.by_role(role)
    client.force_login(user)
    expected = client.get(reverse("customers:list")).context["page"].paginator.count
    assert len(all_results(api_as(user), reverse("api:customer-list"))) == expected


def test_a_bad_filter_value_is_a_400_with_the_field(cast, world):
    response = api_as(cast.rep).get(reverse("api:deal-list"), {"stage": "nonsense"})
    assert response.status_code == 400 and "stage" in response.json()


def test_ordering_by_amount(cast):
    for price in (Decimal("90"), Decimal("70"), Decimal("80")):
        DealFactory(customer__owner=cast.rep, price_per_tonne=price)
    rows = all_results(api_as(cast.rep), reverse("api:deal-list"), ordering="-amount_base")
    assert [row["price_per_tonne"] for row in rows] == ["90.00", "80.00", "70.00"]
    # The deal list page's own sort value says the same.
    rows = all_results(api_as(cast.rep), reverse("api:deal-list"), sort="-amount")
    assert [row["price_per_tonne"] for row in rows] == ["90.00", "80.00", "70.00"]


def test_a_searched_list_by_amount_sorts_what_the_search_finds_across_pages(cast):
    """Searched and sorted by amount, as the deal list page (pipeline.filters.sort_value_searched): the matches
    sorted, not found by walking the amount index (a search often names a commodity, whose amounts sit together),
    on PostgreSQL; page after page, biggest first, every match once, on every database."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for price in (Decimal("90"), Decimal("70"), Decimal("80")):
        DealFactory(customer__owner=cast.rep, price_per_tonne=price, grade="NAR 5500")
    DealFactory(customer__owner=cast.rep, price_per_tonne=Decimal("120"), grade="Fe 62%")
    with CaptureQueriesContext(connection) as ran:
        rows = all_results(api_as(cast.director), reverse("api:deal-list"), q="NAR", sort="-amount")
    assert [row["price_per_tonne"] for row in rows] == ["90.00", "80.00", "70.00"]
    pages = [query["sql"] for query in ran if 'FROM "pipeline_deal"' in query["sql"] and "ORDER BY" in query["sql"]]
    assert pages and all("COALESCE" in sql.split("ORDER BY")[-1].split(",")[0] for sql in pages)


@pytest.mark.parametrize("kind", ["customer", "deal"])
def test_a_page_costs_the_same_queries_whatever_its_size(cast, many_deals, kind, django_assert_max_num_queries):
    for deal in cast.rep.deals.all():
        ContactFactory(customer=deal.customer)
    client = api_as(cast.director)
    with django_assert_max_num_queries(8):
        response = client.get(reverse(f"api:{kind}-list"), {"page_size": 2})
        assert len(response.json()["results"]) == 2
    with django_assert_max_num_queries(8):
        response = client.get(reverse(f"api:{kind}-list"), {"page_size": 15})
        assert len(response.json()["results"]) == 15


# --- Throttling, language, schema and docs --------------------------------------------------------


def test_too_many_requests_get_429_in_json(cast, world, settings):
    from django.core.cache import cache
    from rest_framework.throttling import UserRateThrottle

    cache.clear()
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] | {"user": "3/min"}
    monkey = pytest.MonkeyPatch()
    monkey.setattr(UserRateThrottle, "THROTTLE_RATES", rates)
    try:
        client = api_as(cast.rep)
        statuses = [client.get(reverse("api:customer-list")).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        assert "detail" in client.get(reverse("api:customer-list")).json()
    finally:
        monkey.undo()
        cache.clear()


def test_errors_speak_the_users_language(cast, world):
    cast.rep.language = "zh-hans"
    cast.rep.save()
    response = api_as(cast.rep).get(reverse("api:customer-detail", args=[999999]))
    assert response.status_code == 404
    assert re.search(r"[\u4e00-\u9fff]", response.json()["detail"]), response.json()


def test_the_schema_validates(cast):
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert "/api/v1/deals/" in out.getvalue()


def test_the_docs_load_from_the_app_with_no_cdn(cast, client):
    client.force_login(cast.rep)
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("vendor/swagger-ui/swagger-ui-bundle.js" in asset for asset in assets)
    assert all(asset.startswith("/") for asset in assets), assets
    assert "cdn" not in html.lower()
    assert client.get(reverse("api:schema")).status_code == 200


# --- The profile page's "API tokens" section ------------------------------------------------------


def test_the_profile_page_creates_shows_once_lists_and_revokes_tokens(cast, world, client,
                                                                     django_assert_max_num_queries):
    client.force_login(cast.rep)
    page = client.get(reverse("accounts:profile"))
    assert "API tokens" in page.content.decode()

    created = client.post(reverse("api:token_create"), {"name": "Power BI"})
    assert created.status_code == 200 and created["Cache-Control"] == "no-store"
    key = re.search(r'<code id="api-token">([^<]+)</code>', created.content.decode()).group(1)
    token = ApiToken.objects.get(user=cast.rep)
    assert token.key_hash == tokens.hash_key(key)

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get(reverse("api:customer-list")).status_code == 200

    with django_assert_max_num_queries(12):
        listed = client.get(reverse("accounts:profile")).content.decode()
    assert "Power BI" in listed and token.prefix in listed and key not in listed

    response = client.post(reverse("api:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    assert api.get(reverse("api:customer-list")).status_code == 401
    assert "<td>Power BI</td>" not in client.get(reverse("accounts:profile")).content.decode()


def test_a_token_needs_a_name_and_nobody_revokes_anothers_token_from_the_page(cast, client):
    client.force_login(cast.rep)
    response = client.post(reverse("api:token_create"), {"name": "  "}, follow=True)
    assert "Give the token a name." in response.content.decode()
    assert not ApiToken.objects.exists()
    theirs, _key = tokens.token_create(user=cast.other_rep, name="Excel")
    assert client.post(reverse("api:token_revoke", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


# --- Writes through the pages' services ------------------------------------------------------------


def test_a_deal_moves_and_signs_through_the_same_rules_as_the_page(cast, world):
    deal = world["deal_a"]
    client = api_as(cast.rep)
    move = reverse("api:deal-move", args=[deal.pk])

    response = client.post(move, {"to_stage": "development", "version": deal.version}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "Say why the deal moves back."}

    response = client.post(move, {"to_stage": "development", "version": deal.version, "reason": "New quote"},
                           format="json")
    assert response.status_code == 200 and response.json()["stage"] == "development"
    # The version read before the move is stale now: optimistic locking refuses it, as a conflict with the
    # deal as it is now, with the message the deal page shows.
    stale = client.post(move, {"to_stage": "negotiation", "version": deal.version}, format="json")
    assert stale.status_code == 409
    assert stale.json()["detail"].startswith("Someone else changed this deal while you were editing it.")
    version = response.json()["version"]
    response = client.post(move, {"to_stage": "negotiation", "version": version}, format="json")
    assert response.status_code == 200

    sign = reverse("api:deal-sign", args=[deal.pk])
    response = client.post(sign, {"version": response.json()["version"]}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"contract_number"}
    deal.refresh_from_db()
    signing = {"contract_number": "RZ-2026-001", "signed_on": str(timezone.localdate())}
    # The version is what says which terms the script read: it is never taken as read.
    response = client.post(sign, signing, format="json")
    assert response.status_code == 400 and response.json() == {"version": ["This field is required."]}
    response = client.post(sign, signing | {"version": deal.version - 1}, format="json")
    assert response.status_code == 409 and response.json()["detail"].startswith("Someone else changed this deal")
    response = client.post(sign, {"version": deal.version, "contract_number": "RZ-2026-001",
                                  "signed_on": str(timezone.localdate())}, format="json")
    assert response.status_code == 200, response.json()
    row = response.json()
    assert (row["stage"], row["outcome"], row["contract_number"]) == ("follow_up", "won", "RZ-2026-001")
    assert [move["to_stage"] for move in row["moves"]][-1] == "follow_up"


def test_writes_refuse_outside_scope_and_speak_the_users_language(cast, world):
    deal_b = world["deal_b"]
    client = api_as(cast.rep)
    response = client.post(reverse("api:deal-move", args=[deal_b.pk]),
                           {"to_stage": "development", "version": deal_b.version, "reason": "x"}, format="json")
    assert response.status_code == 404
    deal_b.refresh_from_db()
    assert deal_b.stage == "negotiation"

    cast.rep.language = "zh-hans"
    cast.rep.save()
    deal = world["deal_a"]
    response = api_as(cast.rep).post(reverse("api:deal-move", args=[deal.pk]),
                                     {"to_stage": "development", "version": deal.version}, format="json")
    assert response.status_code == 400
    assert re.search(r"[\u4e00-\u9fff]", response.json()["detail"]), response.json()
    response = api_as(cast.rep).post(reverse("api:deal-move", args=[deal.pk]),
                                     {"to_stage": "development", "version": deal.version + 1, "reason": "x"},
                                     format="json")
    assert response.status_code == 409 and response.json()["detail"].startswith("您编辑期间其他人已修改了该交易")


def test_a_session_write_needs_the_csrf_token(cast, world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(cast.rep)
    deal = world["deal_a"]
    response = client.post(reverse("api:deal-move", args=[deal.pk]),
                           {"to_stage": "development", "version": deal.version, "reason": "x"}, format="json")
    assert response.status_code == 403


def test_activities_are_read_in_scope_and_logged_through_the_page_form(cast, world):
    from pipeline.models import Activity

    from .factories import ActivityFactory

    mine = ActivityFactory(customer=world["customer_a"], owner=cast.rep)
    theirs = ActivityFactory(customer=world["customer_b"], owner=cast.other_rep)
    client = api_as(cast.rep)
    assert {row["id"] for row in all_results(client, reverse("api:activity-list"))} == {mine.pk}
    assert client.get(reverse("api:activity-detail", args=[theirs.pk])).status_code == 404
    assert api_as(cast.service).get(reverse("api:activity-list")).status_code == 403

    contact = world["customer_a"].contacts.get()
    response = client.post(reverse("api:activity-list"), {
        "kind": Activity.Kind.VISIT, "customer": world["customer_a"].pk, "contacts": [contact.pk],
        "summary": "Discussed Q3 coal volumes", "next_step": "Send a quote", "next_step_due": str(timezone.localdate()),
    }, format="json")
    assert response.status_code == 201, response.json()
    logged = Activity.objects.get(pk=response.json()["id"])
    assert logged.owner == cast.rep and list(logged.contacts.all()) == [contact]

    # Another team's customer is not one the form offers.
    response = client.post(reverse("api:activity-list"), {
        "kind": Activity.Kind.VISIT, "customer": world["customer_b"].pk, "summary": "x"}, format="json")
    assert response.status_code == 400 and "customer" in response.json()
    assert not Activity.objects.filter(customer=world["customer_b"], summary="x").exists()


@pytest.mark.parametrize("role", ROLES[1:])
def test_complaints_and_research_answer_as_their_list_pages(cast, world, client, role):
    from .factories import ComplaintFactory, MarketResearchFactory

    ComplaintFactory(customer=world["customer_a"])
    ComplaintFactory(customer=world["customer_b"])
    MarketResearchFactory(author=cast.marketing)
    user = cast.by_role(role)
    client.force_login(user)
    api = api_as(user)
    for page_name, endpoint in (("complaints:list", "api:complaint-list"), ("research:list", "api:research-list")):
        page = client.get(reverse(page_name))
        response = api.get(reverse(endpoint))
        if page.status_code == 403:
            assert response.status_code == 403, (endpoint, role)
            continue
        assert len(all_results(api, reverse(endpoint))) == page.context["page"].paginator.count, (endpoint, role)


@pytest.mark.parametrize("kind", ["activity", "complaint", "research"])
def test_other_lists_cost_the_same_queries_whatever_their_size(cast, kind, django_assert_max_num_queries):
    from .factories import ActivityFactory, ComplaintFactory, MarketResearchFactory

    for index in range(16):
        customer = CustomerFactory(owner=cast.rep if index % 2 else cast.other_rep)
        if kind == "activity":
            ActivityFactory(customer=customer, owner=customer.owner)
        elif kind == "complaint":
            ComplaintFactory(customer=customer)
        else:
            MarketResearchFactory(author=cast.marketing)
    client = api_as(cast.director)
    for size in (2, 15):
        with django_assert_max_num_queries(8):
            response = client.get(reverse(f"api:{kind}-list"), {"page_size": size})
            assert response.status_code == 200 and len(response.json()["results"]) == size


# --- Creating customers and contacts through the pages' forms ---------------------------------------


def new_customer(**overrides) -> dict:
    """What a script sends for a new customer: the page's fields, as JSON."""
    body = "91370200MA3C12345"
    return {"name": "Tangshan Xingye Steel Co., Ltd.", "short_name": "Xingye", "kind": "steel_mill",
            "registration_number": body + uscc_check_character(body), "province": "Hebei", "city": "Tangshan",
            "lead_source": "trade_show", "payment_terms": "lc_sight"} | overrides


# Who may open "New customer" (the sellers), and who may add a contact to team A's rep's customer: those who
# may change it (its owner, their manager, the director); the customer service desk reads every customer and
# changes none; the others do not find it.
CREATES_CUSTOMERS = {"director": 201, "manager": 201, "rep": 201, "account_manager": 201, "other_manager": 201,
                     "other_rep": 201, "service": 403, "marketing": 403, "anonymous": 401}
ADDS_CONTACTS_TO_A = {"director": 201, "manager": 201, "rep": 201, "account_manager": 404, "other_manager": 404,
                      "other_rep": 404, "service": 403, "marketing": 404, "anonymous": 401}


@pytest.mark.parametrize("role", ROLES)
def test_a_customer_is_created_by_the_positions_that_open_new_customer(cast, role):
    user = cast.by_role(role)
    response = api_as(user).post(reverse("api:customer-list"), new_customer(), format="json")
    assert response.status_code == CREATES_CUSTOMERS[role], response.content
    if response.status_code != 201:
        assert not Customer.objects.exists()
        return
    customer = Customer.objects.get()
    # Theirs, a prospect in China unless sent otherwise, as the page's form starts; answered as the
    # customer endpoint shows it.
    assert (customer.owner, customer.status, str(customer.country)) == (user, "prospect", "CN")
    assert response.json() == api_as(user).get(reverse("api:customer-detail", args=[customer.pk])).json()
    assert response.json()["owner"] == user.username and response.json()["registration_number"].startswith("9137")


def test_a_new_customer_comes_with_its_commodities_and_primary_contact(cast):
    coal = CommodityFactory()
    response = api_as(cast.rep).post(reverse("api:customer-list"), new_customer(
        volumes=[{"commodity": coal.pk, "estimated_annual_tonnes": 600000}],
        contact={"name": "Li Wei", "title": "Purchasing manager", "mobile": "13800138000"}), format="json")
    assert response.status_code == 201, response.json()
    customer = Customer.objects.get()
    assert [(volume.commodity, volume.estimated_annual_tonnes) for volume in customer.commodity_volumes.all()] == [
        (coal, 600000)]
    assert [(contact["name"], contact["is_primary"]) for contact in response.json()["contacts"]] == [("Li Wei", True)]
    # The page's phone rule wrote it in the international form.
    assert customer.contacts.get().mobile != "13800138000"


def test_a_manager_gives_a_new_customer_to_their_rep_but_a_rep_not_to_another_teams(cast):
    response = api_as(cast.manager).post(reverse("api:customer-list"), new_customer(owner=cast.rep.pk), format="json")
    assert response.status_code == 201 and response.json()["owner"] == "rep"
    response = api_as(cast.rep).post(reverse("api:customer-list"),
                                     new_customer(name="Handan Iron", registration_number="", owner=cast.other_rep.pk),
                                     format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["owner"] and "Select a valid choice" in response.json()["owner"][0]
    assert Customer.objects.count() == 1


def test_a_new_customer_is_refused_with_the_pages_messages_per_field(cast):
    CustomerFactory(owner=cast.other_rep, name="Rizhao Steel",
                    registration_number=new_customer()["registration_number"])
    client = api_as(cast.rep)
    response = client.post(reverse("api:customer-list"), {"name": "", "country": "CN"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"name": ["This field is required."], "kind": ["This field is required."]}

    # Across the whole company: the owner is named, so the two people can talk.
    response = client.post(reverse("api:customer-list"), new_customer(), format="json")
    assert response.status_code == 400 and list(response.json()) == ["registration_number"]
    assert response.json()["registration_number"] == [
        "A customer with this registration number already exists: Rizhao Steel, owned by Rep B."]

    coal = CommodityFactory()
    response = client.post(reverse("api:customer-list"), new_customer(
        registration_number="", contact={"title": "Buyer"},
        volumes=[{"commodity": coal.pk, "estimated_annual_tonnes": 1}, {"commodity": coal.pk,
                                                                           "estimated_annual_tonnes": 2}]),
        format="json")
    assert response.status_code == 400
    assert response.json() == {"volumes": ["Each commodity once, please: Thermal coal is listed twice."],
                                "contact": {"name": ["Give the contact's name."]}}

    response = client.post(reverse("api:customer-list"), new_customer(
        registration_number="", volumes=[{"commodity": coal.pk}], contact="Li Wei"), format="json")
    assert response.status_code == 400 and set(response.json()) == {"contact"}
    response = client.post(reverse("api:customer-list"), new_customer(
        registration_number="", volumes=[{"commodity": coal.pk}]), format="json")
    assert response.json() == {"volumes": [{"estimated_annual_tonnes": ["This field is required."]}]}
    assert Customer.objects.count() == 1


def test_a_near_duplicate_name_is_a_conflict_until_confirmed(cast, world):
    CustomerFactory(owner=cast.rep, name="Tangshan Xingye Steel Co., Ltd.",
                    name_key=name_key("Tangshan Xingye Steel Co., Ltd."))
    CustomerFactory(owner=cast.other_rep, name="Tangshan Xingye Steel Group",
                    name_key=name_key("Tangshan Xingye Steel Group"))
    client = api_as(cast.rep)
    body = new_customer(name="Tangshan Xingye Steel Ltd", registration_number="")
    response = client.post(reverse("api:customer-list"), body, format="json")
    assert response.status_code == 409
    assert response.json()["detail"].startswith("A customer with a very similar name already exists.")
    mine = Customer.objects.get(name="Tangshan Xingye Steel Co., Ltd.")
    # As on the page: every similar customer's name and owner, a way to open it only for one's own scope.
    assert sorted(response.json()["similar"], key=lambda other: other["name"]) == [
        {"id": mine.pk, "name": "Tangshan Xingye Steel Co., Ltd.", "owner": "rep"},
        {"id": None, "name": "Tangshan Xingye Steel Group", "owner": "rep_b"}]
    assert Customer.objects.count() == 4

    response = client.post(reverse("api:customer-list"), body | {"confirm_not_duplicate": True}, format="json")
    assert response.status_code == 201 and Customer.objects.count() == 5


def test_a_new_customers_refusals_speak_the_users_language(cast):
    cast.rep.language = "zh-hans"
    cast.rep.save()
    client = api_as(cast.rep)
    response = client.post(reverse("api:customer-list"), new_customer(name=""), format="json")
    assert response.status_code == 400 and re.search(r"[\u4e00-\u9fff]", response.json()["name"][0])
    CustomerFactory(owner=cast.rep, name="Tangshan Xingye Steel Co., Ltd.",
                    name_key=name_key("Tangshan Xingye Steel Co., Ltd."))
    response = client.post(reverse("api:customer-list"), new_customer(name="Tangshan Xingye Steel Ltd",
                                                                       registration_number=""), format="json")
    assert response.status_code == 409
    assert "confirm_not_duplicate" in response.json()["detail"]
    assert re.search(r"[\u4e00-\u9fff]", response.json()["detail"]), response.json()


def test_a_deals_amount_is_a_decimal_string_to_the_cent_fraction_as_the_schema_says(cast, world):
    """Quantity × price, exactly, as the other sums of money are written (it went out as a JSON float)."""
    deal = world["deal_a"]
    Deal.objects.filter(pk=deal.pk).update(quantity_tonnes=Decimal("55000.25"), price_per_tonne=Decimal("123.45"))
    client = api_as(cast.rep)
    written = client.get(reverse("api:deal-detail", args=[deal.pk])).json()
    assert written["amount"] == "6789780.8625"
    listed = {row["id"]: row for row in all_results(client, reverse("api:deal-list"))}
    assert listed[deal.pk]["amount"] == "6789780.8625"
    properties = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json").json()[
        "components"]["schemas"]["Deal"]["properties"]
    assert properties["amount"]["type"] == "string" and properties["amount"]["format"] == "decimal"


@pytest.mark.parametrize("schema_name, field", [("Reminder", "customer_name"), ("Reminder", "contract_number"),
                                                ("Reminder", "by"), ("CargoClaim", "parameter"),
                                                ("Activity", "next_step_owner"), ("Complaint", "assignee")])
def test_the_schema_says_which_fields_may_be_null(cast, schema_name, field):
    """A typed client built from the schema reads null where it may come (schemathesis's response check found
    a reminder's `by` and an activity's `next_step_owner` null, the schema calling them strings)."""
    schema = api_as(cast.rep).get(reverse("api:schema"), HTTP_ACCEPT="application/json").json()
    assert schema["components"]["schemas"][schema_name]["properties"][field].get("nullable") is True


def test_an_activity_without_a_next_step_owner_writes_null_as_the_schema_allows(cast, world):
    activity = ActivityFactory(customer=world["customer_a"], owner=cast.rep, next_step="", next_step_owner=None)
    written = api_as(cast.rep).get(reverse("api:activity-detail", args=[activity.pk])).json()
    assert written["next_step_owner"] is None


WRITES = {  # each write of the API, and what it would change
    "customer-list": lambda world: ([], lambda: Customer.objects.count()),
    "customer-contacts": lambda world: ([world["customer_a"].pk], lambda: Contact.objects.count()),
    "deal-move": lambda world: ([world["deal_a"].pk], lambda: Deal.objects.get(pk=world["deal_a"].pk).version),
    "deal-sign": lambda world: ([world["deal_a"].pk], lambda: Deal.objects.get(pk=world["deal_a"].pk).version),
    "activity-list": lambda world: ([], lambda: Activity.objects.count()),
}


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("body", ['[null, null]', '["name", "Zhao Min"]', '"Zhao Min"', "42", "null", "true"])
def test_a_body_that_is_not_an_object_of_fields_is_refused_and_changes_nothing(cast, world, write, body):
    """A script's JSON body that is not one object (fuzzed by schemathesis: a list was a server error)."""
    args, state = WRITES[write](world)
    before = state()
    response = api_as(cast.rep).post(reverse(f"api:{write}", args=args), body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json() == {"detail": 'Send the fields as one JSON object, e.g. {"name": "…"}.'}
    assert state() == before


@pytest.mark.parametrize("write, body, field", [
    ("deal-sign", {"contract_number": "RZ-2026-009", "signed_on": [None, None]}, "signed_on"),
    ("deal-sign", {"contract_number": {"number": "RZ-2026-009"}, "signed_on": "2026-01-05"}, "contract_number"),
    ("deal-move", {"to_stage": ["development", "negotiation"], "reason": "x"}, "to_stage"),
    ("deal-move", {"to_stage": "development", "reason": {"why": "x"}}, "reason"),
    ("customer-list", {"name": ["Rizhao Steel", {"x": 1}]}, "name"),
    ("activity-list", {"kind": "visit", "customer": {"id": 1}, "summary": "x"}, "customer"),
])
def test_a_field_sent_as_structure_is_refused_by_name_and_changes_nothing(cast, world, write, body, field):
    """A field's value is text or a list of values (fuzzed by schemathesis: a list for the signing date was a
    server error). A list where one value is taken and none is left is the field's own refusal."""
    args, state = WRITES[write](world)
    before = state()
    version = {"version": world["deal_a"].version} if write.startswith("deal-") else {}
    response = api_as(cast.rep).post(reverse(f"api:{write}", args=args), body | version, format="json")
    assert response.status_code == 400 and field in response.json(), response.content
    assert state() == before


@pytest.mark.parametrize("url, field", [("api:target-list", "team"), ("api:target-list", "year"),
                                        ("api:target-list", "quarter"), ("api:shipment-list", "deal"),
                                        ("api:shipment-list", "customer"), ("api:payment-list", "customer")])
@pytest.mark.parametrize("value", ["-1.1643244054058644e+185", "99999999999999999999", "1.5", "0", "x"])
def test_a_number_filter_takes_a_whole_number_in_range_or_says_which_filter_is_wrong(cast, world, url, field,
                                                                                     value):
    """Fuzzed by schemathesis: `?team=-1.16e185` failed the query on SQLite (a server error)."""
    client = api_as(cast.director)
    response = client.get(reverse(url), {field: value})
    assert response.status_code == 400 and list(response.json()) == [field], response.content
    assert client.get(reverse(url), {field: 1 if field != "year" else 2026}).status_code == 200


def test_a_body_that_is_not_an_object_is_refused_in_the_users_language(cast, world):
    cast.rep.language = "zh-hans"
    cast.rep.save()
    response = api_as(cast.rep).post(reverse("api:customer-list"), "[null, null]", content_type="application/json")
    assert response.status_code == 400 and re.search(r"[\u4e00-\u9fff]", response.json()["detail"])


@pytest.mark.parametrize("role", ROLES)
def test_a_contact_is_added_by_those_who_may_change_the_customer(cast, world, role):
    customer = world["customer_a"]
    customer.contacts.update(is_primary=True)
    response = api_as(cast.by_role(role)).post(
        reverse("api:customer-contacts", args=[customer.pk]),
        {"name": "Zhao Min", "title": "Logistics", "email": "zhao.min@rizhao-steel.example"}, format="json")
    assert response.status_code == ADDS_CONTACTS_TO_A[role], response.content
    if response.status_code == 201:
        added = customer.contacts.get(name="Zhao Min")
        assert response.json() == {"id": added.pk, "name": "Zhao Min", "title": "Logistics", "mobile": "",
                                   "email": "zhao.min@rizhao-steel.example", "wechat_id": "", "is_primary": False}
    else:
        assert not Contact.objects.filter(name="Zhao Min").exists()


def test_a_contact_needs_a_way_to_reach_them_and_a_new_primary_demotes_the_old(cast, world):
    customer = world["customer_a"]
    url = reverse("api:customer-contacts", args=[customer.pk])
    client = api_as(cast.rep)
    response = client.post(url, {"name": "Zhao Min"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "Give at least one way to reach this contact: mobile, email or WeChat."}
    assert client.post(reverse("api:customer-contacts", args=[999999]), {"name": "x"}, format="json").status_code == 404

    response = client.post(url, {"name": "Zhao Min", "wechat_id": "zhaomin", "is_primary": True}, format="json")
    assert response.status_code == 201 and response.json()["is_primary"]
    assert list(customer.contacts.filter(is_primary=True).values_list("name", flat=True)) == ["Zhao Min"]

    cast.rep.language = "zh-hans"
    cast.rep.save()
    response = api_as(cast.rep).post(url, {"name": "Sun Li"}, format="json")
    assert response.status_code == 400 and re.search(r"[\u4e00-\u9fff]", response.json()["detail"])


# --- Sorting as the list pages sort, over cursor pages ---------------------------------------------


def _assert_sorted(values: list, descending: bool) -> None:
    """In order, empty values last, going up or down (as the list pages)."""
    empty = [value is None for value in values]
    assert empty == sorted(empty), values
    present = [value for value in values if value is not None]
    assert present == sorted(present, reverse=descending), values


@pytest.fixture
def tied_customers(cast):
    """Customers that tie on tier, status and owner, some never contacted: sorts with many ties and gaps."""
    now = timezone.now()
    for index in range(9):
        CustomerFactory(owner=(cast.rep, cast.account_manager)[index % 2], name=f"Buyer {index % 3}",
                        tier="ABC"[index % 3], status=("active", "prospect")[index % 2],
                        last_contacted_at=now - timezone.timedelta(days=index) if index % 3 else None)


@pytest.mark.parametrize("sort", [param for _field, param in CUSTOMER_SORTS])
@pytest.mark.parametrize("direction", ["", "-"])
def test_every_customer_sort_of_the_page_pages_through_every_row_once(cast, tied_customers, sort, direction):
    client = api_as(cast.manager)
    rows = all_results(client, reverse("api:customer-list"), sort=direction + sort)
    assert sorted(row["id"] for row in rows) == sorted(customers_visible_to(cast.manager).values_list("pk", flat=True))
    key = {"owner": "owner", "last_contacted": "last_contacted_at", "next_follow_up": "next_follow_up_on",
           "created": "created_at"}.get(sort, sort)
    if sort == "owner":  # sorted by the owner's name, shown by username
        names = {"rep": "Rep A", "am": "AM A"}
        rows = [row | {"owner": names[row["owner"]]} for row in rows]
    _assert_sorted([row[key] for row in rows], descending=bool(direction))


@pytest.mark.parametrize("sort", list(DealFilter.base_filters["sort"].param_map))
def test_every_deal_sort_of_the_page_pages_through_every_row_once(cast, sort):
    for index in range(7):
        DealFactory(customer__owner=cast.rep, price_per_tonne=Decimal(70 + index % 3),
                    laycan_start=None if index % 3 == 0 else timezone.localdate() + timezone.timedelta(days=index % 2),
                    laycan_end=None if index % 3 == 0 else timezone.localdate() + timezone.timedelta(days=9))
    for direction in ("", "-"):
        rows = all_results(api_as(cast.rep), reverse("api:deal-list"), sort=direction + sort)
        assert len({row["id"] for row in rows}) == len(rows) == 7


def test_a_cursor_goes_back_to_the_same_page_and_a_made_up_one_is_not_found(cast, tied_customers):
    client = api_as(cast.manager)
    first = client.get(reverse("api:customer-list"), {"sort": "-tier", "page_size": 3}).json()
    second = client.get(first["next"]).json()
    assert second["previous"] and client.get(second["previous"]).json()["results"] == first["results"]
    third = client.get(second["next"]).json()
    assert client.get(third["previous"]).json()["results"] == second["results"]
    assert client.get(reverse("api:customer-list"), {"sort": "-tier", "cursor": "bm90LWEtY3Vyc29y"}).status_code == 404
    # A cursor of one sort does not page another.
    assert client.get(first["next"].replace("sort=-tier", "sort=name")).status_code == 404


@pytest.mark.parametrize("sort", ["last_contacted", "-last_contacted"])
def test_paging_back_across_the_empty_values_shows_the_same_pages(cast, tied_customers, sort):
    """Sorted by a date some customers lack, empty last either way (as the page): the pages read going back from
    the last are the pages read going forward, the never-contacted ones included once."""
    client = api_as(cast.manager)
    pages = [client.get(reverse("api:customer-list"), {"sort": sort, "page_size": 2}).json()]
    while pages[-1]["next"]:
        pages.append(client.get(pages[-1]["next"]).json())
    contacted = [row["last_contacted_at"] for page in pages for row in page["results"]]
    assert contacted.index(None) == len([value for value in contacted if value is not None])  # empty last
    back = [pages[-1]]
    while back[-1]["previous"]:
        back.append(client.get(back[-1]["previous"]).json())
    assert [page["results"] for page in reversed(back)] == [page["results"] for page in pages]


def test_the_deal_list_pages_by_keys_first_forward_and_back_newest_first(cast):
    """The deal list reads a page's keys and then those deals (`keys_first`): its pages, forward and back,
    are the rep's deals newest first, each once, deals updated at the same moment by key."""
    moment = timezone.now()
    deals = [DealFactory(customer__owner=cast.rep) for _index in range(7)]
    Deal.objects.filter(pk__in=[deal.pk for deal in deals[:4]]).update(updated_at=moment)  # ties
    expected = list(deals_visible_to(cast.rep).order_by("-updated_at", "-pk").values_list("pk", flat=True))
    client = api_as(cast.rep)
    pages = [client.get(reverse("api:deal-list"), {"page_size": 2}).json()]
    while pages[-1]["next"]:
        pages.append(client.get(pages[-1]["next"]).json())
    assert [row["id"] for page in pages for row in page["results"]] == expected
    back = [pages[-1]]
    while back[-1]["previous"]:
        back.append(client.get(back[-1]["previous"]).json())
    assert [page["results"] for page in reversed(back)] == [page["results"] for page in pages]


def test_a_deal_gone_between_the_keys_and_the_rows_is_left_out_of_its_page(cast, monkeypatch):
    from django.db.models import QuerySet

    deals = [DealFactory(customer__owner=cast.rep) for _index in range(3)]
    gone = deals[1]
    values_list = QuerySet.values_list

    def keys_then_delete(self, *fields, **kwargs):  # the deal is deleted once its key has been read
        keys = values_list(self, *fields, **kwargs)
        if self.model is Deal and fields == ("pk",):
            keys = list(keys)
            Deal.objects.filter(pk=gone.pk).delete()
        return keys

    monkeypatch.setattr(QuerySet, "values_list", keys_then_delete)
    response = api_as(cast.rep).get(reverse("api:deal-list"))
    assert response.status_code == 200
    assert sorted(row["id"] for row in response.json()["results"]) == sorted([deals[0].pk, deals[2].pk])


def test_a_sort_the_page_does_not_offer_is_a_400(cast, world):
    response = api_as(cast.rep).get(reverse("api:deal-list"), {"sort": "amount_base"})
    assert response.status_code == 400 and "sort" in response.json()
    # A list whose page has no sort takes its fields by name, and refuses others alike.
    response = api_as(cast.rep).get(reverse("api:activity-list"), {"sort": "summary"})
    assert response.status_code == 400
    assert response.json() == {"sort": ["Select a valid choice. summary is not one of the available choices."]}


def test_a_list_without_a_page_sort_sorts_by_its_fields(cast, world):
    from .factories import ActivityFactory

    now = timezone.now()
    for days in (3, 1, 2):
        ActivityFactory(customer=world["customer_a"], owner=cast.rep, happened_at=now - timezone.timedelta(days=days))
    client = api_as(cast.rep)
    newest_first = [row["id"] for row in all_results(client, reverse("api:activity-list"))]
    assert [row["id"] for row in all_results(client, reverse("api:activity-list"), sort="happened_at")] == list(
        reversed(newest_first))
    assert [row["id"] for row in all_results(client, reverse("api:activity-list"), ordering="happened_at")] == list(
        reversed(newest_first))


def test_a_sorted_page_costs_the_same_queries_whatever_the_rows(cast, tied_customers):
    client = api_as(cast.director)
    client.get(reverse("api:customer-list"))  # stamps the token's last use, which is not done on every request

    def second_page():
        first = client.get(reverse("api:customer-list"), {"sort": "-owner", "page_size": 4}).json()
        return client.get(first["next"])

    # Each page: the token and its user, the customers, their contacts.
    first, second = assert_queries_pinned(6, second_page, lambda: [CustomerFactory(owner=cast.rep) for _ in range(8)])
    assert len(first.json()["results"]) == len(second.json()["results"]) == 4


def test_the_schema_documents_the_writes_and_the_sorts(cast):
    import json

    out = StringIO()
    call_command("spectacular", "--format", "openapi-json", stdout=out)
    paths = json.loads(out.getvalue())["paths"]
    assert {"post"} <= set(paths["/api/v1/customers/"]) and set(paths["/api/v1/customers/{id}/contacts/"]) == {"post"}
    assert "409" in paths["/api/v1/deals/{id}/move/"]["post"]["responses"]
    for path in ("/api/v1/customers/", "/api/v1/deals/", "/api/v1/activities/"):
        sort = [param for param in paths[path]["get"]["parameters"] if param["name"] == "sort"]
        assert len(sort) == 1 and sort[0]["schema"]["items"]["enum"], path
