"""Cancelling a signed contract: a manager of the owner or a director does it, with a reason; the
contract becomes lost but keeps its stage, number, signing date and credit (`Deal.cancelled`, what the
commission's clawback reads), the move is recorded, it stops counting as signed in the scorecards, and
loaded cargo or issued invoices keep it from being cancelled."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.services import RuleError
from pipeline import services
from pipeline.models import Deal, ExchangeRate, LostReason, Outcome, Stage, StageMove
from targets.kpis import compute_scorecards
from targets.models import Scorecard

from .conftest import ROLES
from .factories import CustomerFactory, DealFactory, InvoiceFactory, ShipmentFactory, SignedDealFactory

OK, FOUND, FORBIDDEN, MISSING = 200, 302, 403, 404
SIGNED_ON = datetime.date(2026, 11, 2)


@pytest.fixture
def deal(cast):
    """Rep A's signed contract: 60,000 t at 95.80 USD, 40,810,800.00 CNY at 7.1."""
    return SignedDealFactory(customer=CustomerFactory(owner=cast.rep, name="Rizhao Steel"), signed_on=SIGNED_ON,
                             contract_number="BS-2026-0042")


@pytest.fixture
def reason(db):
    return LostReason.objects.create(name="Buyer withdrew", name_zh="买方撤回")


def cancel(deal, by, reason, note="The buyer's import licence was refused") -> Deal:
    deal.refresh_from_db()
    return services.deal_cancel(deal=deal, reason=reason, note=note, by=by, expected_version=deal.version)


# --- The service ----------------------------------------------------------------------------------


def test_a_manager_cancels_a_signed_contract_which_keeps_its_number_date_and_credit(cast, deal, reason):
    cancel(deal, cast.manager, reason)

    deal.refresh_from_db()
    assert (deal.outcome, deal.stage, deal.contract_number, deal.signed_on, deal.credited_to) == (
        Outcome.LOST, Stage.FOLLOW_UP, "BS-2026-0042", SIGNED_ON, cast.rep)
    assert deal.cancelled and deal.lost_reason == reason and deal.version == 2
    move = StageMove.objects.get(deal=deal)
    assert (move.from_outcome, move.to_outcome, move.by, move.reason) == (
        Outcome.WON, Outcome.LOST, cast.manager, "The buyer's import licence was refused")


def test_a_deal_lost_before_signing_is_not_a_cancelled_contract(cast, reason):
    lost = DealFactory(customer=CustomerFactory(owner=cast.rep))
    services.deal_lose(deal=lost, reason=reason, note="", by=cast.rep, expected_version=lost.version)
    lost.refresh_from_db()
    assert lost.outcome == Outcome.LOST and not lost.cancelled


def test_only_a_signed_contract_is_cancelled_and_only_once(cast, deal, reason):
    open_deal = DealFactory(customer=deal.customer)
    with pytest.raises(RuleError, match="Only a signed contract can be cancelled"):
        cancel(open_deal, cast.manager, reason)
    cancel(deal, cast.manager, reason)
    with pytest.raises(RuleError, match="Only a signed contract can be cancelled"):
        cancel(deal, cast.director, reason)


def test_a_cancellation_needs_a_reason(cast, deal, reason):
    with pytest.raises(RuleError, match="Say why the contract is cancelled"):
        cancel(deal, cast.manager, reason, note="  ")
    deal.refresh_from_db()
    assert deal.outcome == Outcome.WON


@pytest.mark.parametrize("role", ["rep", "account_manager", "other_manager", "other_rep"])
def test_only_the_owners_manager_or_a_director_cancels(cast, deal, reason, role):
    with pytest.raises(RuleError, match="manager of the contract's owner or a director"):
        cancel(deal, cast.by_role(role), reason)
    deal.refresh_from_db()
    assert deal.outcome == Outcome.WON


def test_a_cancelled_contract_is_not_reopened_nor_its_terms_changed(cast, deal, reason):
    cancel(deal, cast.director, reason)
    deal.refresh_from_db()
    with pytest.raises(RuleError, match="not reopened"):
        services.deal_reopen(deal=deal, by=cast.manager, reason="Buyer came back", expected_version=deal.version)
    deal.price_per_tonne = Decimal("90")
    with pytest.raises(RuleError, match="cancelled contract's terms are kept"):
        services.deal_save(deal=deal, by=cast.manager, expected_version=deal.version)


def test_a_new_exchange_rate_does_not_reprice_a_cancelled_contract(cast, deal, reason):
    cancel(deal, cast.manager, reason)
    services.exchange_rate_save(rate=ExchangeRate(currency="USD", valid_from=datetime.date(2026, 11, 20),
                                                  rate=Decimal("7.3")))
    deal.refresh_from_db()
    assert (deal.rate_to_base, deal.amount_base) == (Decimal("7.1"), Decimal("40810800.00"))


# --- What keeps a contract from being cancelled ----------------------------------------------------


def test_loaded_cargo_keeps_the_contract_from_being_cancelled(cast, deal, reason):
    ShipmentFactory(deal=deal)  # nominated, nothing loaded yet: it may still be cancelled
    assert services.cancel_guards.refusal(deal) is None
    ShipmentFactory(deal=deal, bl_date=datetime.date(2026, 11, 20), bl_tonnes=Decimal(30000))
    with pytest.raises(RuleError, match="Cargo has been loaded under this contract"):
        cancel(deal, cast.director, reason)
    deal.refresh_from_db()
    assert deal.outcome == Outcome.WON


