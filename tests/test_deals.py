"""Deals: bulk-cargo terms, the four stages with their moves, signing, losing, reopening,
amounts in the base currency, concurrent edits, the board and the list."""

import datetime
import importlib
import re
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import HandOver, Position, User
from accounts.services import RuleError
from customers.models import Customer
from pipeline import selectors, services
from pipeline.models import STAGE_ORDER, STAGE_PROBABILITY, Deal, ExchangeRate, LostReason, Outcome, Stage, StageMove

from .access import assert_answers, each_role_and, expect
from .conftest import ROLES
from .factories import CommodityFactory, CustomerFactory, DealFactory, ExchangeRateFactory, PortFactory, UserFactory
from .queries import assert_queries_pinned, board_card_id_queries, planner_settings

OK, FORBIDDEN, MISSING = 200, 403, 404


@pytest.fixture
def deal(cast):
    """The rep of team A negotiates 55,000 t of thermal coal at 80 USD/t (USD = 7.1 CNY)."""
    return DealFactory(customer=CustomerFactory(owner=cast.rep, name="日照宏达钢铁有限公司"))


def deal_form(deal_or_cast, **overrides):
    customer = deal_or_cast.customer if isinstance(deal_or_cast, Deal) else CustomerFactory(owner=deal_or_cast.rep)
    return {
        "customer": customer.pk, "owner": customer.owner_id, "commodity": CommodityFactory().pk,
        "grade": "NAR 5500", "quantity_tonnes": "55000", "tolerance_percent": "10", "tolerance_option": "molso",
        "price_per_tonne": "80", "currency": "USD", "incoterm": "CFR", "load_port": PortFactory(name="Newcastle").pk,
        "discharge_port": PortFactory().pk, "laycan_start": "2026-12-10", "laycan_end": "2026-12-20",
        "payment_terms": "lc_sight", "demurrage_rate": "18000", "expected_signing_date": "2026-12-01",
        "competitor": "", "notes": "",
        "version": deal_or_cast.version if isinstance(deal_or_cast, Deal) else "",
    } | overrides


# --- Who may open what -----------------------------------------------------------------------

SELLERS_OK = {role: OK for role in ROLES} | {"service": FORBIDDEN, "marketing": FORBIDDEN}
DEAL_SCOPE = {role: MISSING for role in ROLES} | {"director": OK, "manager": OK, "rep": OK, "service": FORBIDDEN,
                                                   "marketing": FORBIDDEN}
PAGES = [
    ("board", lambda d: reverse("deals:board"), SELLERS_OK),
    ("board column", lambda d: reverse("deals:board_column", args=[d.stage]), SELLERS_OK),
    ("board column, unknown stage", lambda d: reverse("deals:board_column", args=["signed"]),
     SELLERS_OK | {role: MISSING for role in ("director", "manager", "rep", "account_manager", "other_manager",
                                              "other_rep")}),
    ("list", lambda d: reverse("deals:list"), SELLERS_OK),
    ("create", lambda d: reverse("deals:create"), SELLERS_OK),
    ("detail", lambda d: reverse("deals:detail", args=[d.pk]), DEAL_SCOPE),
    ("edit", lambda d: reverse("deals:edit", args=[d.pk]), DEAL_SCOPE),
    ("move", lambda d: reverse("deals:move", args=[d.pk]), DEAL_SCOPE),
    ("sign", lambda d: reverse("deals:sign", args=[d.pk]), DEAL_SCOPE),
]


@each_role_and("name,url,expected", PAGES)
def test_deal_pages_answer_each_position_as_the_policy_says(client_as, cast, deal, role, name, url, expected):
    assert_answers(client_as(cast.by_role(role)).get(url(deal)), expect(expected)[role], f"{name} as {role}")


@pytest.mark.parametrize("role", ["other_manager", "other_rep", "account_manager"])
@pytest.mark.parametrize("route", ["deals:move", "deals:lose", "deals:reopen", "deals:edit", "deals:sign"])
def test_posting_to_another_teams_deal_answers_404_and_changes_nothing(client_as, cast, deal, role, route):
    response = client_as(cast.by_role(role)).post(reverse(route, args=[deal.pk]), {
        "to_stage": "development", "version": deal.version, "reason": "x", "lost_reason": "", "note": ""})
    assert response.status_code == MISSING
    deal.refresh_from_db()
    assert (deal.stage, deal.outcome, deal.version) == (Stage.NEGOTIATION, Outcome.OPEN, 1)


def test_customer_service_sees_no_deal_terms_on_the_customer_page(client_as, cast, deal):
    page = client_as(cast.service).get(reverse("customers:detail", args=[deal.customer_id])).content.decode()
    assert "NAR 5500" not in page
    own = client_as(cast.rep).get(reverse("customers:detail", args=[deal.customer_id])).content.decode()
    assert "NAR 5500" in own


# --- Terms and amounts ---------------------------------------------------------------------


