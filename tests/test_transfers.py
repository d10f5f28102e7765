"""Credit never moves silently: a customer's or deal's owner changes only by a recorded transfer (转移),
the new owner is told at once, a signing stays credited to the owner at signing, and a leaving
person's hand-over moves their open follow-ups too."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import HandOver, Position
from accounts.services import RuleError, hand_over
from pipeline import services, transfers
from pipeline.models import Activity, Deal, Outcome, Reminder, Stage, Transfer
from targets.kpis import compute_scorecards
from targets.models import Scorecard

from .conftest import ROLES
from .factories import ActivityFactory, ComplaintFactory, CustomerFactory, DealFactory, UserFactory
from .queries import assert_queries_pinned

OK, FOUND, FORBIDDEN, MISSING = 200, 302, 403, 404


@pytest.fixture
def deal(cast):
    return DealFactory(customer=CustomerFactory(owner=cast.rep, name="日照宏达钢铁有限公司"))


def transfer(client, deal, to_user, reason="Rep A moves to the Singapore desk"):
    return client.post(reverse("deals:transfer", args=[deal.pk]), {"to_user": to_user.pk, "reason": reason})


def test_a_manager_transfers_a_deal_with_a_reason_and_it_is_recorded(client_as, cast, deal):
    response = transfer(client_as(cast.manager), deal, cast.account_manager)

    assert response.status_code == FOUND
    deal.refresh_from_db()
    assert (deal.owner, deal.version) == (cast.account_manager, 2)
    record = Transfer.objects.get()
    assert (record.deal, record.from_owner, record.to_owner, record.by, record.reason) == (
        deal, cast.rep, cast.account_manager, cast.manager, "Rep A moves to the Singapore desk")
    page = client_as(cast.manager).get(reverse("deals:detail", args=[deal.pk])).content.decode()
    assert "Rep A moves to the Singapore desk" in page and "Rep A → AM A, by Manager A" in page


def test_the_new_owner_is_told_at_once_in_their_inbox(client_as, cast, deal):
    transfer(client_as(cast.manager), deal, cast.account_manager)
    assert list(Reminder.objects.filter(done_at__isnull=True).values_list("recipient", "kind", "deal")) == [
        (cast.account_manager.pk, Reminder.Kind.TRANSFER, deal.pk)]
    inbox = client_as(cast.account_manager).get(reverse("reminders:inbox")).content.decode()
    assert "Transferred to you" in inbox and reverse("deals:detail", args=[deal.pk]) in inbox


def test_a_transfer_needs_a_reason_and_a_seller_of_the_managers_team(client_as, cast, deal):
    manager = client_as(cast.manager)
    assert "This field is required." in transfer(manager, deal, cast.account_manager, reason="").content.decode()
    page = transfer(manager, deal, cast.other_rep).content.decode()
    assert "Select a valid choice" in page
    deal.refresh_from_db()
    assert deal.owner == cast.rep and not Transfer.objects.exists()
    with pytest.raises(RuleError, match="active seller you manage"):
        transfers.deal_transfer(deal=deal, to_user=cast.other_rep, by=cast.manager, reason="x")


def test_the_director_transfers_across_teams(cast, deal):
    transfers.deal_transfer(deal=deal, to_user=cast.other_rep, by=cast.director, reason="Ore team takes coal")
    deal.refresh_from_db()
    assert deal.owner == cast.other_rep


def test_a_rep_cannot_transfer_their_own_deal(client_as, cast, deal):
    assert transfer(client_as(cast.rep), deal, cast.account_manager).status_code == FORBIDDEN
    with pytest.raises(RuleError, match="owner's manager or a director"):
        transfers.deal_transfer(deal=deal, to_user=cast.account_manager, by=cast.rep, reason="x")
    deal.refresh_from_db()
    assert deal.owner == cast.rep


TRANSFER_SCOPE = {role: MISSING for role in ROLES} | {
    "anonymous": FOUND, "director": OK, "manager": OK, "rep": FORBIDDEN, "service": FORBIDDEN, "marketing": FORBIDDEN}


@pytest.mark.parametrize("role", ROLES)
def test_the_deal_transfer_page_answers_each_position_as_the_policy_says(client_as, cast, deal, role):
    response = client_as(cast.by_role(role)).get(reverse("deals:transfer", args=[deal.pk]))
    assert response.status_code == TRANSFER_SCOPE[role]


@pytest.mark.parametrize("role", ROLES)
def test_the_customer_transfer_page_answers_each_position_as_the_policy_says(client_as, cast, deal, role):
    response = client_as(cast.by_role(role)).get(reverse("deals:customer_transfer", args=[deal.customer_id]))
    assert response.status_code == TRANSFER_SCOPE[role]


@pytest.mark.parametrize("role", ["other_manager", "other_rep", "account_manager", "rep"])
def test_a_transfer_posted_from_outside_changes_nothing(client_as, cast, deal, role):
    response = transfer(client_as(cast.by_role(role)), deal, cast.by_role(role))
    assert response.status_code in (FORBIDDEN, MISSING)
    deal.refresh_from_db()
    assert deal.owner == cast.rep and not Transfer.objects.exists()


def test_a_customer_transfer_takes_its_open_deals_and_leaves_the_signed_ones(client_as, cast, deal):
    signed = DealFactory(customer=deal.customer, stage=Stage.FOLLOW_UP, outcome=Outcome.WON, contract_number="C-1",
                         signed_on=datetime.date(2026, 11, 2))
    response = client_as(cast.manager).post(reverse("deals:customer_transfer", args=[deal.customer_id]), {
        "to_user": cast.account_manager.pk, "reason": "Account managers keep the steel mills",
        "with_open_deals": "on"})

    assert response.status_code == FOUND
    deal.customer.refresh_from_db()
    deal.refresh_from_db()
    signed.refresh_from_db()
    assert (deal.customer.owner, deal.owner, signed.owner) == (cast.account_manager, cast.account_manager, cast.rep)
    assert Transfer.objects.filter(customer=deal.customer).count() == 1
    assert Transfer.objects.filter(deal=deal).count() == 1
    page = client_as(cast.account_manager).get(reverse("customers:detail", args=[deal.customer_id])).content.decode()
    assert "Account managers keep the steel mills" in page


# A customer transfer moves its open deals, their reminders and their history in set-based writes, and asks
# for the two sellers' scorecards to be refreshed.
TRANSFER_QUERIES = 15


def test_a_customer_transfer_costs_the_same_queries_for_one_open_deal_or_many(cast, deal):
    moving = {"customer": deal.customer}
    deals = []

    def transfer():
        transfers.customer_transfer(customer=moving["customer"], to_user=cast.account_manager, by=cast.manager,
                                    reason="New desk")

    def grow():
        other = CustomerFactory(owner=cast.rep)
        deals.extend(DealFactory.create_batch(5, customer=other))
        for each in deals:  # each with a reminder of its own, closed by the transfer
            Reminder.objects.create(recipient=cast.rep, kind=Reminder.Kind.LAYCAN, cause=f"deal:{each.pk}:laycan",
                                    day=datetime.date(2026, 11, 30), deal=each, customer=other)
        moving["customer"] = other

    assert_queries_pinned(TRANSFER_QUERIES, transfer, grow)
    assert Deal.objects.filter(pk__in=[each.pk for each in deals], owner=cast.account_manager, version=2).count() == 5
    assert Transfer.objects.filter(deal__in=deals, to_owner=cast.account_manager).count() == 5
    assert Reminder.objects.filter(recipient=cast.account_manager, kind=Reminder.Kind.TRANSFER,
                                   deal__in=deals).count() == 5
    assert not Reminder.objects.filter(recipient=cast.rep, deal__in=deals, done_at__isnull=True).exists()
    assert set(Reminder.objects.filter(recipient=cast.rep, deal__in=deals).values_list("resolution", flat=True)) == {
        Reminder.Resolution.HANDED_OVER}


def test_the_customer_form_no_longer_changes_the_owner(client_as, cast, deal):
    page = client_as(cast.manager).get(reverse("customers:edit", args=[deal.customer_id])).content.decode()
    assert 'name="owner"' not in page


# --- Who is credited ---------------------------------------------------------------------------


def quarter_card(user) -> Scorecard:
    return Scorecard.objects.get(subject="rep", subject_id=user.pk, period="quarter",
                                 period_start=datetime.date(2026, 10, 1))


def sign(deal, by, on=datetime.date(2026, 11, 2)) -> Deal:
    terms = Deal.objects.get(pk=deal.pk)
    return services.deal_sign(deal=deal, terms=terms, contract_number=f"BS-{deal.pk}", signed_on=on, by=by,
                              expected_version=terms.version)


def test_a_deal_transferred_after_signing_stays_credited_to_the_owner_at_signing(cast, deal):
    deal.stage = Stage.NEGOTIATION
    signed = sign(deal, cast.rep)
    transfers.deal_transfer(deal=signed, to_user=cast.account_manager, by=cast.manager, reason="Rep leaves")
    compute_scorecards(period="quarter", start=datetime.date(2026, 11, 2))
    # 55,000 t x 80 USD x 7.1
    assert quarter_card(cast.rep).sales_amount == Decimal("31240000.00")
    assert quarter_card(cast.account_manager).sales_amount == 0


def test_a_deal_transferred_before_signing_is_credited_to_whoever_signs_it(cast, deal):
    transfers.deal_transfer(deal=deal, to_user=cast.account_manager, by=cast.manager, reason="Rep leaves")
    deal.refresh_from_db()
    sign(deal, cast.account_manager)
    compute_scorecards(period="quarter", start=datetime.date(2026, 11, 2))
    assert quarter_card(cast.account_manager).sales_amount == Decimal("31240000.00")
    assert quarter_card(cast.rep).sales_amount == 0


# --- A leaving person's hand-over ---------------------------------------------------------------


def test_a_hand_over_moves_open_reminders_next_steps_and_complaints_and_counts_each(cast, deal):
    leaver = cast.rep
    open_step = ActivityFactory(customer=deal.customer, owner=leaver, next_step="Call the buyer",
                                next_step_due=datetime.date(2026, 11, 1))
    done_step = ActivityFactory(customer=deal.customer, owner=leaver, next_step="Send the offer",
                                next_step_due=datetime.date(2026, 10, 1), next_step_done=True)
    complaint = ComplaintFactory(customer=deal.customer, assignee=leaver)
    Reminder.objects.create(recipient=leaver, kind="next_step", cause=f"activity:{open_step.pk}",
                            day=datetime.date(2026, 11, 29), activity=open_step, customer=deal.customer)
    Reminder.objects.create(recipient=leaver, kind="next_step", cause="activity:0", day=datetime.date(2026, 11, 1),
                            done_at="2026-11-02T08:00:00+08:00", resolution="done")

    record = hand_over(from_user=leaver, to_user=cast.account_manager, by=cast.director,
                       reason="Left the company", deactivate=True)

    assert record.moved == {"customers.Customer.owner": 1, "customers.Complaint.assignee": 1,
                            "pipeline.Deal.owner": 1, "pipeline.Activity.next_step_owner": 1,
                            "pipeline.Reminder.recipient": 1}
    open_step.refresh_from_db()
    done_step.refresh_from_db()
    complaint.refresh_from_db()
    assert (open_step.owner, open_step.next_step_owner) == (leaver, cast.account_manager)  # the visit stays theirs
    assert done_step.next_step_owner is None
    assert complaint.assignee == cast.account_manager
    assert not Reminder.objects.filter(recipient=leaver, done_at__isnull=True).exists()
    assert Reminder.objects.filter(recipient=leaver, done_at__isnull=False).count() == 1  # history stays
    assert HandOver.objects.get() == record


def test_a_hand_over_skips_a_reminder_the_successor_already_has_that_day(cast, deal):
    step = ActivityFactory(customer=deal.customer, owner=cast.rep, next_step="Call", next_step_due=datetime.date(
        2026, 11, 1))
    for person in (cast.rep, cast.account_manager):
        Reminder.objects.create(recipient=person, kind="next_step", cause=f"activity:{step.pk}",
                                day=datetime.date(2026, 11, 29), activity=step)
    record = hand_over(from_user=cast.rep, to_user=cast.account_manager, by=cast.director, reason="Left",
                       deactivate=False)
    assert "pipeline.Reminder.recipient" not in record.moved
    assert Reminder.objects.filter(recipient=cast.account_manager).count() == 1


def test_a_hand_over_to_a_position_that_cannot_own_deals_is_refused(cast, deal):
    with pytest.raises(RuleError):
        hand_over(from_user=cast.rep, to_user=UserFactory(position=Position.CUSTOMER_SERVICE), by=cast.director,
                  reason="x", deactivate=False)
    assert Activity.objects.filter(next_step_owner__isnull=False).count() == 0
