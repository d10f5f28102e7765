"""Follow-up reminders (跟进提醒): what the hourly job raises for whom, and what a person does with one.

The job finds every cause in a handful of SQL queries (one per kind of cause), then inserts the
reminders it has not raised yet today with `bulk_create(ignore_conflicts=True)` in fixed-size
batches. The unique constraint (recipient, cause, day) claims each row, so a rerun, a retry after
a crash or two overlapping runs never duplicate one, never fail, and never reopen a reminder that
was marked done.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import access
from accounts.digests import digests_send
from accounts.models import Position, User
from accounts.services import RuleError
from customers import selectors as customer_selectors
from customers.models import Complaint, Customer, TierPolicy
from customers.selectors import overdue_q

from . import selectors
from .models import Activity, Deal, Outcome, Reminder

Kind = Reminder.Kind

# How long past its due date or deadline a cause may stay unhandled before the person's manager
# (or, for someone without one, the sales directors) gets a second, escalated reminder.
ESCALATION_GRACE = timedelta(days=3)
# A laycan this close on a deal not yet signed needs the owner: the vessel is about to arrive.
LAYCAN_NOTICE = timedelta(days=7)
LONGEST_SNOOZE = timedelta(days=30)
SNOOZE_DAYS = (1, 3, 7)  # what the inbox's buttons offer
# Rows per INSERT: 17 columns a row stay within SQLite's default 999 bound parameters, so each
# batch is one statement on every backend.
BATCH_SIZE = 58
# Causes whose follow-up work a manager may hand to a team member from an escalated reminder (a deal
# changes hands only by a transfer, never from a reminder).
REASSIGNABLE = (Kind.NEXT_STEP,)
# Causes about a deal's own state (its laycan, its signing): a manager may transfer the deal instead.
DEAL_KINDS = (Kind.LAYCAN, Kind.SIGNING_LATE)
# The kinds this job raises, and so the only ones it closes when their cause goes away; reminders of
# other kinds (raised at once by a person's action) are closed by people, never by the job.
JOB_KINDS = (Kind.NEXT_STEP, Kind.NOT_CONTACTED, Kind.LAYCAN, Kind.SIGNING_LATE, Kind.COMPLAINT, Kind.NOMINATION,
             Kind.BL_TOLERANCE, Kind.OFF_SPEC, Kind.DEMURRAGE, Kind.FINAL_VALUE, Kind.LC_NOT_RECEIVED,
             Kind.LC_EXPIRING, Kind.LC_SHIPMENT_DATE, Kind.INVOICE_OVERDUE)
# Cause keys per UPDATE when closing: far below SQLite's 32,766 bound parameters, so an ordinary run
# (a few causes gone since the last hour) is one statement.
RESOLVE_BATCH = 5000


@dataclass(frozen=True)
class Cause:
    """Something that needs a person, as found by one of the selection queries."""

    kind: str
    key: str  # the reminder's `cause`, e.g. "deal:7:laycan"
    owner_id: int
    owner_active: bool
    manager_id: int | None  # the owner's active team manager, if any
    due_on: date  # the date shown to the person
    late_since: date  # the date the grace period runs from
    customer_id: int | None = None
    deal_id: int | None = None
    activity_id: int | None = None
    complaint_id: int | None = None
    # When the manager (or, for someone without one, the directors) gets it too, and whether and when the
    # directors get it as well: an overdue invoice goes to the manager after 7 days, the director after 30.
    escalate_after: timedelta = ESCALATION_GRACE
    directors_after: timedelta | None = None


def manager_of(row: Mapping[str, Any], owner: str) -> int | None:
    """The owner's active team manager, from a row of `people(owner)`."""
    if row[f"{owner}__team__manager_id"] and row[f"{owner}__team__manager__is_active"]:
        return row[f"{owner}__team__manager_id"]
    return None


def people(owner: str) -> list[str]:
    """The columns a cause needs of its owner (as `owner`), for `manager_of`."""
    return [f"{owner}_id", f"{owner}__is_active", f"{owner}__team__manager_id", f"{owner}__team__manager__is_active"]


