"""Follow-up reminders (跟进提醒): the hourly job raises one reminder per person, cause and day for
what needs them, escalates to the manager after the grace period, never duplicates on a rerun or a
retry; each person works through their own inbox and gets a morning digest in their language."""

import copy
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Position
from accounts.pages import PAGE_SIZE
from accounts.services import RuleError
from bulksales.celery import app
from customers.models import Complaint, Customer, Tier
from pipeline import reminders, selectors
from pipeline.context_processors import reminders as reminders_context
from pipeline.models import Activity, Deal, Outcome, Reminder
from pipeline.tasks import raise_follow_up_reminders, send_reminder_digests

from .factories import (
    ActivityFactory,
    CommodityFactory,
    ComplaintFactory,
    CustomerFactory,
    DealFactory,
    ShipmentFactory,
    SpecificationFactory,
    UserFactory,
)
from .queries import assert_queries_pinned, planner_settings

OK, FOUND, FORBIDDEN, MISSING, NOT_ALLOWED = 200, 302, 403, 404, 405
Kind = Reminder.Kind


def today():
    return timezone.localdate()


def next_step(owner, *, days_late: int, **fields) -> Activity:
    """An activity of `owner` whose next step was due `days_late` days ago."""
    return ActivityFactory(customer=CustomerFactory(owner=owner), owner=owner, next_step="Send the Q1 offer",
                           next_step_due=today() - timedelta(days=days_late), **fields)


def late_signing(owner, *, days_late: int, **fields) -> Deal:
    return DealFactory(customer=CustomerFactory(owner=owner), expected_signing_date=today() - timedelta(days=days_late),
                       **fields)


def overdue_complaint(customer, assignee, *, days_late: float) -> Complaint:
    """A complaint that has gone unanswered `days_late` days past its response deadline."""
    respond_by = timezone.now() - timedelta(days=days_late)
    return ComplaintFactory(customer=customer, assignee=assignee, received_at=respond_by - timedelta(hours=24),
                            respond_by=respond_by, resolve_by=respond_by + timedelta(days=9))


def raised() -> set[tuple[str, str, bool]]:
    """(recipient username, cause, escalated) of every reminder."""
    return set(Reminder.objects.values_list("recipient__username", "cause", "escalated"))


# --- Each cause, for the right person ----------------------------------------------------------------


def test_a_next_step_past_due_reminds_the_activity_owner(cast):
    late = next_step(cast.rep, days_late=1)
    next_step(cast.rep, days_late=1, next_step_done=True)
    next_step(cast.rep, days_late=0)  # due today: not late yet

    assert reminders.raise_reminders() == 1
    assert raised() == {("rep", f"activity:{late.pk}", False)}
    reminder = Reminder.objects.get()
    assert (reminder.kind, reminder.activity, reminder.customer, reminder.day) == (
        Kind.NEXT_STEP, late, late.customer, today())
    assert reminder.due_on == late.next_step_due


def test_a_customer_not_contacted_within_its_tier_cadence_reminds_the_owner(cast):
    now = timezone.now()
    high = CustomerFactory(owner=cast.rep, tier=Tier.HIGH, last_contacted_at=now - timedelta(days=8))  # weekly
    CustomerFactory(owner=cast.rep, tier=Tier.GENERAL, last_contacted_at=now - timedelta(days=8))  # monthly: fine
    never = CustomerFactory(owner=cast.account_manager, tier=Tier.GENERAL)
    young = CustomerFactory(owner=cast.account_manager, tier=Tier.GENERAL)
    lost = CustomerFactory(owner=cast.rep, tier=Tier.HIGH, status=Customer.Status.LOST,
                           last_contacted_at=now - timedelta(days=60))
    Customer.objects.filter(pk__in=[never.pk, lost.pk]).update(created_at=now - timedelta(days=31))
    Customer.objects.filter(pk=young.pk).update(created_at=now - timedelta(days=29))

    assert reminders.raise_reminders() == 2
    assert raised() == {("rep", f"customer:{high.pk}", False), ("am", f"customer:{never.pk}", False)}
    assert Reminder.objects.get(cause=f"customer:{high.pk}").due_on == timezone.localdate(now - timedelta(days=1))