def test_a_rep_creates_a_deal_priced_in_the_base_currency_at_the_latest_rate(client_as, cast):
    ExchangeRateFactory(currency="USD", valid_from=datetime.date(2025, 1, 1), rate=Decimal("7.3"))
    ExchangeRateFactory(currency="USD", valid_from=datetime.date(2026, 1, 1), rate=Decimal("7.1"))
    response = client_as(cast.rep).post(reverse("deals:create"), deal_form(cast))
    deal = Deal.objects.get()
    assert response.status_code == 302
    assert (deal.stage, deal.outcome, deal.owner) == (Stage.RESEARCH, Outcome.OPEN, cast.rep)
    assert deal.amount == Decimal("4400000")
    assert deal.amount_base == Decimal("31240000.00")


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"quantity_tonnes": "0"}, "quantity_tonnes", "greater than or equal to 0.01"),
        ({"quantity_tonnes": "-55000"}, "quantity_tonnes", "greater than or equal to 0.01"),
        ({"price_per_tonne": "0"}, "price_per_tonne", "greater than or equal to 0.01"),
        ({"tolerance_percent": "25"}, "tolerance_percent", "less than or equal to 20"),
        ({"laycan_end": "2026-12-01"}, "laycan_end", "cannot end before it starts"),
        ({"currency": "EUR"}, "currency", "Select a valid choice"),
        ({"quantity_tonnes": "abc"}, "quantity_tonnes", "Enter a number."),
    ],
)
def test_bad_terms_are_explained_and_nothing_is_saved(client_as, cast, overrides, field, message):
    ExchangeRateFactory()
    response = client_as(cast.rep).post(reverse("deals:create"), deal_form(cast, **overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Deal.objects.exists()


def test_a_currency_without_a_rate_cannot_be_used(db):
    with pytest.raises(RuleError, match="no exchange rate for EUR"):
        selectors.rate_for("EUR")


def test_a_deals_form_offers_the_latest_research_and_keeps_the_deals_own(client_as, cast, monkeypatch):
    from .factories import MarketResearchFactory

    monkeypatch.setattr(selectors, "LISTED_RESEARCH", 3)
    ExchangeRateFactory()
    research = [MarketResearchFactory(researched_on=datetime.date(2026, 10, day)) for day in range(1, 6)]
    oldest, latest = research[0], research[2:]
    deal = DealFactory(customer=CustomerFactory(owner=cast.rep))
    deal.research.set([oldest])
    client = client_as(cast.rep)

    offered = client.get(reverse("deals:create")).context["form"].fields["research"]
    assert list(offered.queryset) == latest[::-1]
    assert "The latest 3 pieces of market research you see (a deal keeps" in str(offered.help_text)
    response = client.post(reverse("deals:create"), deal_form(cast, research=[oldest.pk]))
    assert "Select a valid choice" in " ".join(response.context["form"].errors["research"])
    assert Deal.objects.count() == 1

    # An edit lists the deal's own, however old, and saving keeps it.
    offered = client.get(reverse("deals:edit", args=[deal.pk])).context["form"].fields["research"]
    assert set(offered.queryset) == {oldest, *latest}
    response = client.post(reverse("deals:edit", args=[deal.pk]),
                           deal_form(deal, research=[oldest.pk, latest[-1].pk]))
    assert response.status_code == 302
    assert set(deal.research.all()) == {oldest, latest[-1]}


def test_a_rep_cannot_sell_to_another_teams_customer(client_as, cast):
    ExchangeRateFactory()
    form = deal_form(cast, customer=CustomerFactory(owner=cast.other_rep).pk)
    response = client_as(cast.rep).post(reverse("deals:create"), form)
    assert "Select a valid choice" in " ".join(response.context["form"].errors["customer"])


def test_the_database_refuses_a_tolerance_over_20_percent(deal):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        Deal.objects.filter(pk=deal.pk).update(tolerance_percent=Decimal(25))


# --- Moves -----------------------------------------------------------------------------------


def move(client, deal, to_stage, reason="", version=None):
    return client.post(reverse("deals:move", args=[deal.pk]),
                       {"to_stage": to_stage, "reason": reason, "version": version or deal.version})


def test_moving_forward_is_recorded_with_who_and_when(client_as, cast):
    deal = DealFactory(customer=CustomerFactory(owner=cast.rep), stage=Stage.RESEARCH)
    response = move(client_as(cast.rep), deal, Stage.DEVELOPMENT)
    assert response.status_code == 302
    recorded = StageMove.objects.get()
    assert (recorded.from_stage, recorded.to_stage, recorded.by) == (Stage.RESEARCH, Stage.DEVELOPMENT, cast.rep)


def test_moving_back_needs_a_reason(client_as, cast, deal):
    client = client_as(cast.rep)
    response = move(client, deal, Stage.DEVELOPMENT)
    assert response.status_code == 200
    assert "Say why the deal moves back" in response.content.decode()
    deal.refresh_from_db()
    assert deal.stage == Stage.NEGOTIATION
    move(client, deal, Stage.DEVELOPMENT, reason="Buyer reopened the tender")
    deal.refresh_from_db()
    assert deal.stage == Stage.DEVELOPMENT
    assert StageMove.objects.get().reason == "Buyer reopened the tender"


def test_a_deal_enters_follow_up_only_by_signing(client_as, cast, deal):
    response = move(client_as(cast.rep), deal, Stage.FOLLOW_UP)
    assert response.status_code == 200
    deal.refresh_from_db()
    assert deal.stage == Stage.NEGOTIATION


def sign(client, deal, **overrides):
    data = {"commodity": deal.commodity_id, "grade": "NAR 5500", "quantity_tonnes": "60000",
            "tolerance_percent": "10", "tolerance_option": "molso", "price_per_tonne": "82", "currency": "USD",
            "incoterm": "CFR", "load_port": "", "discharge_port": deal.discharge_port_id,
            "laycan_start": "2026-12-10", "laycan_end": "2026-12-20", "payment_terms": "lc_sight",
            "demurrage_rate": "18000", "contract_number": "BS-2026-0042", "signed_on": "2026-11-20",
            "version": deal.version} | overrides
    return client.post(reverse("deals:sign", args=[deal.pk]), data)


def test_signing_moves_deal_to_follow_up_with_final_terms_at_the_signing_days_rate(client_as, cast, deal):
    ExchangeRateFactory(currency="USD", valid_from=datetime.date(2026, 11, 25), rate=Decimal("7.3"))
    response = sign(client_as(cast.rep), deal)
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.stage, deal.outcome, deal.contract_number) == (Stage.FOLLOW_UP, Outcome.WON, "BS-2026-0042")
    assert (deal.quantity_tonnes, deal.price_per_tonne, deal.signed_on) == (
        Decimal("60000"), Decimal("82"), datetime.date(2026, 11, 20))
    # Signed on 20 November: the rate in force then (7.1), not the later 7.3.
    assert deal.amount_base == Decimal("34932000.00")
    assert StageMove.objects.get().to_outcome == Outcome.WON


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"contract_number": ""}, "This field is required."),
        ({"signed_on": "2099-01-01"}, "cannot be in the future"),
        ({"quantity_tonnes": "-1"}, "greater than or equal to 0.01"),
    ],
)
def test_signing_refuses_incomplete_or_impossible_terms(client_as, cast, deal, overrides, message):
    response = sign(client_as(cast.rep), deal, **overrides)
    assert response.status_code == 200
    assert message in response.content.decode()
    deal.refresh_from_db()
    assert (deal.stage, deal.outcome) == (Stage.NEGOTIATION, Outcome.OPEN)


def test_a_contract_number_is_used_once(client_as, cast, deal):
    DealFactory(customer=deal.customer, stage=Stage.FOLLOW_UP, outcome=Outcome.WON, contract_number="BS-2026-0042",
                signed_on=datetime.date(2026, 10, 1))
    response = sign(client_as(cast.rep), deal)
    assert "already has this contract number" in response.content.decode()


def test_only_a_deal_in_negotiation_can_be_signed(cast):
    early = DealFactory(customer=CustomerFactory(owner=cast.rep), stage=Stage.DEVELOPMENT)
    with pytest.raises(RuleError, match="Only a deal in negotiation"):
        services.deal_sign(deal=early, terms=Deal.objects.get(pk=early.pk), contract_number="C-1",
                           signed_on=timezone.localdate(), by=cast.rep, expected_version=early.version)


def test_a_signed_deal_moved_back_is_no_longer_won(client_as, cast, deal):
    client = client_as(cast.rep)
    sign(client, deal)
    deal.refresh_from_db()
    move(client, deal, Stage.NEGOTIATION, reason="Buyer's L/C was not opened")
    deal.refresh_from_db()
    assert (deal.stage, deal.outcome, deal.contract_number, deal.signed_on) == (
        Stage.NEGOTIATION, Outcome.OPEN, "", None)


def test_a_deal_keeps_the_furthest_stage_its_moves_took_it_to(client_as, cast):
    """What the team funnel counts: a move back, an edit of the terms, a loss or a reopening leave it where
    it was; a move further or a signing raises it."""
    deal = DealFactory(customer=CustomerFactory(owner=cast.rep), stage=Stage.RESEARCH)
    client = client_as(cast.rep)

    def furthest():
        deal.refresh_from_db()
        moved_to = StageMove.objects.filter(deal=deal).values_list("to_stage", flat=True)
        assert deal.furthest_stage == max([Stage.RESEARCH, *moved_to], key=STAGE_ORDER.index)
        return deal.furthest_stage

    assert furthest() == Stage.RESEARCH
    move(client, deal, Stage.NEGOTIATION)  # straight past customer development
    assert furthest() == Stage.NEGOTIATION
    move(client, deal, Stage.DEVELOPMENT, reason="Buyer reopened the tender")
    assert furthest() == Stage.NEGOTIATION
    assert deal.stage == Stage.DEVELOPMENT
    edit = deal_form(deal, price_per_tonne="81", version=deal.version)
    assert client.post(reverse("deals:edit", args=[deal.pk]), edit).status_code == 302
    assert furthest() == Stage.NEGOTIATION
    move(client, deal, Stage.NEGOTIATION)
    assert furthest() == Stage.NEGOTIATION
    assert sign(client, deal).status_code == 302
    assert furthest() == Stage.FOLLOW_UP
    move(client, deal, Stage.NEGOTIATION, reason="Buyer's L/C was not opened")
    assert (furthest(), deal.stage, deal.outcome) == (Stage.FOLLOW_UP, Stage.NEGOTIATION, Outcome.OPEN)
    reason = LostReason.objects.create(name="Price too high", name_zh="价格过高")
    client.post(reverse("deals:lose", args=[deal.pk]), {"lost_reason": reason.pk, "note": "", "version": deal.version})
    client.post(reverse("deals:reopen", args=[deal.pk]), {"reason": "New tender", "version": deal.version + 1})
    assert furthest() == Stage.FOLLOW_UP
    assert StageMove.objects.filter(deal=deal).count() == 7


