"""A signed contract changes only through a recorded amendment (合同变更), approved by a manager of the
owner or a director; the scorecards then count the terms in force and mark the sale as amended."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.services import RuleError
from pipeline import services
from pipeline.models import Amendment, Deal, Outcome, Reminder, Stage
from targets.kpis import compute_scorecards
from targets.models import Scorecard

from .conftest import ROLES
from .factories import CustomerFactory, DealFactory, ExchangeRateFactory, PortFactory

OK, FORBIDDEN, MISSING = 200, 403, 404
SIGNED_ON = datetime.date(2026, 11, 2)


@pytest.fixture
def signed(cast):
    """Rep A's signed contract: 60,000 t of thermal coal at 95.80 USD/t, signed on 2 November (USD = 7.1)."""
    return DealFactory(customer=CustomerFactory(owner=cast.rep), stage=Stage.FOLLOW_UP, outcome=Outcome.WON,
                       contract_number="BS-2026-0042", signed_on=SIGNED_ON, quantity_tonnes=Decimal("60000"),
                       price_per_tonne=Decimal("95.80"), amount_base=Decimal("40809960.00"))


def terms(deal: Deal, **overrides) -> dict:
    return {
        "commodity": deal.commodity_id, "grade": deal.grade, "quantity_tonnes": str(deal.quantity_tonnes),
        "tolerance_percent": str(deal.tolerance_percent), "tolerance_option": deal.tolerance_option,
        "price_per_tonne": str(deal.price_per_tonne), "currency": deal.currency, "incoterm": deal.incoterm,
        "load_port": deal.load_port_id or "", "discharge_port": deal.discharge_port_id or "",
        "laycan_start": deal.laycan_start or "", "laycan_end": deal.laycan_end or "",
        "payment_terms": deal.payment_terms, "demurrage_rate": deal.demurrage_rate or "",
    } | overrides


def ask(client, deal, reason="Buyer asked for 10,000 t more at a lower price", **overrides):
    deal.refresh_from_db()
    return client.post(reverse("deals:amend", args=[deal.pk]),
                       terms(deal, **overrides) | {"reason": reason, "version": deal.version})


# --- The signed terms cannot be edited in place -----------------------------------------------


def test_the_edit_form_of_a_signed_deal_cannot_change_its_terms(client_as, cast, signed):
    """The defect seen: 95.80 USD x 60,000 t became 80.00 x 70,000 t by an edit, with no record."""
    client = client_as(cast.rep)
    page = client.get(reverse("deals:edit", args=[signed.pk])).content.decode()
    assert "change only by an amendment" in page
    response = client.post(reverse("deals:edit", args=[signed.pk]), terms(signed, quantity_tonnes="70000",
                                                                          price_per_tonne="80.00")
                           | {"customer": signed.customer_id, "notes": "Vessel nominated", "competitor": "",
                              "expected_signing_date": "", "version": signed.version})
    assert response.status_code == 302
    signed.refresh_from_db()
    assert (signed.quantity_tonnes, signed.price_per_tonne) == (Decimal("60000"), Decimal("95.80"))
    assert signed.notes == "Vessel nominated"  # notes stay editable


def test_the_service_refuses_new_terms_on_a_signed_deal(cast, signed):
    signed.price_per_tonne = Decimal("80")
    with pytest.raises(RuleError, match="only by an amendment"):
        services.deal_save(deal=signed, by=cast.rep, expected_version=signed.version)


def test_the_edit_form_has_no_owner_field_the_owner_changes_by_transfer(client_as, cast, signed):
    DealFactory(customer=signed.customer)
    page = client_as(cast.manager).get(reverse("deals:edit", args=[signed.pk])).content.decode()
    assert 'name="owner"' not in page


# --- Asking, approving, rejecting -----------------------------------------------------------------


def test_an_amendment_waits_for_approval_and_the_contract_keeps_its_terms(client_as, cast, signed):
    response = ask(client_as(cast.rep), signed, quantity_tonnes="70000", price_per_tonne="80.00")
    assert response.status_code == 302
    amendment = Amendment.objects.get()
    assert amendment.status == Amendment.Status.PENDING
    assert amendment.changes == {"quantity_tonnes": {"old": "60000.00", "new": "70000"},
                                 "price_per_tonne": {"old": "95.80", "new": "80.00"}}
    assert amendment.requested_by == cast.rep
    signed.refresh_from_db()
    assert (signed.quantity_tonnes, signed.price_per_tonne, signed.amended_at) == (Decimal("60000"),
                                                                                   Decimal("95.80"), None)
    # The rep's manager is asked at once, in their inbox.
    assert list(Reminder.objects.filter(kind=Reminder.Kind.AMENDMENT).values_list("recipient", "deal")) == [
        (cast.manager.pk, signed.pk)]


