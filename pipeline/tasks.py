"""Celery tasks of the pipeline: thin interfaces to the follow-up reminders (跟进提醒)."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import ngettext

from accounts.tasks import send_account_email

from . import reminders

# A digest sent is remembered this long: past the day it is for, whatever the time zone.
DIGEST_MEMORY = timedelta(days=2)


@shared_task(acks_late=True)
def raise_follow_up_reminders() -> int:
    # acks_late: a worker killed mid-run leaves the message for another; the rerun inserts only
    # what is missing, since each reminder is claimed by the unique constraint.
    return reminders.raise_reminders()


def digest_key(user_id: int, day) -> str:
    return f"reminder-digest:{user_id}:{day.isoformat()}"


@shared_task(acks_late=True)
def send_reminder_digests() -> int:
    """Email each person with open reminders today the list, in their language; returns how many were sent.

    Beat runs it once a day (07:30, after the hourly job at 07:05). A rerun the same day skips the
    people already done: `cache.add` claims a person's digest for the day before it is enqueued, so
    a retry sends at most one per person (a crash between claim and enqueue loses that digest; the
    inbox still shows the reminders)."""
    today = timezone.localdate()
    sent = 0
    for person, items in reminders.digests_for(today).items():
        if not person.email or not cache.add(digest_key(person.pk, today), True, DIGEST_MEMORY.total_seconds()):
            continue
        with translation.override(person.language or settings.LANGUAGE_CODE):
            subject = ngettext(
                "%(count)d follow-up reminder for today", "%(count)d follow-up reminders for today", len(items)
            ) % {"count": len(items)}
            body = render_to_string(
                "pipeline/reminder_digest_email.txt", {"person": person, "reminders": items, "day": today}
            )
        send_account_email.delay(subject=subject, body=body, to=person.email)
        sent += 1
    return sent