def test_the_migration_reaches_the_furthest_stage_of_the_moves_recorded_before_it_was_stored(client_as, cast):
    client = client_as(cast.rep)
    back = DealFactory(customer=CustomerFactory(owner=cast.rep), stage=Stage.RESEARCH)
    move(client, back, Stage.NEGOTIATION)
    back.refresh_from_db()
    move(client, back, Stage.DEVELOPMENT, reason="Buyer reopened the tender")
    signed = DealFactory(customer=CustomerFactory(owner=cast.rep))
    sign(client, signed)
    untouched = DealFactory(customer=CustomerFactory(owner=cast.rep), stage=Stage.RESEARCH)
    Deal.objects.update(furthest_stage=Stage.RESEARCH)  # as they stood before 0018
    migration = importlib.import_module("pipeline.migrations.0018_deal_furthest_stage")
    migration.reach_recorded_moves(django_apps, None)
    assert dict(Deal.objects.values_list("pk", "furthest_stage")) == {
        back.pk: Stage.NEGOTIATION, signed.pk: Stage.FOLLOW_UP, untouched.pk: Stage.RESEARCH}


def test_a_lost_deal_can_be_reopened(client_as, cast, deal):
    reason = LostReason.objects.create(name="Price too high", name_zh="价格过高")
    client = client_as(cast.rep)
    client.post(reverse("deals:lose", args=[deal.pk]), {"lost_reason": reason.pk, "note": "", "version": 1})
    deal.refresh_from_db()
    assert (deal.outcome, deal.lost_reason) == (Outcome.LOST, reason)
    assert move(client, deal, Stage.DEVELOPMENT, reason="x").status_code == 200  # a lost deal does not move
    client.post(reverse("deals:reopen", args=[deal.pk]), {"reason": "New tender", "version": deal.version})
    deal.refresh_from_db()
    assert (deal.outcome, deal.lost_reason) == (Outcome.OPEN, None)
    assert [m.to_outcome for m in StageMove.objects.order_by("pk")] == [Outcome.LOST, Outcome.OPEN]


def test_losing_needs_a_reason_from_the_list(client_as, cast, deal):
    client_as(cast.rep).post(reverse("deals:lose", args=[deal.pk]), {"lost_reason": "", "version": 1})
    deal.refresh_from_db()
    assert deal.outcome == Outcome.OPEN


# --- Concurrent edits --------------------------------------------------------------------------


def test_the_second_of_two_concurrent_saves_is_refused_with_its_input_back(client_as, cast, deal):
    manager, rep = client_as(cast.manager), None
    first = deal_form(deal, price_per_tonne="81", version=1)
    second = deal_form(deal, price_per_tonne="79", version=1)
    assert manager.post(reverse("deals:edit", args=[deal.pk]), first).status_code == 302
    rep = client_as(cast.rep)
    response = rep.post(reverse("deals:edit", args=[deal.pk]), second)
    assert response.status_code == 200
    assert "Someone else changed this deal" in response.content.decode()
    assert response.context["form"]["price_per_tonne"].value() == "79"
    deal.refresh_from_db()
    assert deal.price_per_tonne == Decimal("81")


def test_a_move_from_a_stale_page_is_refused(client_as, cast, deal):
    client = client_as(cast.rep)
    move(client, deal, Stage.DEVELOPMENT, reason="x", version=1)
    response = move(client, deal, Stage.RESEARCH, reason="y", version=1)
    assert "Someone else changed this deal" in response.content.decode()
    deal.refresh_from_db()
    assert deal.stage == Stage.DEVELOPMENT


# --- Exchange rates ---------------------------------------------------------------------------


def test_a_new_rate_reprices_open_deals_but_not_signed_ones(cast, deal):
    signed = DealFactory(customer=deal.customer, stage=Stage.FOLLOW_UP, outcome=Outcome.WON, contract_number="C-9",
                         signed_on=datetime.date(2026, 6, 1))
    services.exchange_rate_save(rate=ExchangeRate(currency="USD", valid_from=timezone.localdate(),
                                                  rate=Decimal("7.2")))
    deal.refresh_from_db()
    signed.refresh_from_db()
    assert deal.amount_base == Decimal("31680000.00")
    assert signed.amount_base == Decimal("31240000.00")


# --- Board, list, weighted pipeline --------------------------------------------------------------


def test_weighted_pipeline_by_stage_uses_each_stages_probability(cast):
    customer = CustomerFactory(owner=cast.rep)
    DealFactory(customer=customer, stage=Stage.RESEARCH, amount_base=Decimal(1000))
    DealFactory(customer=customer, stage=Stage.NEGOTIATION, amount_base=Decimal(2000))
    DealFactory(customer=customer, stage=Stage.NEGOTIATION, amount_base=Decimal(500), outcome=Outcome.LOST)
    rows = {row["stage"]: row for row in selectors.weighted_pipeline(Deal.objects.all(), by="stage")}
    assert (rows["research"]["total"], rows["research"]["weighted"]) == (Decimal(1000), Decimal(100))
    assert (rows["negotiation"]["total"], rows["negotiation"]["weighted"]) == (Decimal(2000), Decimal(1200))


def test_the_board_moves_a_card_with_htmx_and_answers_with_the_board(client_as, cast):
    deal = DealFactory(customer=CustomerFactory(owner=cast.rep), stage=Stage.RESEARCH)
    response = client_as(cast.rep).post(reverse("deals:move", args=[deal.pk]),
                                        {"to_stage": "development", "version": 1, "next": "board"},
                                        HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'id="board"' in response.content.decode()
    assert "<html" not in response.content.decode()
    deal.refresh_from_db()
    assert deal.stage == Stage.DEVELOPMENT


def test_a_cards_move_form_as_the_board_shows_it_moves_the_deal_with_the_csrf_check_on(cast):
    """The cards are built in Python (pipeline/templatetags/deal_summaries.py): their form, sent as it stands,
    carries a token the CSRF check accepts and the deal's version, and moves the deal to the next stage."""
    import re

    from django.test import Client

    deal = DealFactory(customer=CustomerFactory(owner=cast.rep), stage=Stage.RESEARCH)
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.rep)
    html = client.get(reverse("deals:board")).content.decode()
    form = re.search(r'<form method="post" action="{}".*?</form>'.format(reverse("deals:move", args=[deal.pk])),
                     html).group(0)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form))
    assert fields["to_stage"] == "development" and fields["version"] == "1"
    response = client.post(reverse("deals:move", args=[deal.pk]), fields)
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.stage == Stage.DEVELOPMENT