def test_a_laycan_within_a_week_on_an_open_deal_reminds_the_deal_owner(cast):
    customer = CustomerFactory(owner=cast.rep)
    soon = DealFactory(customer=customer, laycan_start=today() + timedelta(days=7),
                       laycan_end=today() + timedelta(days=16))
    DealFactory(customer=customer, laycan_start=today() + timedelta(days=8))
    DealFactory(customer=customer, laycan_start=today() + timedelta(days=2), outcome=Outcome.LOST)
    signed = DealFactory(customer=customer, laycan_start=today() + timedelta(days=2), outcome=Outcome.WON,
                         stage="follow_up", contract_number="BS-2026-0001", signed_on=today())
    ShipmentFactory(deal=signed)  # its vessel nominated: nothing to remind of either

    assert reminders.raise_reminders() == 1
    assert raised() == {("rep", f"deal:{soon.pk}:laycan", False)}
    assert Reminder.objects.get().due_on == soon.laycan_start


def test_an_open_deal_past_its_expected_signing_date_reminds_the_deal_owner(cast):
    late = late_signing(cast.account_manager, days_late=1)
    late_signing(cast.account_manager, days_late=0)
    late_signing(cast.account_manager, days_late=5, outcome=Outcome.LOST)

    assert reminders.raise_reminders() == 1
    assert raised() == {("am", f"deal:{late.pk}:signing", False)}


def test_a_complaint_past_its_deadline_reminds_its_assignee(cast):
    customer = CustomerFactory(owner=cast.rep)
    late = overdue_complaint(customer, cast.service, days_late=0.5)
    answered = overdue_complaint(customer, cast.service, days_late=0.5)
    Complaint.objects.filter(pk=answered.pk).update(responded_at=timezone.now(), status=Complaint.Status.INVESTIGATING)

    assert reminders.raise_reminders() == 1
    assert raised() == {("service", f"complaint:{late.pk}", False)}
    assert Reminder.objects.get().complaint == late


def test_a_deal_with_both_a_laycan_and_a_late_signing_raises_both_causes(cast):
    deal = late_signing(cast.rep, days_late=1, laycan_start=today() + timedelta(days=6))

    reminders.raise_reminders()

    assert raised() == {("rep", f"deal:{deal.pk}:laycan", False), ("rep", f"deal:{deal.pk}:signing", False)}


# --- Escalation --------------------------------------------------------------------------------------


def test_a_next_step_three_days_late_escalates_to_the_team_manager(cast):
    within_grace = next_step(cast.rep, days_late=2)
    past_grace = next_step(cast.rep, days_late=3)

    reminders.raise_reminders()

    assert raised() == {
        ("rep", f"activity:{within_grace.pk}", False),
        ("rep", f"activity:{past_grace.pk}", False),
        ("manager", f"activity:{past_grace.pk}", True),
    }


def test_a_complaint_of_customer_service_escalates_to_the_active_directors(cast):
    second = UserFactory(username="director2", position=Position.DIRECTOR)
    UserFactory(username="retired", position=Position.DIRECTOR, is_active=False)
    complaint = overdue_complaint(CustomerFactory(owner=cast.rep), cast.service, days_late=4)

    reminders.raise_reminders()

    cause = f"complaint:{complaint.pk}"
    assert raised() == {("service", cause, False), ("director", cause, True), (second.username, cause, True)}


def test_a_managers_own_late_deal_escalates_to_the_director_not_to_themselves(cast):
    deal = late_signing(cast.manager, days_late=10)

    reminders.raise_reminders()

    assert raised() == {("manager", f"deal:{deal.pk}:signing", False), ("director", f"deal:{deal.pk}:signing", True)}


@pytest.mark.parametrize(("days_late", "expected"), [
    (6, [(1, False)]),                              # the owner alone for the first week
    (7, [(1, False), (2, True)]),                   # then their manager too
    (29, [(1, False), (2, True)]),
    (30, [(1, False), (2, True), (8, True), (9, True)]),  # and after a month the directors
])
def test_a_cause_with_its_own_schedule_escalates_to_the_manager_then_the_directors(days_late, expected):
    day = timezone.localdate()
    cause = reminders.Cause(kind=Kind.INVOICE_OVERDUE, key="invoice:1:overdue", owner_id=1, owner_active=True,
                            manager_id=2, due_on=day, late_since=day - timedelta(days=days_late),
                            escalate_after=timedelta(days=7), directors_after=timedelta(days=30))
    assert list(reminders.recipients(cause, day, directors=[8, 9])) == expected