def test_approval_puts_the_new_terms_in_force_at_the_signing_days_rate(client_as, cast, signed):
    ExchangeRateFactory(currency="USD", valid_from=datetime.date(2026, 11, 25), rate=Decimal("7.3"))
    ask(client_as(cast.rep), signed, quantity_tonnes="70000", price_per_tonne="80.00")
    amendment = Amendment.objects.get()
    response = client_as(cast.manager).post(reverse("deals:amendment_approve", args=[amendment.pk]),
                                            {"note": "Agreed with the buyer"})
    assert response.status_code == 302
    signed.refresh_from_db()
    assert (signed.quantity_tonnes, signed.price_per_tonne) == (Decimal("70000"), Decimal("80.00"))
    # 70,000 x 80.00 x 7.1 (the rate of 2 November, the signing day), not 7.3.
    assert signed.amount_base == Decimal("39760000.00")
    assert signed.amended_at is not None
    amendment.refresh_from_db()
    assert (amendment.status, amendment.decided_by, amendment.decision_note) == (
        Amendment.Status.APPROVED, cast.manager, "Agreed with the buyer")
    assert not Reminder.objects.filter(kind=Reminder.Kind.AMENDMENT, done_at__isnull=True).exists()


def test_a_rejected_amendment_changes_nothing_and_needs_a_reason(client_as, cast, signed):
    ask(client_as(cast.rep), signed, price_per_tonne="90")
    amendment = Amendment.objects.get()
    manager = client_as(cast.manager)
    manager.post(reverse("deals:amendment_reject", args=[amendment.pk]), {"note": ""})
    amendment.refresh_from_db()
    assert amendment.status == Amendment.Status.PENDING
    manager.post(reverse("deals:amendment_reject", args=[amendment.pk]), {"note": "Not agreed with the buyer"})
    amendment.refresh_from_db()
    signed.refresh_from_db()
    assert amendment.status == Amendment.Status.REJECTED
    assert signed.price_per_tonne == Decimal("95.80")


def test_the_rep_cannot_approve_their_own_amendment(client_as, cast, signed):
    ask(client_as(cast.rep), signed, price_per_tonne="90")
    amendment = Amendment.objects.get()
    client_as(cast.rep).post(reverse("deals:amendment_approve", args=[amendment.pk]))
    amendment.refresh_from_db()
    assert amendment.status == Amendment.Status.PENDING


def test_a_manager_does_not_approve_what_they_asked_for_the_director_does(cast, signed):
    amendment = services.amendment_request(deal=signed, proposed=_with(signed, price_per_tonne=Decimal("90")),
                                           reason="Freight fell", by=cast.manager, expected_version=signed.version)
    assert list(Reminder.objects.filter(kind=Reminder.Kind.AMENDMENT).values_list("recipient", flat=True)) == [
        cast.director.pk]
    with pytest.raises(RuleError, match="not by who asked"):
        services.amendment_approve(amendment=amendment, by=cast.manager)
    services.amendment_approve(amendment=amendment, by=cast.director)
    signed.refresh_from_db()
    assert signed.price_per_tonne == Decimal("90")


def _with(deal: Deal, **changes) -> Deal:
    proposed = Deal.objects.get(pk=deal.pk)
    for name, value in changes.items():
        setattr(proposed, name, value)
    return proposed


def test_an_amendment_must_change_something_and_say_why(client_as, cast, signed):
    page = ask(client_as(cast.rep), signed).content.decode()
    assert "the amendment is the same as the signed contract" in page
    page = ask(client_as(cast.rep), signed, reason="", price_per_tonne="90").content.decode()
    assert "This field is required." in page
    assert not Amendment.objects.exists()


def test_one_amendment_at_a_time(cast, signed):
    services.amendment_request(deal=signed, proposed=_with(signed, price_per_tonne=Decimal("90")), reason="a",
                               by=cast.rep, expected_version=signed.version)
    with pytest.raises(RuleError, match="already has an amendment awaiting approval"):
        services.amendment_request(deal=signed, proposed=_with(signed, price_per_tonne=Decimal("91")), reason="b",
                                   by=cast.rep, expected_version=signed.version)


def test_an_open_deal_is_not_amended_its_terms_are_edited(cast):
    deal = DealFactory(customer=CustomerFactory(owner=cast.rep))
    with pytest.raises(RuleError, match="Only a signed contract is amended"):
        services.amendment_request(deal=deal, proposed=_with(deal, price_per_tonne=Decimal("90")), reason="x",
                                   by=cast.rep, expected_version=deal.version)