def test_the_board_without_javascript_moves_and_returns_to_the_board(client_as, cast):
    deal = DealFactory(customer=CustomerFactory(owner=cast.rep), stage=Stage.RESEARCH)
    response = client_as(cast.rep).post(reverse("deals:move", args=[deal.pk]),
                                        {"to_stage": "development", "version": 1, "next": "board"})
    assert response["Location"] == reverse("deals:board")


def test_the_board_shows_only_the_users_deals_by_stage(client_as, cast, deal):
    DealFactory(customer=CustomerFactory(owner=cast.other_rep), grade="Other team's grade")
    columns = client_as(cast.rep).get(reverse("deals:board")).context["columns"]
    assert [len(column["cards"]) for column in columns] == [0, 0, 1, 0]


def test_each_column_shows_its_latest_cards_and_counts_them_all(client_as, cast, monkeypatch):
    """A column holds its BOARD_CARDS most recently updated deals (their ids read in one query on PostgreSQL, one
    per column elsewhere) and its heading counts every one of them."""
    from pipeline.views import deals as deal_views

    monkeypatch.setattr(deal_views, "BOARD_CARDS", 2)
    customer = CustomerFactory(owner=cast.rep)
    made = {stage: [DealFactory(customer=customer, stage=stage) for _ in range(3)]
            for stage in (Stage.RESEARCH, Stage.NEGOTIATION)}
    Deal.objects.filter(pk=made[Stage.RESEARCH][0].pk).update(updated_at=timezone.now() + datetime.timedelta(hours=1))
    columns = {column["stage"]: column for column in client_as(cast.rep).get(reverse("deals:board")).context["columns"]}
    research, negotiation = made[Stage.RESEARCH], made[Stage.NEGOTIATION]
    assert columns[Stage.RESEARCH]["cards"] == [research[0], research[2]]
    assert columns[Stage.NEGOTIATION]["cards"] == [negotiation[2], negotiation[1]]
    assert [columns[stage]["count"] for stage in Stage.values] == [3, 0, 3, 0]