def test_a_cause_of_someone_without_a_manager_reaches_the_directors_once():
    day = timezone.localdate()
    cause = reminders.Cause(kind=Kind.INVOICE_OVERDUE, key="invoice:1:overdue", owner_id=1, owner_active=True,
                            manager_id=None, due_on=day, late_since=day - timedelta(days=40),
                            escalate_after=timedelta(days=7), directors_after=timedelta(days=30))
    assert list(reminders.recipients(cause, day, directors=[8, 1])) == [(1, False), (8, True)]


def test_a_laycan_escalates_once_the_deal_sat_unsigned_for_the_grace_period_of_its_notice(cast):
    customer = CustomerFactory(owner=cast.rep)
    close = DealFactory(customer=customer, laycan_start=today() + timedelta(days=4))
    far = DealFactory(customer=customer, laycan_start=today() + timedelta(days=5))

    reminders.raise_reminders()

    assert ("manager", f"deal:{close.pk}:laycan", True) in raised()
    assert ("manager", f"deal:{far.pk}:laycan", True) not in raised()


def test_a_deactivated_owner_gets_no_reminder_but_their_manager_still_does(cast):
    activity = next_step(cast.rep, days_late=3)
    type(cast.rep).objects.filter(pk=cast.rep.pk).update(is_active=False)

    reminders.raise_reminders()

    assert raised() == {("manager", f"activity:{activity.pk}", True)}


# --- Idempotent however often, and after a crash ----------------------------------------------------


def test_running_the_job_twice_creates_nothing_the_second_time(cast):
    next_step(cast.rep, days_late=5)
    late_signing(cast.account_manager, days_late=1)

    assert raise_follow_up_reminders.delay().get() == 3
    assert raise_follow_up_reminders.delay().get() == 0
    assert Reminder.objects.count() == 3


def test_the_next_day_raises_a_fresh_reminder_for_a_cause_still_pending(cast):
    activity = next_step(cast.rep, days_late=1)
    reminders.raise_reminders()

    assert reminders.raise_reminders(now=timezone.now() + timedelta(days=1)) == 1
    assert list(Reminder.objects.filter(recipient=cast.rep).values_list("day", flat=True).order_by("day")) == [
        today(), today() + timedelta(days=1)]
    assert set(Reminder.objects.values_list("cause", flat=True)) == {f"activity:{activity.pk}"}


def test_a_worker_killed_mid_run_leaves_no_duplicates_after_the_retry(cast, monkeypatch):
    activities = [next_step(cast.rep, days_late=1) for _ in range(5)]
    monkeypatch.setattr(reminders, "BATCH_SIZE", 2)
    insert = reminders.insert_batch

    def insert_then_die(batch):
        insert(batch)
        raise SystemExit("worker killed")

    monkeypatch.setattr(reminders, "insert_batch", insert_then_die)
    with pytest.raises(SystemExit):
        raise_follow_up_reminders.delay()
    assert Reminder.objects.count() == 2

    monkeypatch.setattr(reminders, "insert_batch", insert)
    assert raise_follow_up_reminders.delay().get() == 3
    assert sorted(Reminder.objects.values_list("cause", flat=True)) == sorted(f"activity:{a.pk}" for a in activities)


def test_an_overlapping_run_inserting_the_same_rows_neither_fails_nor_duplicates(cast):
    next_step(cast.rep, days_late=1)
    reminders.raise_reminders()
    again = [Reminder(recipient=r.recipient, kind=r.kind, cause=r.cause, day=r.day) for r in Reminder.objects.all()]

    reminders.insert_batch(again)

    assert Reminder.objects.count() == 1


def test_a_reminder_marked_done_stays_done_when_the_job_runs_again(cast):
    next_step(cast.rep, days_late=1)
    reminders.raise_reminders()
    reminder = reminders.reminder_done(reminder=Reminder.objects.get(), by=cast.rep)

    assert reminders.raise_reminders() == 0
    assert Reminder.objects.get().done_at == reminder.done_at
    assert selectors.open_reminders(cast.rep, today()).count() == 0