# --- The causes, one query each -------------------------------------------------------------------


def next_step_taker() -> dict[str, Coalesce]:
    """Who takes an activity's next step (the person it was handed to, else who logged the activity),
    as annotations named `taker_<n>` for each of `people("owner")`."""
    return {f"taker_{index}": Coalesce(name.replace("owner", "next_step_owner", 1), name)
            for index, name in enumerate(people("owner"))}


def next_steps_past_due(today: date) -> list[Cause]:
    taker = next_step_taker()
    found = Activity.objects.filter(next_step_done=False, next_step_due__lt=today).order_by().values(
        "pk", "customer_id", "deal_id", "next_step_due", **taker)
    # Back to the names `manager_of` and the cause read (owner_id, owner__is_active...).
    names = dict(zip(taker, people("owner"), strict=True))
    rows: list[dict[str, Any]] = [{names.get(key, key): value for key, value in row.items()} for row in found]
    return [
        Cause(
            kind=Kind.NEXT_STEP, key=f"activity:{row['pk']}", owner_id=row["owner_id"],
            owner_active=row["owner__is_active"], manager_id=manager_of(row, "owner"),
            due_on=row["next_step_due"], late_since=row["next_step_due"],
            customer_id=row["customer_id"], deal_id=row["deal_id"], activity_id=row["pk"],
        )
        for row in rows
    ]


def customers_not_contacted(now: datetime) -> list[Cause]:
    """Customers not contacted within their tier's cadence (or never, since longer than that)."""
    gaps = dict(TierPolicy.objects.values_list("tier", "max_contact_gap_days"))
    rows = (
        Customer.objects.filter(customer_selectors.overdue_for_contact_q(now))
        .order_by()
        .values("pk", "tier", "last_contacted_at", "created_at", *people("owner"))
    )
    causes = []
    for row in rows:
        due_on = timezone.localdate((row["last_contacted_at"] or row["created_at"]) + timedelta(days=gaps[row["tier"]]))
        causes.append(Cause(
            kind=Kind.NOT_CONTACTED, key=f"customer:{row['pk']}", owner_id=row["owner_id"],
            owner_active=row["owner__is_active"], manager_id=manager_of(row, "owner"),
            due_on=due_on, late_since=due_on, customer_id=row["pk"],
        ))
    return causes


def laycans_soon(today: date) -> list[Cause]:
    soon = Deal.objects.filter(outcome=Outcome.OPEN, laycan_start__range=(today, today + LAYCAN_NOTICE))
    rows = soon.order_by().values("pk", "customer_id", "laycan_start", *people("owner"))
    return [
        Cause(
            kind=Kind.LAYCAN, key=f"deal:{row['pk']}:laycan", owner_id=row["owner_id"],
            owner_active=row["owner__is_active"], manager_id=manager_of(row, "owner"),
            # Shown: the laycan itself. Escalated: once the deal has sat unsigned for the grace
            # period inside the notice window, i.e. from the laycan minus notice plus grace.
            due_on=row["laycan_start"], late_since=row["laycan_start"] - LAYCAN_NOTICE,
            customer_id=row["customer_id"], deal_id=row["pk"],
        )
        for row in rows
    ]


def signings_late(today: date) -> list[Cause]:
    rows = Deal.objects.filter(outcome=Outcome.OPEN, expected_signing_date__lt=today).order_by().values(
        "pk", "customer_id", "expected_signing_date", *people("owner")
    )
    return [
        Cause(
            kind=Kind.SIGNING_LATE, key=f"deal:{row['pk']}:signing", owner_id=row["owner_id"],
            owner_active=row["owner__is_active"], manager_id=manager_of(row, "owner"),
            due_on=row["expected_signing_date"], late_since=row["expected_signing_date"],
            customer_id=row["customer_id"], deal_id=row["pk"],
        )
        for row in rows
    ]