def _cards_shown(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<article class="deal-card[^>]*data-deal="(\d+)"', html)]


def _show_more(html: str) -> str | None:
    """The address a column's "Show more" fetches, or None when the column shows all its cards."""
    found = re.search(r'<a class="board-more[^>]*hx-get="([^"]+)"', html)
    return found[1].replace("&amp;", "&") if found else None


def test_show_more_brings_a_columns_next_cards_until_none_remain(client_as, cast, monkeypatch):
    """A column shows its BOARD_CARDS latest cards; "Show more" fetches the next ones after the last shown (by
    update time, then key, so two deals updated at the same moment are neither skipped nor shown twice), and
    the last batch has no link. Without JavaScript the same link opens the deal list of that stage."""
    from pipeline.views import deals as deal_views

    monkeypatch.setattr(deal_views, "BOARD_CARDS", 2)
    customer = CustomerFactory(owner=cast.rep)
    made = [DealFactory(customer=customer, stage=Stage.RESEARCH) for _ in range(5)]
    moment = timezone.now()
    for minutes, deal in zip([5, 4, 3, 3, 1], made, strict=True):  # made[2] and made[3] updated together
        Deal.objects.filter(pk=deal.pk).update(updated_at=moment - datetime.timedelta(minutes=minutes))
    client = client_as(cast.rep)
    board = client.get(reverse("deals:board")).content.decode()
    shown, link = _cards_shown(board), _show_more(board)
    assert shown == [made[4].pk, made[3].pk]
    assert f'href="{reverse("deals:list")}?stage=research"' in board and "See all 5" in board
    while link:
        response = client.get(link, headers={"hx-request": "true"})
        assert response.status_code == OK
        shown += _cards_shown(response.content.decode())
        link = _show_more(response.content.decode())
    assert shown == [made[4].pk, made[3].pk, made[2].pk, made[1].pk, made[0].pk]


def test_show_more_keeps_the_boards_owner_filter_and_shows_only_what_the_user_sees(client_as, cast, monkeypatch):
    from pipeline.views import deals as deal_views

    monkeypatch.setattr(deal_views, "BOARD_CARDS", 1)
    reps = [DealFactory(customer=CustomerFactory(owner=cast.rep), stage=Stage.NEGOTIATION) for _ in range(3)]
    DealFactory(customer=CustomerFactory(owner=cast.account_manager), stage=Stage.NEGOTIATION)
    theirs = DealFactory(customer=CustomerFactory(owner=cast.other_rep), stage=Stage.NEGOTIATION)
    board = client_as(cast.manager).get(reverse("deals:board"), {"owner": cast.rep.pk}).content.decode()
    link = _show_more(board)
    assert f"owner={cast.rep.pk}" in link
    shown = _cards_shown(board)
    while link:
        html = client_as(cast.manager).get(link).content.decode()
        shown += _cards_shown(html)
        link = _show_more(html)
        assert not link or f"owner={cast.rep.pk}" in link
    assert sorted(shown) == sorted(deal.pk for deal in reps)
    # Another team's rep asks for the same column: only their own deal, never team A's.
    column = client_as(cast.other_rep).get(reverse("deals:board_column", args=[Stage.NEGOTIATION])).content.decode()
    assert _cards_shown(column) == [theirs.pk]


@pytest.mark.parametrize("after", ["yesterday~1", "2026-11-30T10:00:00~x", "2026-11-30T10:00:00+00:00~-1",
                                   "2026-11-30T10:00:00~5", "~", "2026-11-30T10:00:00+00:00~" + "9" * 30, "²~²",
                                   "0001-01-01T00:00:00+14:00~5", "9999-12-31T23:59:59-14:00~5"])
def test_a_bad_show_more_position_is_not_found(client_as, cast, deal, after):
    response = client_as(cast.rep).get(reverse("deals:board_column", args=[deal.stage]), {"after": after})
    assert response.status_code == MISSING


@pytest.mark.parametrize("after,shown", [("0001-01-01T00:00:00+00:00~1", 0), ("9999-12-31T23:59:59+00:00~1", 1)])
def test_a_show_more_position_at_the_ends_of_time_answers(client_as, cast, deal, after, shown):
    response = client_as(cast.rep).get(reverse("deals:board_column", args=[deal.stage]), {"after": after})
    assert response.status_code == OK
    assert _cards_shown(response.content.decode()) == [deal.pk] * shown


def test_show_more_costs_the_same_queries_however_many_deals(client_as, cast, deal):
    client = client_as(cast.manager)
    url = reverse("deals:board_column", args=[deal.stage])

    def more_deals():
        for _ in range(40):
            DealFactory(customer=deal.customer, stage=deal.stage)

    first, second = assert_queries_pinned(4 + planner_settings(), lambda: client.get(url), more_deals)
    assert len(_cards_shown(first.content.decode())) == 1
    assert len(_cards_shown(second.content.decode())) == 15 and _show_more(second.content.decode())


def test_the_board_sums_each_column_and_each_persons_open_pipeline(client_as, cast):
    customer = CustomerFactory(owner=cast.rep)
    DealFactory(customer=customer, stage=Stage.RESEARCH, amount_base=Decimal(1000))
    DealFactory(customer=customer, stage=Stage.NEGOTIATION, amount_base=Decimal(2000))
    DealFactory(customer=customer, stage=Stage.NEGOTIATION, amount_base=Decimal(500), outcome=Outcome.LOST)
    DealFactory(customer=CustomerFactory(owner=cast.account_manager), stage=Stage.FOLLOW_UP,
                outcome=Outcome.WON, contract_number="C-1", signed_on=datetime.date(2026, 11, 2),
                amount_base=Decimal(9000))
    DealFactory(customer=CustomerFactory(owner=cast.other_rep), stage=Stage.RESEARCH, amount_base=Decimal(7000))
    context = client_as(cast.manager).get(reverse("deals:board")).context
    columns = {column["stage"]: column for column in context["columns"]}
    assert [(columns[stage]["count"], columns[stage]["total"], columns[stage]["weighted"]) for stage in Stage.values] \
        == [(1, Decimal(1000), Decimal(100)), (0, None, None), (1, Decimal(2000), Decimal(1200)), (1, None, None)]
    # Open deals only: the account manager's signed deal is in its column, not in the pipeline.
    assert [(row["person"], row["total"], row["weighted"]) for row in context["by_owner"]] == [
        (cast.rep, Decimal(3000), Decimal(1300))]


def _board_by_or(user, owner=None) -> tuple[dict, dict]:
    """The board's figures summed here from `deals_visible_to` (the owner's OR the second seller's),
    to hold the board's per-part query to: per column (count, total, weighted), per owner (total, weighted)."""
    deals = selectors.deals_visible_to(user).filter(Q(outcome=Outcome.OPEN) | Q(outcome=Outcome.WON,
                                                                                 stage=Stage.FOLLOW_UP))
    if owner:
        deals = deals.filter(owner=owner)
    columns = {stage: [0, None, None] for stage in Stage.values}
    owners: dict = {}
    for deal in deals:
        column = columns[deal.stage]
        column[0] += 1
        if deal.outcome == Outcome.OPEN:
            weighted = deal.amount_base * STAGE_PROBABILITY[deal.stage]
            column[1], column[2] = (column[1] or 0) + deal.amount_base, (column[2] or 0) + weighted
            total, weighted_sum = owners.get(deal.owner_id, (0, 0))
            owners[deal.owner_id] = (total + deal.amount_base, weighted_sum + weighted)
    return {stage: tuple(figures) for stage, figures in columns.items()}, owners


def test_the_board_counts_a_shared_deal_once_and_the_deals_shared_from_another_team(client_as, cast):
    mine, theirs = CustomerFactory(owner=cast.rep), CustomerFactory(owner=cast.other_rep)
    # The rep's, shared with the account manager of the same team: one deal, counted once.
    DealFactory(customer=mine, stage=Stage.RESEARCH, amount_base=Decimal(1000), co_seller=cast.account_manager,
                co_seller_share=Decimal(40))
    # Team B's, shared with the rep: on team A's board under its owner.
    DealFactory(customer=theirs, stage=Stage.NEGOTIATION, amount_base=Decimal(2000), co_seller=cast.rep,
                co_seller_share=Decimal(50))
    DealFactory(customer=theirs, stage=Stage.FOLLOW_UP, outcome=Outcome.WON, contract_number="C-1",
                signed_on=datetime.date(2026, 11, 2), amount_base=Decimal(9000), co_seller=cast.rep,
                co_seller_share=Decimal(30))  # signed: in its column, without amounts
    DealFactory(customer=theirs, stage=Stage.DEVELOPMENT, outcome=Outcome.LOST, amount_base=Decimal(500),
                co_seller=cast.rep, co_seller_share=Decimal(50))  # lost: off the board
    DealFactory(customer=theirs, stage=Stage.RESEARCH, amount_base=Decimal(7000))  # team B's alone

    def board(user, **query):
        context = client_as(user).get(reverse("deals:board"), query).context
        columns = {column["stage"]: (column["count"], column["total"], column["weighted"])
                   for column in context["columns"]}
        return columns, {row["owner"]: (row["total"], row["weighted"]) for row in context["by_owner"]}

    none = (0, None, None)
    assert board(cast.manager) == ({
        Stage.RESEARCH: (1, Decimal(1000), Decimal(100)), Stage.DEVELOPMENT: none,
        Stage.NEGOTIATION: (1, Decimal(2000), Decimal(1200)), Stage.FOLLOW_UP: (1, None, None),
    }, {cast.rep.pk: (Decimal(1000), Decimal(100)), cast.other_rep.pk: (Decimal(2000), Decimal(1200))})
    assert board(cast.account_manager) == ({
        Stage.RESEARCH: (1, Decimal(1000), Decimal(100)), Stage.DEVELOPMENT: none, Stage.NEGOTIATION: none,
        Stage.FOLLOW_UP: none}, {cast.rep.pk: (Decimal(1000), Decimal(100))})
    assert board(cast.manager, owner=cast.other_rep.pk)[0] == {
        Stage.RESEARCH: none, Stage.DEVELOPMENT: none, Stage.NEGOTIATION: (1, Decimal(2000), Decimal(1200)),
        Stage.FOLLOW_UP: (1, None, None)}
    # Whoever looks, the same figures as summing the deals they see one by one; the director's by team.
    for user in [cast.manager, cast.other_manager, cast.rep, cast.account_manager, cast.other_rep]:
        assert board(user) == _board_by_or(user), user
    columns, by_owner = _board_by_or(cast.director)
    by_team: dict = {}
    for pk, (total, weighted) in by_owner.items():
        team = User.objects.get(pk=pk).team
        by_team[team] = tuple(map(sum, zip(by_team.get(team, (0, 0)), (total, weighted), strict=True)))
    context = client_as(cast.director).get(reverse("deals:board")).context
    assert board(cast.director) == (columns, {})
    assert {row["team"]: (row["total"], row["weighted"]) for row in context["by_team"]} == by_team
    assert board(cast.manager, owner=cast.rep.pk) == _board_by_or(cast.manager, owner=cast.rep)


def test_the_board_costs_the_same_queries_however_many_deals(client_as, cast, deal):
    client = client_as(cast.manager)

    def more_deals():
        for stage in Stage.values[:3] * 8:
            DealFactory(customer=deal.customer, stage=stage)

    assert_queries_pinned(6 + board_card_id_queries() + planner_settings(), lambda: client.get(reverse("deals:board")),
                          more_deals)


def test_a_board_columns_latest_cards_are_found_from_one_index_alone(client_as, cast, deal):
    """The ids of a column's latest cards: on PostgreSQL from an index alone (deal_board_column), which holds what
    the query reads, its order first; read from the table, a manager's four columns fetched some 4,000 rows to keep
    their 120 at the large size. Held on what the query reads, not on a plan: for a test's few rows the planner's
    choice turns on whether autovacuum has visited the table."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    index = next(index for index in Deal._meta.indexes if index.name == "deal_board_column")
    covered = {Deal._meta.get_field(name).column for name in [*index.fields, *index.include]}
    with CaptureQueriesContext(connection) as ran:
        client_as(cast.manager).get(reverse("deals:board"))
    ids = [query["sql"] for query in ran
           if re.match(r'\(?SELECT "pipeline_deal"\."id" AS "pk" FROM "pipeline_deal" WHERE', query["sql"])]
    assert len(ids) == board_card_id_queries(), [query["sql"] for query in ran]
    for sql in ids:
        outer = re.sub(r"\(SELECT U0\..*?\)\)", "", sql)  # the people seen: a subquery of their own tables
        assert set(re.findall(r'"pipeline_deal"\."(\w+)"', outer)) <= covered, sql
        assert 'ORDER BY "pipeline_deal"."updated_at" DESC' in sql and index.fields[:2] == ["stage", "updated_at"]


@pytest.mark.parametrize(("page", "queries", "shown_there"), [
    ("deals:board", 6, ["80.00 USD/t", "Won"]),
    ("deals:list", 9, ["4,400,000 USD", "31,240,000 CNY", "Customer development"]),
])
def test_a_card_or_row_shows_what_it_reads_in_the_pages_own_queries(client_as, cast, deal, page, queries,
                                                                      shown_there):
    """The board's cards and the list's rows load only the columns they show (SUMMARY_FIELDS): every part of a
    full one, a specification, a grade off the list, a port, a laycan, a signed contract, renders without a
    query of its own."""
    from .factories import SpecificationFactory

    client = client_as(cast.manager)

    def full_cards():
        specification = SpecificationFactory(commodity=deal.commodity, name="GAR 4200", name_zh="GAR 4200 规格")
        for stage, outcome in [(Stage.RESEARCH, Outcome.OPEN), (Stage.DEVELOPMENT, Outcome.OPEN),
                               (Stage.FOLLOW_UP, Outcome.WON)]:
            DealFactory(customer=CustomerFactory(owner=cast.rep, name="Full Card Steel Co.", short_name="Full Card"),
                        stage=stage, outcome=outcome, specification=specification, commodity=deal.commodity,
                        discharge_port=PortFactory(name="Rizhao", name_zh="日照"), incoterm="CFR",
                        laycan_start=datetime.date(2026, 12, 10), laycan_end=datetime.date(2026, 12, 20),
                        signed_on=datetime.date(2026, 11, 2) if outcome == Outcome.WON else None,
                        contract_number="BS-2026-0999" if outcome == Outcome.WON else "")
        DealFactory(customer=deal.customer, stage=Stage.RESEARCH, grade="Off-list grade")

    queries += planner_settings() + (board_card_id_queries() if page == "deals:board" else 0)
    _before, after = assert_queries_pinned(queries, lambda: client.get(reverse(page)), full_cards)
    html = after.content.decode()
    for shown in ["Full Card", "GAR 4200", "Rizhao", "CFR", "12-20", "55,000 t", "Rep A", "Off-list grade",
                  "not on the list", *shown_there]:
        assert shown in html, shown


def test_the_list_filters_and_costs_the_same_queries(client_as, cast, deal):
    DealFactory(customer=deal.customer, stage=Stage.RESEARCH, incoterm="FOB", amount_base=Decimal(10))
    client = client_as(cast.rep)
    assert len(client.get(reverse("deals:list"), {"incoterm": "FOB"}).context["page"]) == 1
    assert len(client.get(reverse("deals:list"), {"stage": "negotiation"}).context["page"]) == 1
    assert len(client.get(reverse("deals:list"), {"amount_min": "1000000"}).context["page"]) == 1
    assert len(client.get(reverse("deals:list"), {"laycan_from": "2026-01-01"}).context["page"]) == 0
    assert_queries_pinned(8 + planner_settings(), lambda: client.get(reverse("deals:list")),
                          lambda: DealFactory.create_batch(20, customer=deal.customer))


def test_a_sellers_whole_list_is_their_own_and_co_sold_deals_newest_first_page_by_page(client_as, cast, deal):
    """The unfiltered list reads a seller's deals by their keys (selectors.deals_visible_to(whole_list=True)): the
    same deals, in the same order, as any narrowed list: their own and those they co-sell, not another team's."""
    from accounts.pages import PAGE_SIZE

    co_sold = DealFactory(customer=CustomerFactory(owner=cast.other_rep), co_seller=cast.rep, co_seller_share=30)
    others = DealFactory(customer=CustomerFactory(owner=cast.other_rep))
    DealFactory.create_batch(PAGE_SIZE, customer=deal.customer)
    client = client_as(cast.rep)
    listed = [row.pk for number in (1, 2)
              for row in client.get(reverse("deals:list"), {"page": number}).context["page"]]
    expected = [row.pk for row in selectors.deals_visible_to(cast.rep).order_by("-updated_at", "-pk")]
    assert listed == expected and co_sold.pk in listed and others.pk not in listed
    assert len(listed) == PAGE_SIZE + 2
    # Sorted or narrowed, the plain shape: the same deals.
    by_laycan = [row.pk for row in client.get(reverse("deals:list"), {"sort": "laycan"}).context["page"]]
    assert set(by_laycan) <= set(expected) and len(by_laycan) == PAGE_SIZE


@pytest.mark.parametrize("query", [{}, {"stage": "negotiation"}, {"q": "GAR"}, {"stage": "no-such-stage"}])
def test_a_managers_list_counts_their_teams_and_co_sold_deals_as_it_lists_them(client_as, cast, deal, query):
    """A manager's list is counted over their people's keys read first, not the shape its page is read in
    (pipeline.views.deals.deal_list): the heading's total is the deals the pages list, whatever the filters,
    another team's left out, one co-sold by their rep counted once."""
    from accounts.pages import PAGE_SIZE

    mine = DealFactory.create_batch(PAGE_SIZE, customer=deal.customer, stage=Stage.NEGOTIATION, grade="GAR 5500")
    co_sold = DealFactory(customer=CustomerFactory(owner=cast.other_rep), co_seller=cast.rep, co_seller_share=30,
                          stage=Stage.NEGOTIATION, grade="GAR 4800")
    others = DealFactory(customer=CustomerFactory(owner=cast.other_rep), stage=Stage.NEGOTIATION, grade="GAR 4800")
    DealFactory(customer=deal.customer, stage=Stage.RESEARCH, grade="CV 6000", commodity__name="Iron ore")
    client = client_as(cast.manager)
    pages = [client.get(reverse("deals:list"), {**query, "page": number}) for number in (1, 2)]
    listed = {row.pk for page in pages for row in page.context["page"]}
    assert {co_sold.pk, *(made.pk for made in mine)} <= listed and others.pk not in listed
    total = pages[0].context["page"].paginator.count
    assert total == len(listed) > PAGE_SIZE
    assert f"{total} deals" in pages[0].content.decode()


@pytest.mark.parametrize("list_name", ["deals:list", "customers:list", "activities:list", "complaints:list"])
def test_turning_a_page_leaves_the_filters_unset_and_folded_on_a_phone(client_as, cast, deal, list_name):
    """Page 2 of a list is not a filtered list: the phone's Filters button does not say "on", the bar stays folded
    and there is nothing to reset; a filter set does all three."""
    client = client_as(cast.manager)
    turned = client.get(reverse(list_name), {"page": "2"}).content.decode()
    assert "filters-collapse show" not in turned and "Filters ·" not in turned and ">Reset<" not in turned
    narrowed = client.get(reverse(list_name), {"q": "Zzz", "page": "2"}).content.decode()
    assert "filters-collapse show" in narrowed and "Filters ·" in narrowed and ">Reset<" in narrowed


def test_the_deal_page_costs_the_same_queries_whatever_its_history(client_as, cast, deal):
    client = client_as(cast.rep)

    def more_history():
        for index in range(6):
            move(client, deal, Stage.DEVELOPMENT if index % 2 == 0 else Stage.NEGOTIATION, reason="x")
            deal.refresh_from_db()

    # 12: the commission what-if looks for a plan of the quarter for the owner (targets/incentives/panels.py);
    # whether the rep may change their own deal takes none (access.visible_user_ids); and on PostgreSQL the
    # deal's fetch planned as written.
    assert_queries_pinned(12 + planner_settings(), lambda: client.get(reverse("deals:detail", args=[deal.pk])),
                          more_history)


@pytest.mark.parametrize(("sort", "as_written", "first"), [
    (None, True, "Aardvark Power"),  # the newest
    ("-amount", True, "日照宏达钢铁有限公司"),
    ("customer", False, "Aardvark Power"),
])
def test_the_lists_page_is_planned_as_written_unless_sorted_by_the_customer(client_as, cast, deal, sort, as_written,
                                                                             first):
    """The deal list's page joins its look-ups in the order written (pipeline.views.deals.deal_list), but sorted
    by the customer's name PostgreSQL chooses where to start (a manager's list: 5 ms against 67): on PostgreSQL
    the setting is set around that fetch alone, elsewhere never; the rows come sorted either way."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    DealFactory(customer=CustomerFactory(owner=cast.rep, name="Aardvark Power"), amount_base=Decimal(1))
    with CaptureQueriesContext(connection) as ran:
        page = client_as(cast.manager).get(reverse("deals:list"), {"sort": sort} if sort else {}).context["page"]
    planned_as_written = any(query["sql"] == "SET join_collapse_limit = 1" for query in ran)
    assert planned_as_written == (as_written and connection.vendor == "postgresql")
    names = [row.customer.name for row in page]
    assert names[0] == first and len(names) == 2


def test_the_open_deals_by_laycan_are_read_from_an_index_in_that_order(cast, deal):
    """The list's open deals sorted by laycan: on PostgreSQL read in that order from an index of the outcome and
    laycan (deal_by_outcome_and_laycan), not found among every deal and sorted (scans discouraged: the test
    database is too small for the planner to prefer an index on its own); the earliest laycan first anywhere."""
    from django.db import connection

    from pipeline.filters import DealFilter

    Deal.objects.filter(pk=deal.pk).update(laycan_start=datetime.date(2026, 6, 1),
                                           laycan_end=datetime.date(2026, 6, 10))
    early = DealFactory(customer=deal.customer, laycan_start=datetime.date(2026, 1, 5),
                        laycan_end=datetime.date(2026, 1, 15))
    DealFactory(customer=deal.customer, outcome=Outcome.LOST, laycan_start=datetime.date(2025, 1, 5),
                laycan_end=datetime.date(2025, 1, 15))
    listed = DealFilter({"outcome": Outcome.OPEN, "sort": "laycan"}, queryset=selectors.deals_visible_to(cast.director),
                        user=cast.director).qs[:50]
    assert [row.pk for row in listed] == [early.pk, deal.pk]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            sql, params = listed.query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "deal_by_outcome_and_laycan" in plan, plan


@pytest.mark.parametrize(("sort", "order"), [
    ("laycan", ["january", "june", "none"]), ("-laycan", ["june", "january", "none"]),
    ("signing", ["january", "june", "none"]), ("-signing", ["june", "january", "none"]),
])
def test_a_sorted_list_puts_the_deals_without_that_date_last(client_as, cast, deal, sort, order):
    """Sorted by a date, either way, the deals that have it come first and those without it last
    (accounts.filters.sort_order): the laycan, descending, starts with the latest one, not with a page of deals
    whose laycan is not set yet. The databases differ on their own (PostgreSQL counts an empty value as the
    largest, SQLite as the smallest): without it, each fails one direction."""
    field = "laycan_start" if "laycan" in sort else "expected_signing_date"
    Deal.objects.filter(pk=deal.pk).update(laycan_start=None, laycan_end=None, expected_signing_date=None)
    dated = {name: DealFactory(customer=deal.customer) for name in ("january", "june")}
    for name, day in (("january", datetime.date(2026, 1, 5)), ("june", datetime.date(2026, 6, 5))):
        Deal.objects.filter(pk=dated[name].pk).update(**{field: day}, **(
            {"laycan_end": day + datetime.timedelta(days=10)} if field == "laycan_start" else {}))
    names = {deal.pk: "none", **{each.pk: name for name, each in dated.items()}}
    page = client_as(cast.rep).get(reverse("deals:list"), {"sort": sort}).context["page"]
    assert [names[row.pk] for row in page] == order


def _plan(queryset):
    """PostgreSQL's plan for `queryset`, with whole-table reads and sorts discouraged: the test database is too
    small for the planner to prefer an index on its own."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(("params", "index"), [
    ({"sort": "-amount"}, "deal_by_amount"),
    ({"sort": "amount"}, "deal_by_amount"),
    ({"sort": "-laycan"}, "deal_by_laycan_latest_first"),
    ({"sort": "-signing"}, "deal_by_signing_latest_first"),
    ({"sort": "-amount", "commodity": "coal"}, "deal_by_commodity_and_amount"),
])
def test_the_list_sorted_by_amount_or_latest_date_is_read_from_an_index_in_that_order(cast, deal, params, index):
    """The director's deals sorted by amount, or by the latest laycan or signing date (empty last): on PostgreSQL
    read in that order from an index (pipeline migration 0026), not all 200,000 sorted for a page (260 ms at the
    large size); a commodity's from its own (amount index walked for the coal deals: 130,000 read for 50). The
    rows come sorted on every database."""
    from django.db import connection

    from pipeline.filters import DealFilter

    small = DealFactory(customer=deal.customer, quantity_tonnes=Decimal(1000), commodity=deal.commodity,
                        laycan_start=datetime.date(2026, 1, 5), laycan_end=datetime.date(2026, 1, 15),
                        expected_signing_date=datetime.date(2026, 1, 2))
    Deal.objects.filter(pk=deal.pk).update(laycan_start=datetime.date(2026, 6, 1), laycan_end=datetime.date(2026, 6, 9),
                                           expected_signing_date=datetime.date(2026, 5, 20))
    DealFactory(customer=deal.customer)  # another commodity's
    data = {**params, "commodity": deal.commodity.pk} if "commodity" in params else params
    listed = DealFilter(data, queryset=selectors.deals_visible_to(cast.director), user=cast.director).qs[:50]
    rows = [row.pk for row in listed if row.pk in (deal.pk, small.pk)]
    assert rows == ([small.pk, deal.pk] if params["sort"] == "amount" else [deal.pk, small.pk])
    if connection.vendor == "postgresql":
        plan = _plan(listed)
        assert index in plan and "Sort" not in plan.split(index)[0], plan