def test_a_snooze_holds_back_new_reminders_for_that_cause_until_its_date(cast):
    activity = next_step(cast.rep, days_late=1)
    other = next_step(cast.rep, days_late=1)
    reminders.raise_reminders()
    mine = Reminder.objects.get(cause=f"activity:{activity.pk}")
    reminders.reminder_snooze(reminder=mine, until=today() + timedelta(days=3), by=cast.rep)

    def rep_causes_on(day_offset):
        day = today() + timedelta(days=day_offset)
        reminders.raise_reminders(now=timezone.now() + timedelta(days=day_offset))
        return set(Reminder.objects.filter(recipient=cast.rep, day=day).values_list("cause", flat=True))

    assert rep_causes_on(1) == {f"activity:{other.pk}"}
    assert rep_causes_on(2) == {f"activity:{other.pk}"}
    assert rep_causes_on(3) == {f"activity:{other.pk}", f"activity:{activity.pk}"}


def test_a_snooze_is_for_a_day_after_today_and_at_most_thirty_days(cast):
    next_step(cast.rep, days_late=1)
    reminders.raise_reminders()
    reminder = Reminder.objects.get()

    for until in (today(), today() + timedelta(days=31)):
        with pytest.raises(RuleError):
            reminders.reminder_snooze(reminder=reminder, until=until, by=cast.rep)
    with pytest.raises(RuleError):
        reminders.reminder_snooze(reminder=reminder, until=today() + timedelta(days=1), by=cast.manager)
    reminders.reminder_snooze(reminder=reminder, until=today() + timedelta(days=30), by=cast.rep)


# --- Selection in SQL ----------------------------------------------------------------------------------


def overdue_items(cast, count: int) -> None:
    customer = CustomerFactory(owner=cast.rep)
    for _ in range(count):
        ActivityFactory(customer=customer, owner=cast.rep, next_step_due=today() - timedelta(days=5))
        DealFactory(customer=customer, expected_signing_date=today() - timedelta(days=1),
                    laycan_start=today() + timedelta(days=2))
        overdue_complaint(customer, cast.service, days_late=0.5)
    stale = CustomerFactory.create_batch(count, owner=cast.account_manager, tier=Tier.HIGH)
    Customer.objects.filter(pk__in=[c.pk for c in stale]).update(created_at=timezone.now() - timedelta(days=8))