def complaints_overdue(now: datetime) -> list[Cause]:
    rows = Complaint.objects.filter(overdue_q(now)).order_by().values(
        "pk", "customer_id", "status", "responded_at", "respond_by", "resolve_by", *people("assignee")
    )
    causes = []
    for row in rows:
        # The first deadline missed: the response if still unanswered, else the resolution.
        unanswered = row["status"] == Complaint.Status.OPEN and row["responded_at"] is None
        deadline = row["respond_by"] if unanswered and row["respond_by"] < now else row["resolve_by"]
        due_on = timezone.localdate(deadline)
        causes.append(Cause(
            kind=Kind.COMPLAINT, key=f"complaint:{row['pk']}", owner_id=row["assignee_id"],
            owner_active=row["assignee__is_active"], manager_id=manager_of(row, "assignee"),
            due_on=due_on, late_since=due_on, customer_id=row["customer_id"], complaint_id=row["pk"],
        ))
    return causes


# Cause finders of the apps built on the pipeline (contract execution), registered in their ready().
_registered_finders: list[Callable[[datetime], list[Cause]]] = []


def register_causes(finder: Callable[[datetime], list[Cause]]) -> None:
    if finder not in _registered_finders:
        _registered_finders.append(finder)


def find_causes(now: datetime) -> list[Cause]:
    today = timezone.localdate(now)
    return [
        *next_steps_past_due(today),
        *customers_not_contacted(now),
        *laycans_soon(today),
        *signings_late(today),
        *complaints_overdue(now),
        *(cause for finder in _registered_finders for cause in finder(now)),
    ]


# --- Raising ---------------------------------------------------------------------------------------


def active_directors() -> list[int]:
    return list(User.objects.filter(is_active=True, position=Position.DIRECTOR).order_by().values_list("pk", flat=True))


def recipients(cause: Cause, today: date, directors: list[int]) -> Iterator[tuple[int, bool]]:
    """(recipient id, escalated) for each person this cause needs today."""
    if cause.owner_active:
        yield cause.owner_id, False
    escalate_to: list[int] = []
    if cause.late_since + cause.escalate_after <= today:
        escalate_to = [cause.manager_id] if cause.manager_id and cause.manager_id != cause.owner_id else directors
    if cause.directors_after is not None and cause.late_since + cause.directors_after <= today:
        escalate_to = [*escalate_to, *(person for person in directors if person not in escalate_to)]
    for person in escalate_to:
        if person != cause.owner_id:
            yield person, True


def _batches(rows: list[Reminder]) -> Iterator[list[Reminder]]:
    for start in range(0, len(rows), BATCH_SIZE):
        yield rows[start:start + BATCH_SIZE]


def insert_batch(batch: list[Reminder]) -> None:
    # One INSERT ... ON CONFLICT DO NOTHING (INSERT OR IGNORE on SQLite) per batch; each batch
    # commits on its own, so a crash keeps what was written and the rerun adds only the rest.
    Reminder.objects.bulk_create(batch, batch_size=BATCH_SIZE, ignore_conflicts=True)