def test_a_searched_list_sorted_by_amount_sorts_what_the_search_finds(cast, deal):
    """Searched and sorted by amount, the deals the search finds are sorted (pipeline.filters.sort_value_searched):
    a search often names a commodity or grade, whose amounts sit together (coal, the cheapest cargo, at the bottom), and
    walking the amount index PostgreSQL read 130,000 deals for 50. Biggest first on every database."""
    from django.db import connection

    from pipeline.filters import DealFilter

    small = DealFactory(customer=deal.customer, grade="NAR 5500", quantity_tonnes=Decimal(1000))
    Deal.objects.filter(pk=deal.pk).update(grade="NAR 5800")
    DealFactory(customer=deal.customer, grade="Fe 62%", quantity_tonnes=Decimal(90000))
    listed = DealFilter({"q": "NAR", "sort": "-amount"}, queryset=selectors.deals_visible_to(cast.director),
                        user=cast.director).qs[:50]
    assert [row.pk for row in listed] == [deal.pk, small.pk]
    if connection.vendor == "postgresql":
        assert "deal_by_amount" not in _plan(listed)


@pytest.mark.parametrize("role", ["director", "manager", "rep"])
def test_a_broad_search_counts_its_deals_only_so_far(client_as, cast, deal, monkeypatch, role):
    """A search that matches a good share of all deals ("煤", "NAR": 60,000 of 200,000) counts them no further than
    SEARCH_COUNT_LIMIT: the heading says "more than", the pager's pages end there and a note says to narrow the
    search. Under the limit, and without a search, the count is exact."""
    from pipeline.views import deals as deal_views

    monkeypatch.setattr(deal_views, "SEARCH_COUNT_LIMIT", 2)
    for grade in ("NAR 5500", "NAR 5800", "NAR 6000"):
        DealFactory(customer=deal.customer, grade=grade)
    client = client_as(cast.by_role(role))
    html = client.get(reverse("deals:list"), {"q": "NAR"}).content.decode()
    assert "More than 2 deals" in html and "Only the first 2 are listed" in html
    page = client.get(reverse("deals:list"), {"q": "NAR"}).context["page"]
    assert page.paginator.more_than == page.paginator.count == len(page.object_list) == 2
    for narrower in ({"q": "NAR 58"}, {}):
        page = client.get(reverse("deals:list"), narrower).context["page"]
        assert page.paginator.more_than is None and page.paginator.count == len(page.object_list)
    cast.by_role(role).language = "zh-hans"
    cast.by_role(role).save()
    html = client.get(reverse("deals:list"), {"q": "NAR"}).content.decode()
    assert "超过 2 笔交易" in html and "仅列出前 2 条" in html


