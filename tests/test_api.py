"""The REST API: personal tokens, scope (a token sees exactly what its user sees in the pages), the list
pages' filters, cursor pagination, throttling, the schema and its docs."""

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
from customers.selectors import customers_visible_to
from pipeline.selectors import deals_visible_to

from .conftest import ROLES
from .factories import ContactFactory, CustomerFactory, DealFactory

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
    # The version read before the move is stale now: optimistic locking refuses it.
    stale = client.post(move, {"to_stage": "negotiation", "version": deal.version}, format="json")
    assert stale.status_code == 400 and "detail" in stale.json()
    version = response.json()["version"]
    response = client.post(move, {"to_stage": "negotiation", "version": version}, format="json")
    assert response.status_code == 200

    sign = reverse("api:deal-sign", args=[deal.pk])
    response = client.post(sign, {"version": response.json()["version"]}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"contract_number"}
    deal.refresh_from_db()
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