def raise_reminders(*, now: datetime | None = None) -> int:
    """Raise today's reminders for every cause found; returns how many rows it added.

    The count is exact for a run on its own; when two runs overlap, the rows both tried count in
    both, though the database keeps one."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    causes = find_causes(now)
    resolve_gone_causes({cause.key for cause in causes}, now=now)
    if not causes:
        return 0
    directors = active_directors()
    # A snooze holds back the same cause for the same person until its date; what exists already
    # today (open, done or snoozed) is left exactly as it is.
    held_back = set(
        Reminder.objects.filter(Q(snoozed_until__gt=today) | Q(day=today))
        .order_by()
        .values_list("recipient_id", "cause")
    )
    rows = []
    for cause in causes:
        for recipient_id, escalated in recipients(cause, today, directors):
            if (recipient_id, cause.key) in held_back:
                continue
            held_back.add((recipient_id, cause.key))
            rows.append(Reminder(
                recipient_id=recipient_id, kind=cause.kind, cause=cause.key, day=today, escalated=escalated,
                due_on=cause.due_on, customer_id=cause.customer_id, deal_id=cause.deal_id,
                activity_id=cause.activity_id, complaint_id=cause.complaint_id,
            ))
    for batch in _batches(rows):
        insert_batch(batch)
    return len(rows)


def resolve_gone_causes(keys: set[str], *, now: datetime) -> int:
    """Close every open reminder of the job's kinds (snoozed or not) whose cause is not among `keys`,
    the causes found by this run: the next step was done, the customer contacted, the deal signed,
    the complaint resolved... Returns how many were closed.

    By cause key, not by recipient: a reminder handed to someone else stays open as long as its
    cause does. One SELECT of the open keys, and one UPDATE for those gone (none when none is);
    a second run finds nothing to close."""
    open_job_reminders = Reminder.objects.filter(done_at__isnull=True, kind__in=JOB_KINDS)
    open_keys = set(open_job_reminders.order_by().values_list("cause", flat=True).distinct())
    gone = sorted(open_keys - keys)
    closed = 0
    for start in range(0, len(gone), RESOLVE_BATCH):
        closed += open_job_reminders.filter(cause__in=gone[start:start + RESOLVE_BATCH]).update(
            done_at=now, resolution=Reminder.Resolution.RESOLVED)
    return closed


DIGEST_KIND = "pipeline.reminders"


def reminder_digest_email(person: User, items: list[Reminder], day: date) -> tuple[str, str]:
    """The subject and body of `person`'s morning email, in their language."""
    with translation.override(person.language or settings.LANGUAGE_CODE):
        subject = ngettext(
            "%(count)d follow-up reminder for today", "%(count)d follow-up reminders for today", len(items)
        ) % {"count": len(items)}
        body = render_to_string("pipeline/reminder_digest_email.txt",
                                {"person": person, "reminders": items, "day": day})
    return subject, body


def reminder_digests_send(*, day: date | None = None) -> int:
    """Email each person with open reminders on `day` (today) the list, in their language; returns how many
    were sent. Once per person and day (accounts.digests): a rerun the same day sends only what is missing."""
    day = day or timezone.localdate()
    return digests_send(kind=DIGEST_KIND, period_start=day, digests=(
        (person, partial(reminder_digest_email, person, items, day))
        for person, items in selectors.digests_for(day).items()
    ))


# --- What a person does with a reminder ---------------------------------------------------------


def _check_own(reminder: Reminder, by: User) -> None:
    if reminder.recipient_id != by.pk:
        raise RuleError(_("This reminder is someone else's."))


def reminder_done(*, reminder: Reminder, by: User) -> Reminder:
    """Mark the reminder done; done stays done (marking it again changes nothing)."""
    _check_own(reminder, by)
    now = timezone.now()
    if Reminder.objects.filter(pk=reminder.pk, done_at__isnull=True).update(
            done_at=now, resolution=Reminder.Resolution.DONE):
        reminder.done_at, reminder.resolution = now, Reminder.Resolution.DONE
    else:
        # Closed meanwhile (by the job, or a hand-over): say how, rather than "done".
        reminder.done_at, reminder.resolution = Reminder.objects.values_list("done_at", "resolution").get(
            pk=reminder.pk)
    return reminder


def reminder_snooze(*, reminder: Reminder, until: date, by: User) -> Reminder:
    """Hide the reminder, and hold back new ones for the same cause, until `until`."""
    _check_own(reminder, by)
    today = timezone.localdate()
    if until <= today:
        raise RuleError(_("Snooze until a day after today."))
    if until > today + LONGEST_SNOOZE:
        raise RuleError(_("A reminder can be snoozed for %(days)d days at most.") % {"days": LONGEST_SNOOZE.days})
    if not Reminder.objects.filter(pk=reminder.pk, done_at__isnull=True).update(snoozed_until=until):
        raise RuleError(_("This reminder is already done."))
    reminder.snoozed_until = until
    return reminder


def can_reassign(user: User, reminder: Reminder) -> bool:
    """A manager (or the director) hands an escalated next step to someone they manage."""
    return (
        reminder.recipient_id == user.pk
        and reminder.escalated
        and reminder.kind in REASSIGNABLE
        and reminder.done_at is None
        and access.manages_or_directs(user)
    )


