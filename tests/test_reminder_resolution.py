"""Follow-up reminders (跟进提醒) that close themselves: at each run, an open reminder of the job's own
kinds whose cause has gone away (the next step done, the customer contacted, the contract signed, the
complaint resolved) is closed as "resolved", snoozed or not, in one UPDATE; other kinds are left to
people; a person's Done is recorded as "done"; a second run changes nothing."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.complaints import complaint_transition
from customers.models import Complaint, Customer, Tier
from pipeline import activities, reminders, selectors, services
from pipeline.models import Activity, Deal, Reminder

from .factories import ActivityFactory, ComplaintFactory, CustomerFactory, DealFactory

Kind, Resolution = Reminder.Kind, Reminder.Resolution


def today():
    return timezone.localdate()


def late_next_step(owner, *, days_late: int = 1) -> Activity:
    return ActivityFactory(customer=CustomerFactory(owner=owner), owner=owner, next_step="Send the Q1 offer",
                           next_step_due=today() - timedelta(days=days_late))


def stale_customer(owner) -> Customer:
    """A high-value customer last contacted 8 days ago: past its weekly cadence."""
    return CustomerFactory(owner=owner, tier=Tier.HIGH, last_contacted_at=timezone.now() - timedelta(days=8))


def unsigned_deal(owner) -> Deal:
    """In negotiation, past its expected signing date, with a laycan in 6 days: two causes (neither
    escalated yet)."""
    return DealFactory(customer=CustomerFactory(owner=owner), expected_signing_date=today() - timedelta(days=1),
                       laycan_start=today() + timedelta(days=6), laycan_end=today() + timedelta(days=15))


def unanswered_complaint(customer, assignee) -> Complaint:
    respond_by = timezone.now() - timedelta(hours=12)
    return ComplaintFactory(customer=customer, assignee=assignee, received_at=respond_by - timedelta(hours=24),
                            respond_by=respond_by, resolve_by=respond_by + timedelta(days=9))


def state(cause: str) -> set[tuple[str, bool, str]]:
    """(recipient, open, resolution) of every reminder of a cause."""
    return {(username, done_at is None, resolution) for username, done_at, resolution in
            Reminder.objects.filter(cause=cause).values_list("recipient__username", "done_at", "resolution")}


# --- Each cause going away ------------------------------------------------------------------------------


def test_a_next_step_done_closes_its_reminder_at_the_next_run_as_resolved(cast):
    activity = late_next_step(cast.rep)
    reminders.raise_reminders()
    activities.next_step_done(activity=activity, by=cast.rep)

    later = timezone.now()
    reminders.raise_reminders(now=later)

    reminder = Reminder.objects.get(cause=f"activity:{activity.pk}")
    assert (reminder.done_at, reminder.resolution) == (later, Resolution.RESOLVED)
    assert selectors.open_reminders(cast.rep, today()).count() == 0


def test_a_customer_contacted_by_a_new_activity_closes_its_not_contacted_reminder(cast):
    customer = stale_customer(cast.rep)
    reminders.raise_reminders()
    assert state(f"customer:{customer.pk}") == {("rep", True, "")}

    activities.activity_log(activity=Activity(customer=customer, kind=Activity.Kind.CALL,
                                              happened_at=timezone.now() - timedelta(minutes=5),
                                              summary="Called about Q1 volumes."), contacts=[], by=cast.rep)
    reminders.raise_reminders()

    assert state(f"customer:{customer.pk}") == {("rep", False, Resolution.RESOLVED)}


def test_a_deal_signed_closes_its_laycan_and_late_signing_reminders(cast):
    deal = unsigned_deal(cast.rep)
    reminders.raise_reminders()
    assert set(Reminder.objects.values_list("cause", flat=True)) == {f"deal:{deal.pk}:laycan",
                                                                     f"deal:{deal.pk}:signing"}

    services.deal_sign(deal=deal, terms=Deal.objects.get(pk=deal.pk), contract_number="BS-2026-0042",
                       signed_on=today(), by=cast.rep, expected_version=deal.version)
    reminders.raise_reminders()

    assert state(f"deal:{deal.pk}:laycan") == state(f"deal:{deal.pk}:signing") == {
        ("rep", False, Resolution.RESOLVED)}


def test_a_complaint_resolved_closes_its_reminder(cast):
    complaint = unanswered_complaint(CustomerFactory(owner=cast.rep), cast.service)
    reminders.raise_reminders()
    assert state(f"complaint:{complaint.pk}") == {("service", True, "")}

    complaint_transition(complaint=complaint, to_status=Complaint.Status.RESOLVED, by=cast.service,
                         text="Price adjusted for the ash content.")
    reminders.raise_reminders()

    assert state(f"complaint:{complaint.pk}") == {("service", False, Resolution.RESOLVED)}


def test_every_open_reminder_of_the_cause_closes_escalated_and_older_days_too(cast):
    activity = late_next_step(cast.rep, days_late=5)  # escalated to the rep's manager
    reminders.raise_reminders(now=timezone.now() - timedelta(days=1))
    reminders.raise_reminders()
    assert Reminder.objects.filter(done_at__isnull=True).count() == 4  # rep and manager, yesterday and today

    Activity.objects.filter(pk=activity.pk).update(next_step_done=True)
    reminders.raise_reminders()

    assert state(f"activity:{activity.pk}") == {("rep", False, Resolution.RESOLVED),
                                                ("manager", False, Resolution.RESOLVED)}


def test_a_snoozed_reminder_whose_cause_went_away_is_closed_too(cast):
    activity = late_next_step(cast.rep)
    reminders.raise_reminders()
    reminders.reminder_snooze(reminder=Reminder.objects.get(), until=today() + timedelta(days=3), by=cast.rep)

    Activity.objects.filter(pk=activity.pk).update(next_step_done=True)
    reminders.raise_reminders()

    reminder = Reminder.objects.get()
    assert reminder.done_at is not None and reminder.resolution == Resolution.RESOLVED


# --- What is left alone -----------------------------------------------------------------------------------


def test_a_reminder_whose_cause_is_still_there_stays_open(cast):
    pending, done = late_next_step(cast.rep), late_next_step(cast.rep)
    reminders.raise_reminders()
    Activity.objects.filter(pk=done.pk).update(next_step_done=True)

    reminders.raise_reminders()

    assert state(f"activity:{pending.pk}") == {("rep", True, "")}
    assert state(f"activity:{done.pk}") == {("rep", False, Resolution.RESOLVED)}


def test_a_reminder_of_a_kind_the_job_does_not_raise_is_never_closed_by_it(cast):
    other_kinds = [kind for kind in Kind if kind not in reminders.JOB_KINDS]
    assert other_kinds, "every kind is the job's: nothing to check"
    for kind in other_kinds:
        Reminder.objects.create(recipient=cast.manager, kind=kind, cause=f"nothing-the-job-finds:{kind}", day=today())

    reminders.raise_reminders()
    reminders.raise_reminders(now=timezone.now() + timedelta(days=1))

    assert not Reminder.objects.filter(done_at__isnull=False).exists()
    assert set(Reminder.objects.values_list("resolution", flat=True)) == {""}


def test_the_jobs_kinds_are_the_fourteen_it_raises():
    assert set(reminders.JOB_KINDS) == {Kind.NEXT_STEP, Kind.NOT_CONTACTED, Kind.LAYCAN, Kind.SIGNING_LATE,
                                        Kind.COMPLAINT, Kind.NOMINATION, Kind.BL_TOLERANCE, Kind.OFF_SPEC,
                                        Kind.DEMURRAGE, Kind.FINAL_VALUE, Kind.LC_NOT_RECEIVED, Kind.LC_EXPIRING,
                                        Kind.LC_SHIPMENT_DATE, Kind.INVOICE_OVERDUE}


def test_a_reminder_marked_done_by_its_person_is_recorded_as_done_and_the_job_leaves_it(cast):
    activity = late_next_step(cast.rep)
    reminders.raise_reminders()
    done = reminders.reminder_done(reminder=Reminder.objects.get(), by=cast.rep)
    assert done.resolution == Resolution.DONE

    Activity.objects.filter(pk=activity.pk).update(next_step_done=True)
    reminders.raise_reminders()

    reminder = Reminder.objects.get()
    assert (reminder.done_at, reminder.resolution) == (done.done_at, Resolution.DONE)


def test_marking_done_a_reminder_the_job_closed_keeps_its_resolution(cast):
    activity = late_next_step(cast.rep)
    reminders.raise_reminders()
    reminder = Reminder.objects.get()
    Activity.objects.filter(pk=activity.pk).update(next_step_done=True)
    reminders.raise_reminders()

    answer = reminders.reminder_done(reminder=reminder, by=cast.rep)

    assert answer.resolution == Resolution.RESOLVED
    assert Reminder.objects.get().resolution == Resolution.RESOLVED


def test_the_inbox_row_says_resolved_rather_than_done(cast, client_as):
    from django.urls import reverse

    activity = late_next_step(cast.rep)
    reminders.raise_reminders()
    reminder = Reminder.objects.get()
    Activity.objects.filter(pk=activity.pk).update(next_step_done=True)
    reminders.raise_reminders()

    response = client_as(cast.rep).post(reverse("reminders:done", args=[reminder.pk]), HTTP_HX_REQUEST="true")

    assert "Resolved: its cause went away" in response.content.decode()


# --- Idempotent, and a fixed number of queries ----------------------------------------------------------


def test_a_second_run_closes_nothing_more_and_changes_nothing(cast):
    gone = [late_next_step(cast.rep) for _ in range(3)]
    reminders.raise_reminders()
    Activity.objects.filter(pk__in=[a.pk for a in gone]).update(next_step_done=True)
    first = timezone.now()
    assert reminders.resolve_gone_causes(set(), now=first) == 3
    rows = list(Reminder.objects.order_by("pk").values_list("pk", "done_at", "resolution"))

    assert reminders.raise_reminders(now=first + timedelta(minutes=5)) == 0
    assert reminders.resolve_gone_causes(set(), now=first + timedelta(hours=1)) == 0
    assert list(Reminder.objects.order_by("pk").values_list("pk", "done_at", "resolution")) == rows


def gone_causes(cast, count: int) -> None:
    """`count` of each of the five causes, raised, then all gone."""
    customer = CustomerFactory(owner=cast.rep)
    for _ in range(count):
        late_next_step(cast.rep)
        unsigned_deal(cast.rep)
        stale_customer(cast.account_manager)
        unanswered_complaint(customer, cast.service)
    reminders.raise_reminders()
    Activity.objects.update(next_step_done=True)
    Deal.objects.update(outcome="lost")
    Customer.objects.update(last_contacted_at=timezone.now())
    Complaint.objects.update(status=Complaint.Status.CLOSED)


def test_closing_takes_as_many_queries_for_30_gone_causes_as_for_3(cast):
    counts = {}
    for total, more in ((3, 3), (30, 27)):
        Reminder.objects.all().delete()
        gone_causes(cast, more)
        with CaptureQueriesContext(connection) as queries:
            assert reminders.raise_reminders() == 0
        updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
        assert len(updates) == 1  # one UPDATE closes them all
        assert Reminder.objects.filter(done_at__isnull=True).count() == 0
        assert Reminder.objects.filter(resolution=Resolution.RESOLVED).count() == more * 5  # the new ones
        counts[total] = len(queries)

    assert counts[3] == counts[30]