def test_a_fetch_planned_as_written_leaves_the_planner_as_it_was(deal):
    """accounts.sql.joins_as_written, around the deal page's fetch: on PostgreSQL the joins inside are planned in
    the order written and the server's setting is back afterwards, after a failed fetch too; elsewhere it runs
    nothing of its own."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.sql import joins_as_written

    if connection.vendor != "postgresql":
        with CaptureQueriesContext(connection) as ran, joins_as_written():
            assert list(Deal.objects.all()) == [deal]
        assert len(ran) == 1
        return

    def limit():
        with connection.cursor() as cursor:
            cursor.execute("SHOW join_collapse_limit")
            return cursor.fetchone()[0]

    default = limit()
    assert default != "1"
    with joins_as_written():
        assert limit() == "1"
        assert Deal.objects.select_related("customer", "owner").get(pk=deal.pk) == deal
    assert limit() == default
    with pytest.raises(Deal.DoesNotExist), joins_as_written():
        Deal.objects.get(pk=deal.pk + 1000)
    assert limit() == default


def test_a_hand_over_moves_a_leaving_reps_deals(client_as, cast, deal):
    successor = UserFactory(position=Position.REP, team=cast.rep.team)
    client_as(cast.director).post(reverse("org:user_hand_over", args=[cast.rep.pk]),
                                  {"to_user": successor.pk, "reason": "Resigned", "deactivate": "on"})
    deal.refresh_from_db()
    assert deal.owner == successor
    assert HandOver.objects.get().moved["pipeline.Deal.owner"] == 1


# --- Tiers from signed sales ------------------------------------------------------------------


def test_tiers_follow_signed_sales_once_a_customer_has_signed(cast):
    from customers.models import Tier
    from customers.tiers import recompute_tiers

    from .factories import CommodityFactory

    signed = CustomerFactory(owner=cast.rep)
    signed.commodity_volumes.create(commodity=CommodityFactory(), estimated_annual_tonnes=500)  # estimate: low
    DealFactory(customer=signed, stage=Stage.FOLLOW_UP, outcome=Outcome.WON, contract_number="C-1",
                signed_on=timezone.localdate() - datetime.timedelta(days=30))  # 55,000 t: general
    never = CustomerFactory(owner=cast.rep)
    never.commodity_volumes.create(commodity=CommodityFactory(), estimated_annual_tonnes=150000)  # estimate: high
    DealFactory(customer=never, stage=Stage.NEGOTIATION)  # open deals do not count
    old = CustomerFactory(owner=cast.rep)
    DealFactory(customer=old, stage=Stage.FOLLOW_UP, outcome=Outcome.WON, contract_number="C-2",
                signed_on=timezone.localdate() - datetime.timedelta(days=400))  # outside the 12 months
    recompute_tiers()
    for customer in (signed, never, old):
        customer.refresh_from_db()
    assert (signed.tier, never.tier, old.tier) == (Tier.GENERAL, Tier.HIGH, Tier.LOW)


def test_a_new_deal_is_the_reps_own_unless_they_choose_otherwise(client_as, cast):
    form = client_as(cast.rep).get(reverse("deals:create")).context["form"]
    assert form["owner"].value() == cast.rep.pk


def test_who_sees_too_many_customers_to_list_picks_the_deals_customer_first(client_as, cast, monkeypatch):
    from customers import selectors as customer_selectors

    monkeypatch.setattr(customer_selectors, "LISTED_CUSTOMERS", 1)
    ours = CustomerFactory(name="Rizhao Hongda Steel", owner=cast.rep)
    CustomerFactory(name="Rizhao Port Trading", owner=cast.other_rep)
    client = client_as(cast.director)
    html = client.get(reverse("deals:create")).content.decode()
    assert "Which customer is the deal with?" in html and 'name="customer"' not in html
    html = client.get(reverse("deals:create"), {"q": "hongda"}).content.decode()
    assert html.count('href="?customer=') == 1 and f'href="?customer={ours.pk}"' in html
    url = reverse("deals:create") + f"?customer={ours.pk}"
    response = client.get(url)
    assert list(response.context["form"].fields["customer"].queryset) == [ours]
    assert "Another customer" in response.content.decode()
    ExchangeRateFactory(currency="USD", valid_from=datetime.date(2026, 1, 1), rate=Decimal("7.1"))
    assert client.post(url, deal_form(cast) | {"customer": ours.pk, "owner": cast.rep.pk}).status_code == 302
    assert Deal.objects.get().customer == ours
    # Under the limit, the drop-down of all of them, as before.
    monkeypatch.setattr(customer_selectors, "LISTED_CUSTOMERS", 200)
    mine = client_as(cast.rep).get(reverse("deals:create")).context["form"].fields["customer"].queryset
    assert set(mine) == set(Customer.objects.filter(owner=cast.rep))


def test_editing_a_deal_as_who_sees_too_many_customers_keeps_its_customer_or_picks_another(client_as, cast, deal,
                                                                                           monkeypatch):
    from customers import selectors as customer_selectors

    monkeypatch.setattr(customer_selectors, "LISTED_CUSTOMERS", 1)
    other = CustomerFactory(name="Tangshan Power Plant", owner=cast.other_rep)
    client = client_as(cast.director)
    edit = reverse("deals:edit", args=[deal.pk])
    response = client.get(edit)
    assert list(response.context["form"].fields["customer"].queryset) == [deal.customer]
    assert response.context["form"]["customer"].value() == deal.customer_id and "Another customer" in response.text
    assert "Which customer is the deal with?" in client.get(edit, {"pick": "1"}).text
    moved = client.get(edit, {"customer": other.pk}).context["form"]
    assert list(moved.fields["customer"].queryset) == [other] and moved["customer"].value() == other.pk