@transaction.atomic
def reminder_reassign(*, reminder: Reminder, to_user: User, by: User) -> Reminder:
    """Hand the follow-up work behind an escalated next-step reminder to `to_user`: the next step
    (and its reminder) becomes theirs; the activity, the customer and any deal keep their owners, so
    no sales credit moves. A deal itself changes hands only by a recorded transfer."""
    if not can_reassign(by, reminder):
        raise RuleError(_("Only a manager can hand over an escalated next step."))
    if not selectors.reassign_candidates(by).filter(pk=to_user.pk).exists():
        raise RuleError(_("You can only hand a follow-up to an active seller of your team."))
    activity = (selectors.activities_visible_to(by).filter(pk=reminder.activity_id)
                .select_for_update(of=("self",)).first() if reminder.activity_id is not None else None)
    if activity is None:
        raise RuleError(_("You cannot see the record this reminder is about."))
    if (activity.next_step_owner_id or activity.owner_id) == to_user.pk:
        raise RuleError(_("The next step is already %(name)s's.") % {"name": to_user})
    Activity.objects.filter(pk=activity.pk).update(
        next_step_owner=None if activity.owner_id == to_user.pk else to_user)
    now = timezone.now()
    Reminder.objects.filter(done_at__isnull=True, cause=reminder.cause).update(
        done_at=now, resolution=Reminder.Resolution.HANDED_OVER)
    # In the new person's inbox at once, not at the next hourly run.
    from .notifications import assigned  # notifications builds on this module

    assigned(recipient=to_user, by=by, kind=Kind.NEXT_STEP, due_on=reminder.due_on, subjects_by_cause={
        reminder.cause: {"customer_id": reminder.customer_id, "deal_id": reminder.deal_id, "activity_id": activity.pk}})
    reminder.done_at, reminder.resolution = now, Reminder.Resolution.HANDED_OVER
    return reminder


def notify(*, recipient: User, kind: str, cause: str, due_on: date | None = None, **subjects: int | None) -> None:
    """Put a reminder in a person's inbox now (a transfer, an amendment to approve, a hand-over):
    one per person, cause and day, like the job's."""
    notify_each(recipient=recipient, kind=kind, subjects_by_cause={cause: subjects}, due_on=due_on)


def notify_each(*, recipient: User, kind: str, subjects_by_cause: dict[str, dict[str, int | None]],
                due_on: date | None = None, by: User | None = None, link: str = "", title: str = "") -> None:
    """Several reminders of one kind for one person in one insert (a customer's deals transferred with it)."""
    if not recipient.is_active or not subjects_by_cause:
        return
    day = timezone.localdate()
    Reminder.objects.bulk_create([
        Reminder(recipient=recipient, kind=kind, cause=cause, day=day, due_on=due_on, by=by, link=link, title=title,
                 **subjects)
        for cause, subjects in subjects_by_cause.items()
    ], ignore_conflicts=True)


def close_for_cause(cause: str, *, resolution: str, recipients: Iterable[int] | None = None) -> int:
    """Close the open reminders of a cause (all, or only those of `recipients`)."""
    return close_for_causes([cause], resolution=resolution, recipients=recipients)


def close_for_causes(causes: list[str], *, resolution: str, recipients: Iterable[int] | None = None) -> int:
    open_ = Reminder.objects.filter(cause__in=causes, done_at__isnull=True)
    if recipients is not None:
        open_ = open_.filter(recipient__in=recipients)
    return open_.update(done_at=timezone.now(), resolution=resolution)


# --- A leaving person's hand-over (registered in PipelineConfig.ready) ------------------------------


def open_next_steps_of(person: User, successor: User) -> Q:
    """The open next steps `person` is to take: handed to them, or logged by them and not handed on."""
    return Q(next_step_done=False) & ~Q(next_step="") & (
        Q(next_step_owner=person) | Q(next_step_owner__isnull=True, owner=person))


def open_reminders_to_move(person: User, successor: User) -> Q:
    """`person`'s open reminders, but for a cause the successor already has that day (the unique rule)."""
    taken = Reminder.objects.filter(recipient=successor, cause=OuterRef("cause"), day=OuterRef("day"))
    return Q(recipient=person, done_at__isnull=True) & ~Q(Exists(taken))