def test_the_jobs_query_count_does_not_grow_with_the_number_of_records(cast, django_assert_max_num_queries):
    counts = {}
    for total, more in ((3, 3), (30, 27)):
        overdue_items(cast, more)
        Reminder.objects.all().delete()
        # The open reminders' causes are read once, to close those whose cause went away; each kind of cause
        # is one query, the five of a contract's execution (pipeline/execution/reminders.py), the three of
        # letters of credit (pipeline/letters_of_credit/reminders.py) and the overdue invoices
        # (pipeline/receivables/reminders.py) among them; and the 210 rows in batches of 58 (four INSERTs).
        with CaptureQueriesContext(connection) as queries, django_assert_max_num_queries(23):
            added = reminders.raise_reminders()
        # Per item: a next step and its escalation, a laycan and its escalation, a late signing,
        # a complaint and a customer not contacted.
        assert added == total * 7
        inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
        assert len(inserts) == -(-added // reminders.BATCH_SIZE)  # one statement per batch
        counts[total] = len(queries) - len(inserts)

    assert counts[3] == counts[30]


# --- Reassigning an escalated follow-up ---------------------------------------------------------------


@pytest.fixture
def escalated_next_step(cast) -> Reminder:
    """The manager's escalated reminder about the rep's next step, five days late."""
    activity = next_step(cast.rep, days_late=5)
    reminders.raise_reminders()
    return Reminder.objects.get(recipient=cast.manager, cause=f"activity:{activity.pk}")


def test_a_manager_hands_an_escalated_next_step_to_a_team_member(cast, client_as, escalated_next_step):
    response = client_as(cast.manager).post(reverse("reminders:reassign", args=[escalated_next_step.pk]),
                                            {"to_user": cast.account_manager.pk})

    assert response.status_code == FOUND and response.url == reverse("reminders:inbox")
    activity = Activity.objects.get(pk=escalated_next_step.activity_id)
    # The follow-up work moves; the visit (and its credit) stays with the rep who logged it.
    assert (activity.owner, activity.next_step_owner) == (cast.rep, cast.account_manager)
    # The manager's reminder and the rep's are closed as handed over; the new person has it at once.
    assert list(Reminder.objects.filter(done_at__isnull=True).values_list("recipient", "cause")) == [
        (cast.account_manager.pk, escalated_next_step.cause)]
    assert set(Reminder.objects.filter(done_at__isnull=False).values_list("resolution", flat=True)) == {
        Reminder.Resolution.HANDED_OVER}
    reminders.raise_reminders(now=timezone.now() + timedelta(days=1))
    tomorrow = set(Reminder.objects.filter(day=today() + timedelta(days=1)).values_list("recipient__username", "cause"))
    assert ("am", escalated_next_step.cause) in tomorrow
    assert ("rep", escalated_next_step.cause) not in tomorrow


def test_the_person_a_next_step_was_handed_to_sees_it_and_marks_it_done(cast, client_as, escalated_next_step):
    reminders.reminder_reassign(reminder=escalated_next_step, to_user=cast.account_manager, by=cast.manager)
    client = client_as(cast.account_manager)
    assert "Send the Q1 offer" in client.get(reverse("activities:list")).content.decode()
    response = client.post(reverse("activities:done", args=[escalated_next_step.activity_id]))
    assert response.status_code == FOUND
    assert Activity.objects.get(pk=escalated_next_step.activity_id).next_step_done


def test_a_late_deal_is_not_handed_over_from_a_reminder_its_manager_transfers_it(cast, client_as):
    deal = late_signing(cast.rep, days_late=4)
    reminders.raise_reminders()
    reminder = Reminder.objects.get(recipient=cast.manager)

    response = client_as(cast.manager).post(reverse("reminders:reassign", args=[reminder.pk]),
                                            {"to_user": cast.account_manager.pk}, HTTP_HX_REQUEST="true")

    assert response.status_code == FORBIDDEN
    deal.refresh_from_db()
    assert (deal.owner, deal.version) == (cast.rep, 1)
    inbox = client_as(cast.manager).get(reverse("reminders:inbox")).content.decode()
    assert reverse("deals:transfer", args=[deal.pk]) in inbox
    assert reverse("deals:transfer", args=[deal.pk]) not in client_as(cast.rep).get(
        reverse("reminders:inbox")).content.decode()


def test_a_manager_cannot_hand_a_follow_up_to_someone_outside_their_team(cast, client_as, escalated_next_step):
    for outsider in (cast.other_rep, cast.other_manager, cast.director):
        response = client_as(cast.manager).post(reverse("reminders:reassign", args=[escalated_next_step.pk]),
                                                {"to_user": outsider.pk})
        assert response.status_code == MISSING

    assert Activity.objects.get(pk=escalated_next_step.activity_id).owner == cast.rep
    assert Reminder.objects.get(pk=escalated_next_step.pk).done_at is None
    with pytest.raises(RuleError):
        reminders.reminder_reassign(reminder=escalated_next_step, to_user=cast.other_rep, by=cast.manager)


def test_a_rep_cannot_reassign_their_own_reminder(cast, client_as, escalated_next_step):
    own = Reminder.objects.get(recipient=cast.rep)

    response = client_as(cast.rep).post(reverse("reminders:reassign", args=[own.pk]), {"to_user": cast.rep.pk})

    assert response.status_code == FORBIDDEN


def test_a_complaint_is_not_reassigned_from_a_reminder(cast, client_as):
    overdue_complaint(CustomerFactory(owner=cast.rep), cast.service, days_late=5)
    reminders.raise_reminders()
    reminder = Reminder.objects.get(recipient=cast.director)

    response = client_as(cast.director).post(reverse("reminders:reassign", args=[reminder.pk]),
                                             {"to_user": cast.rep.pk})

    assert response.status_code == FORBIDDEN


def test_the_inbox_offers_reassigning_only_on_a_managers_escalated_reminder(cast, client_as, escalated_next_step):
    manager_page = client_as(cast.manager).get(reverse("reminders:inbox")).content.decode()
    rep_page = client_as(cast.rep).get(reverse("reminders:inbox")).content.decode()

    reassign = reverse("reminders:reassign", args=[escalated_next_step.pk])
    assert f'action="{reassign}" hx-post="{reassign}"' in manager_page
    assert 'aria-label="Hand over to"' in manager_page and ">Hand over to…</option>" in manager_page
    assert f'<option value="{cast.account_manager.pk}">' in manager_page
    assert f'<option value="{cast.other_rep.pk}">' not in manager_page
    assert "reassign/" not in rep_page


# --- The inbox ---------------------------------------------------------------------------------------


def test_the_inbox_lists_my_open_reminders_only(cast, client_as):
    mine = next_step(cast.rep, days_late=1)
    done = next_step(cast.rep, days_late=1)
    snoozed = next_step(cast.rep, days_late=1)
    theirs = next_step(cast.account_manager, days_late=1)
    reminders.raise_reminders()
    reminders.reminder_done(reminder=Reminder.objects.get(activity=done), by=cast.rep)
    reminders.reminder_snooze(reminder=Reminder.objects.get(activity=snoozed), until=today() + timedelta(days=1),
                              by=cast.rep)

    response = client_as(cast.rep).get(reverse("reminders:inbox"))

    assert response.status_code == OK
    assert [r.activity for r in response.context["page"]] == [mine]
    assert Reminder.objects.get(activity=theirs).recipient == cast.account_manager


def test_the_inbox_shows_one_row_per_cause_with_yesterdays_still_open(cast, client_as):
    activity = next_step(cast.rep, days_late=2)
    reminders.raise_reminders(now=timezone.now() - timedelta(days=1))
    gone = next_step(cast.rep, days_late=2)
    reminders.raise_reminders(now=timezone.now() - timedelta(days=1))
    Activity.objects.filter(pk=gone.pk).update(next_step_done=True)

    def inbox():
        rows = client_as(cast.rep).get(reverse("reminders:inbox")).context["page"]
        return sorted((r.activity_id, r.day) for r in rows)

    # Before today's run, yesterday's reminders are still open.
    assert inbox() == sorted([(activity.pk, today() - timedelta(days=1)), (gone.pk, today() - timedelta(days=1))])
    reminders.raise_reminders()
    # Today's run raises the pending cause again (one row for it: today's) and closes the one whose
    # next step was done meanwhile.
    assert inbox() == [(activity.pk, today())]
    assert Reminder.objects.get(activity=gone).resolution == Reminder.Resolution.RESOLVED


def test_the_inbox_query_count_does_not_grow_with_the_number_of_reminders(cast, client_as):
    client = client_as(cast.manager)

    def late_work(count: int) -> None:
        for index in range(count):
            next_step(cast.rep, days_late=5)
            # Deals named by their specification's grade, each its own (the row names the deal).
            commodity = CommodityFactory(name=f"Coal {index} of {count}")
            late_signing(cast.rep, days_late=5, commodity=commodity,
                         specification=SpecificationFactory(commodity=commodity))
        reminders.raise_reminders()

    late_work(3)
    # 8: one of them the manager's teams, to offer "Transfer the deal…" on the escalated late deals; one the
    # deals' specifications (their grade names them); one the bell's count, which counting no coaching waiting
    # leaves the coaching panel's two unasked (pipeline.inbox_panels).
    # And the page's keys, read before its rows (their joins planned as written: planner_settings).
    few, many = assert_queries_pinned(9 + planner_settings(), lambda: client.get(reverse("reminders:inbox")),
                                      lambda: late_work(20))
    assert few.status_code == many.status_code == OK


def test_the_inbox_pages_its_reminders_by_due_date_escalated_first_on_a_day(cast, client_as):
    """The page's keys are read first and its rows after them: each page holds the next reminders in the inbox's
    order (due first, on the same day the escalated ones, then the oldest), with what each is about."""
    customer = CustomerFactory(owner=cast.rep)
    raised_on = [Reminder(recipient=cast.rep, kind=Kind.NOT_CONTACTED, cause=f"customer:{number}", day=today(),
                          customer=customer, due_on=today() + timedelta(days=number % 7), escalated=number % 3 == 0)
                 for number in range(PAGE_SIZE + 5)]
    Reminder.objects.bulk_create(raised_on)
    Reminder.objects.create(recipient=cast.rep, kind=Kind.NOT_CONTACTED, cause="customer:done", day=today(),
                            customer=customer, due_on=today(), done_at=timezone.now())
    expected = sorted(Reminder.objects.filter(recipient=cast.rep, done_at=None),
                      key=lambda reminder: (reminder.due_on, not reminder.escalated, reminder.pk))
    client = client_as(cast.rep)
    first, second = (client.get(reverse("reminders:inbox"), {"page": number}).context["page"] for number in (1, 2))
    assert [reminder.pk for reminder in first] == [reminder.pk for reminder in expected[:PAGE_SIZE]]
    assert [reminder.pk for reminder in second] == [reminder.pk for reminder in expected[PAGE_SIZE:]]
    assert first.paginator.count == PAGE_SIZE + 5
    assert all(reminder.customer.name == customer.name for reminder in [*first, *second])


def test_anonymous_is_sent_to_sign_in(client_as, cast):
    client = client_as(None)
    for url in (reverse("reminders:inbox"), reverse("reminders:done", args=[1])):
        response = client.post(url) if "done" in url else client.get(url)
        assert response.status_code == FOUND and reverse("accounts:login") in response.url


@pytest.mark.parametrize("role", ["director", "manager", "account_manager", "other_rep", "service"])
@pytest.mark.parametrize("action", ["done", "snooze", "reassign"])
def test_another_persons_reminder_answers_404(cast, client_as, role, action):
    next_step(cast.rep, days_late=1)
    reminders.raise_reminders()
    reminder = Reminder.objects.get(recipient=cast.rep)

    response = client_as(cast.by_role(role)).post(reverse(f"reminders:{action}", args=[reminder.pk]),
                                                  {"days": 1, "to_user": cast.account_manager.pk})

    assert response.status_code == MISSING
    assert Reminder.objects.get(pk=reminder.pk).done_at is None


def test_done_without_javascript_redirects_back_to_the_inbox(cast, client_as):
    next_step(cast.rep, days_late=1)
    reminders.raise_reminders()
    reminder = Reminder.objects.get()
    client = client_as(cast.rep)

    assert client.get(reverse("reminders:done", args=[reminder.pk])).status_code == NOT_ALLOWED
    response = client.post(reverse("reminders:done", args=[reminder.pk]), follow=True)

    assert response.redirect_chain == [(reverse("reminders:inbox"), FOUND)]
    assert "Marked done." in response.content.decode()
    assert Reminder.objects.get().done_at is not None


def test_done_with_htmx_swaps_the_row(cast, client_as):
    next_step(cast.rep, days_late=1)
    reminders.raise_reminders()
    reminder = Reminder.objects.get()

    response = client_as(cast.rep).post(reverse("reminders:done", args=[reminder.pk]), HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == OK
    assert html.lstrip().startswith(f'<tr id="reminder-{reminder.pk}"') and "<html" not in html
    assert reverse("reminders:done", args=[reminder.pk]) not in html  # no button left to press


def test_snoozing_from_the_inbox_hides_the_reminder_until_its_date(cast, client_as):
    next_step(cast.rep, days_late=1)
    reminders.raise_reminders()
    reminder = Reminder.objects.get()
    client = client_as(cast.rep)

    assert client.post(reverse("reminders:snooze", args=[reminder.pk]), {"days": 5}).status_code == FOUND
    assert Reminder.objects.get().snoozed_until is None  # only 1, 3 or 7 days are offered
    response = client.post(reverse("reminders:snooze", args=[reminder.pk]), {"days": 3}, HTTP_HX_REQUEST="true")

    assert response.status_code == OK
    assert Reminder.objects.get().snoozed_until == today() + timedelta(days=3)
    assert "Snoozed until" in response.content.decode()  # its row, swapped in place
    assert list(client.get(reverse("reminders:inbox")).context["page"]) == []


def test_a_row_says_what_to_do_in_the_readers_language_with_its_own_forms(cast, client_as):
    cast.rep.language = "zh-hans"
    cast.rep.save()
    activity = next_step(cast.rep, days_late=1)
    reminders.raise_reminders()
    reminder = Reminder.objects.get(activity=activity)
    html = client_as(cast.rep).get(reverse("reminders:inbox")).content.decode()
    for address in ("reminders:done", "reminders:snooze"):
        url = reverse(address, args=[reminder.pk])
        assert f'action="{url}" hx-post="{url}"' in html
    # Each form carries the page's CSRF token (the rows are written in Python: reminder_rows.py).
    assert len(re.findall(r'name="csrfmiddlewaretoken" value="\w{64}"', html)) >= 2
    assert 'data-label="到期日"' in html and 'data-label="负责人"' in html
    assert "已完成</button>" in html and 'title="稍后提醒"' in html
    assert [f'value="{days}" title="稍后提醒">{days} 天</button>' in html for days in (1, 3, 7)] == [True] * 3
    assert selectors.open_reminders(cast.rep, today() + timedelta(days=3)).get() == reminder


# --- The morning digest ----------------------------------------------------------------------------


def test_the_digest_emails_each_person_their_open_reminders_in_their_language(cast, mailoutbox):
    cast.service.language = "zh-hans"
    cast.service.save()
    complaint = overdue_complaint(CustomerFactory(owner=cast.rep), cast.service, days_late=0.5)
    next_step(cast.rep, days_late=1)
    handled = next_step(cast.account_manager, days_late=1)
    reminders.raise_reminders()
    reminders.reminder_done(reminder=Reminder.objects.get(activity=handled), by=cast.account_manager)

    assert send_reminder_digests.delay().get() == 2

    mails = {mail.to[0]: mail for mail in mailoutbox}
    assert set(mails) == {cast.rep.email, cast.service.email}
    english, chinese = mails[cast.rep.email].body, mails[cast.service.email].body
    assert "Send the Q1 offer" in english and "Next step past due" in english
    assert f"客户投诉 #{complaint.pk} 质量不达标" in chinese
    assert "Quality off-spec" not in chinese


def test_the_digest_goes_once_a_day_however_often_it_runs(cast, mailoutbox):
    next_step(cast.rep, days_late=1)
    reminders.raise_reminders()

    assert send_reminder_digests.delay().get() == 1
    assert send_reminder_digests.delay().get() == 0
    assert len(mailoutbox) == 1
    assert [r.cause for r in selectors.digest_for(cast.rep, today())] == [Reminder.objects.get().cause]


# --- The navigation bar and the schedule -------------------------------------------------------------


def test_the_nav_count_is_one_query(cast, rf, django_assert_num_queries):
    next_step(cast.rep, days_late=1)
    next_step(cast.rep, days_late=4)
    reminders.raise_reminders()
    request = rf.get("/")
    request.user = cast.rep

    context = reminders_context(request)
    with django_assert_num_queries(1):
        assert context["reminder_count"] == 2
    request.user = cast.manager
    assert reminders_context(request)["reminder_count"] == 1


def test_the_nav_shows_no_count_to_anonymous(rf):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/")
    request.user = AnonymousUser()
    assert reminders_context(request) == {}


def test_the_nav_badge_shows_the_open_reminders(cast, client_as, settings):
    templates = copy.deepcopy(settings.TEMPLATES)
    processors = templates[0]["OPTIONS"]["context_processors"]
    if "pipeline.context_processors.reminders" not in processors:
        processors.append("pipeline.context_processors.reminders")
    settings.TEMPLATES = templates
    next_step(cast.rep, days_late=1)
    reminders.raise_reminders()

    rep_page = client_as(cast.rep).get(reverse("accounts:profile")).content.decode()
    other_page = client_as(cast.other_rep).get(reverse("accounts:profile")).content.decode()

    assert '<span id="reminder-count" class="badge rounded-pill text-bg-danger">1</span>' in rep_page
    assert reverse("reminders:inbox") in other_page and 'id="reminder-count"' not in other_page


def test_beat_raises_reminders_hourly_and_sends_digests_each_morning():
    schedule = app.conf.beat_schedule
    raising = schedule["raise-follow-up-reminders"]
    digest = schedule["send-reminder-digests"]

    assert raising["task"] == "pipeline.tasks.raise_follow_up_reminders"
    assert raising["schedule"].minute == {5} and len(raising["schedule"].hour) == 24
    assert digest["task"] == "pipeline.tasks.send_reminder_digests"
    assert (digest["schedule"].hour, digest["schedule"].minute) == ({7}, {30})
    assert raise_follow_up_reminders.acks_late