def test_an_issued_invoice_keeps_the_contract_from_being_cancelled(cast, deal, reason):
    InvoiceFactory(deal=deal, issued_on=datetime.date(2026, 11, 5))
    with pytest.raises(RuleError, match="Invoices have been issued under this contract"):
        cancel(deal, cast.director, reason)


# --- The scorecards -------------------------------------------------------------------------------


def card(user) -> Scorecard:
    return Scorecard.objects.get(subject="rep", subject_id=user.pk, period="quarter",
                                 period_start=datetime.date(2026, 10, 1))


def test_a_cancelled_contract_no_longer_counts_as_signed_and_counts_as_lost(cast, deal, reason):
    compute_scorecards(period="quarter", start=SIGNED_ON)
    assert (card(cast.rep).sales_amount, card(cast.rep).signed_contracts) == (Decimal("40810800.00"), 1)
    cancel(deal, cast.manager, reason)
    compute_scorecards(period="quarter", start=SIGNED_ON)
    rep = card(cast.rep)
    assert (rep.sales_amount, rep.tonnage, rep.signed_contracts, rep.deals_won) == (0, 0, 0, 0)
    assert rep.deals_lost == 1


def test_a_cancelled_split_contract_counts_for_neither_seller(cast, deal, reason):
    services.deal_split_set(deal=deal, co_seller=cast.account_manager, share=Decimal(30), by=cast.manager,
                            expected_version=deal.version)
    cancel(deal, cast.manager, reason)
    compute_scorecards(period="quarter", start=SIGNED_ON)
    assert card(cast.rep).sales_amount == 0 and card(cast.account_manager).sales_amount == 0
    deal.refresh_from_db()
    assert (deal.co_seller, deal.co_seller_share) == (cast.account_manager, 30)


# --- The page -------------------------------------------------------------------------------------


CANCEL_PAGE = {role: MISSING for role in ROLES} | {
    "anonymous": FOUND, "director": OK, "manager": OK, "rep": FORBIDDEN, "service": FORBIDDEN, "marketing": FORBIDDEN}


@pytest.mark.parametrize("role", ROLES)
def test_the_cancel_page_answers_each_position_as_the_policy_says(client_as, cast, deal, role):
    assert client_as(cast.by_role(role)).get(reverse("deals:cancel", args=[deal.pk])).status_code == CANCEL_PAGE[role]


def post_cancel(client, deal, reason, note="Buyer withdrew", confirm=True):
    deal.refresh_from_db()
    data = {"reason": reason.pk if reason else "", "note": note, "version": deal.version}
    if confirm:
        data["confirm"] = "on"
    return client.post(reverse("deals:cancel", args=[deal.pk]), data)


def test_a_manager_cancels_on_the_page_and_the_deal_page_says_so(client_as, cast, deal, reason):
    client = client_as(cast.manager)
    page = client.get(reverse("deals:detail", args=[deal.pk])).content.decode()
    assert reverse("deals:cancel", args=[deal.pk]) in page
    response = post_cancel(client, deal, reason)
    assert response.status_code == FOUND
    page = client.get(response.url).content.decode()
    assert "Contract cancelled" in page and "BS-2026-0042" in page and "Buyer withdrew" in page
    assert reverse("deals:cancel", args=[deal.pk]) not in page
    assert reverse("deals:reopen", args=[deal.pk]) not in page


def test_the_rep_sees_no_cancel_button(client_as, cast, deal):
    page = client_as(cast.rep).get(reverse("deals:detail", args=[deal.pk])).content.decode()
    assert reverse("deals:cancel", args=[deal.pk]) not in page


def test_bad_input_gets_clear_errors_on_the_form(client_as, cast, deal, reason):
    client = client_as(cast.manager)
    page = post_cancel(client, deal, reason, note="", confirm=False).content.decode()
    assert "This field is required." in page and "Tick the box to confirm the cancellation." in page
    ShipmentFactory(deal=deal, bl_date=datetime.date(2026, 11, 20), bl_tonnes=Decimal(30000))
    page = post_cancel(client, deal, reason).content.decode()
    assert "Cargo has been loaded under this contract (a B/L is recorded): it cannot be cancelled." in page
    deal.refresh_from_db()
    assert deal.outcome == Outcome.WON


def test_the_forms_errors_read_in_chinese(client_as, cast, deal, reason):
    cast.manager.language = "zh-hans"
    cast.manager.save()
    client = client_as(cast.manager)
    page = post_cancel(client, deal, reason, note="", confirm=False).content.decode()
    assert "该字段是必填项。" in page and "请勾选以确认取消合同。" in page
    assert "取消合同" in client.get(reverse("deals:cancel", args=[deal.pk])).content.decode()


def test_an_open_deal_has_no_cancel_page(client_as, cast):
    open_deal = DealFactory(customer=CustomerFactory(owner=cast.rep))
    response = client_as(cast.manager).get(reverse("deals:cancel", args=[open_deal.pk]))
    assert response.status_code == FOUND and response.url == reverse("deals:detail", args=[open_deal.pk])