def test_an_amendment_asked_before_another_change_is_refused_at_approval(cast, signed):
    first = services.amendment_request(deal=signed, proposed=_with(signed, price_per_tonne=Decimal("90")),
                                       reason="a", by=cast.rep, expected_version=signed.version)
    # Meanwhile the terms changed by another approved amendment (set up directly).
    Deal.objects.filter(pk=signed.pk).update(price_per_tonne=Decimal("85"))
    with pytest.raises(RuleError, match="changed since this amendment was asked for"):
        services.amendment_approve(amendment=first, by=cast.manager)


def test_ports_and_dates_are_amended_and_shown_by_name(client_as, cast, signed):
    qingdao = PortFactory(name="Qingdao", name_zh="青岛")
    ask(client_as(cast.rep), signed, discharge_port=qingdao.pk, laycan_start="2026-12-10", laycan_end="2026-12-20")
    services.amendment_approve(amendment=Amendment.objects.get(), by=cast.director)
    signed.refresh_from_db()
    assert (signed.discharge_port, signed.laycan_start) == (qingdao, datetime.date(2026, 12, 10))
    page = client_as(cast.rep).get(reverse("deals:detail", args=[signed.pk])).content.decode()
    assert "Amendments" in page and "Qingdao" in page and "Approved" in page


def test_the_deal_page_shows_the_amendment_in_chinese(client_as, cast, signed):
    cast.rep.language = "zh-hans"
    cast.rep.save()
    ask(client_as(cast.rep), signed, price_per_tonne="90")
    page = client_as(cast.rep).get(reverse("deals:detail", args=[signed.pk])).content.decode()
    assert "合同变更" in page
    assert "待审批" in page


# --- Who may open the amendment pages --------------------------------------------------------

AMEND_SCOPE = {role: MISSING for role in ROLES} | {"director": OK, "manager": OK, "rep": OK, "service": FORBIDDEN,
                                                   "marketing": FORBIDDEN, "anonymous": 302}


@pytest.mark.parametrize("role", ROLES)
def test_the_amendment_page_answers_each_position_as_the_policy_says(client_as, cast, signed, role):
    response = client_as(cast.by_role(role)).get(reverse("deals:amend", args=[signed.pk]))
    assert response.status_code == AMEND_SCOPE[role]


@pytest.mark.parametrize("role", ["other_manager", "other_rep", "account_manager"])
def test_outsiders_cannot_approve_an_amendment(client_as, cast, signed, role):
    amendment = services.amendment_request(deal=signed, proposed=_with(signed, price_per_tonne=Decimal("90")),
                                           reason="a", by=cast.rep, expected_version=signed.version)
    response = client_as(cast.by_role(role)).post(reverse("deals:amendment_approve", args=[amendment.pk]))
    assert response.status_code == MISSING
    amendment.refresh_from_db()
    assert amendment.status == Amendment.Status.PENDING


# --- The scorecards count the terms in force ----------------------------------------------------


def test_the_scorecard_counts_the_amended_terms_after_a_recompute_and_marks_them(cast, signed):
    def rep_card():
        return Scorecard.objects.get(subject="rep", subject_id=cast.rep.pk, period="quarter",
                                     period_start=datetime.date(2026, 10, 1))

    compute_scorecards(period="quarter", start=SIGNED_ON)
    assert (rep_card().tonnage, rep_card().amended_contracts) == (Decimal("60000"), 0)
    amendment = services.amendment_request(deal=signed, proposed=_with(signed, quantity_tonnes=Decimal("70000")),
                                           reason="More cargo", by=cast.rep, expected_version=signed.version)
    compute_scorecards(period="quarter", start=SIGNED_ON)
    assert rep_card().tonnage == Decimal("60000")  # not before approval
    services.amendment_approve(amendment=amendment, by=cast.manager)
    compute_scorecards(period="quarter", start=SIGNED_ON)
    assert (rep_card().tonnage, rep_card().amended_contracts) == (Decimal("70000"), 1)


def test_the_reps_dashboard_marks_an_amended_sale(client_as, cast, signed):
    amendment = services.amendment_request(deal=signed, proposed=_with(signed, quantity_tonnes=Decimal("70000")),
                                           reason="More cargo", by=cast.rep, expected_version=signed.version)
    services.amendment_approve(amendment=amendment, by=cast.manager)
    compute_scorecards(period="quarter", start=timezone.localdate())
    page = client_as(cast.rep).get(reverse("dashboards:mine"), follow=True).content.decode()
    assert "contract counted at its amended terms" in page
