"""Notifications the moment something is yours: when a customer, a deal, a follow-up, a complaint or a coaching
action is given to someone, an entry in their inbox at once (in the same transaction as the assignment, so
it is there when the page that assigned it answers) and, if they chose it on their profile, an email that
the worker sends once the assignment is committed.

Idempotent both ways: the inbox entry is claimed by the reminders' unique (recipient, cause, day), so a
retry or the hourly job adds no second one; the email is claimed by a DigestSent row per reminder
(accounts.digests), so a task run twice sends once. Nothing for a person who gave it to themselves."""

from datetime import date
from functools import partial

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.choices import display
from accounts.digests import digest_send_once
from accounts.models import User
from customers.models import Complaint

from .models import Reminder
from .reminders import notify_each

Subjects = dict[str, int | None]


def assigned(*, recipient: User, by: User | None, kind: str, subjects_by_cause: dict[str, Subjects],
             due_on: date | None = None, link: str = "", title: str = "") -> None:
    """`recipient` was given the records behind `subjects_by_cause` by `by`: their inbox entries now, and
    the email (if they chose it) from the worker on commit."""
    if by is not None and recipient.pk == by.pk:
        return  # one's own doing needs no telling
    notify_each(recipient=recipient, kind=kind, subjects_by_cause=subjects_by_cause, due_on=due_on,
                by=by, link=link, title=title[:200])
    if recipient.is_active and recipient.email_on_assignment and recipient.email:
        from .tasks import send_assignment_emails

        causes, day = sorted(subjects_by_cause), timezone.localdate().isoformat()
        transaction.on_commit(lambda: send_assignment_emails.delay(recipient_id=recipient.pk, causes=causes, day=day))


def complaint_assigned(complaint: Complaint, by: User) -> None:
    """A complaint recorded for, or reassigned to, a colleague of customer service (customers.complaints)."""
    # Its own cause key: "complaint:<pk>" is the hourly job's, for the overdue reminder.
    assigned(recipient=complaint.assignee, by=by, kind=Reminder.Kind.ASSIGNED, subjects_by_cause={
        f"assigned:complaint:{complaint.pk}": {"complaint_id": complaint.pk, "customer_id": complaint.customer_id}})


EMAIL_KIND = "pipeline.assigned:{pk}"


def link_of(reminder: Reminder) -> str:
    """The path of the record a notification is about."""
    if reminder.link:
        return reminder.link
    if reminder.complaint_id:
        return reverse("complaints:detail", args=[reminder.complaint_id])
    if reminder.deal_id:
        return reverse("deals:detail", args=[reminder.deal_id])
    if reminder.customer_id:
        return reverse("customers:detail", args=[reminder.customer_id])
    return reverse("reminders:inbox")


def message_of(reminder: Reminder) -> str:
    """One sentence, in the active language: what was given to the reader, and by whom."""
    values = {"name": reminder.by or _("someone"), "record": _record_name(reminder)}
    if reminder.kind == Reminder.Kind.TRANSFER:
        return _("%(record)s was transferred to you by %(name)s.") % values
    if reminder.kind in (Reminder.Kind.HANDED_OVER, Reminder.Kind.NEXT_STEP):
        return _("The follow-up of %(record)s was handed to you by %(name)s.") % values
    return _("%(record)s was assigned to you by %(name)s.") % values


def _record_name(reminder: Reminder) -> str:
    if reminder.complaint_id:
        return _("Complaint #%(number)d") % {"number": reminder.complaint_id}
    if reminder.deal_id:
        return _("Deal %(deal)s") % {"deal": reminder.deal}
    if reminder.customer_id:
        return _("Customer %(customer)s") % {"customer": reminder.customer}
    return reminder.title or display(reminder, "kind")


def assignment_email(person: User, reminder: Reminder) -> tuple[str, str]:
    """The subject and body of the email about one notification, in `person`'s language."""
    with translation.override(person.language or settings.LANGUAGE_CODE):
        message = message_of(reminder)
        # The path only: the project has no setting for its own address (the morning digest has no links either).
        body = render_to_string("pipeline/assignment_email.txt",
                                {"person": person, "reminder": reminder, "message": message, "path": link_of(reminder)})
        return message, body


def assignment_emails_send(*, recipient_id: int, causes: list[str], day: str) -> int:
    """Email the recipient each of their notifications of `day` (ISO, as the task carries it) for `causes`,
    once each; how many went now."""
    person = User.objects.filter(pk=recipient_id, is_active=True).first()
    if person is None or not person.email_on_assignment or not person.email:
        return 0
    rows = (Reminder.objects.filter(recipient=person, cause__in=causes, day=date.fromisoformat(day))
            .select_related("by", "customer", "deal__customer", "deal__commodity").order_by("pk"))
    return sum(
        digest_send_once(person=person, kind=EMAIL_KIND.format(pk=reminder.pk), period_start=reminder.day,
                         compose=partial(assignment_email, person, reminder))
        for reminder in rows
    )
