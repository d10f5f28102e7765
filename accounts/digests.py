"""Periodic digests (the morning reminders, the weekly scorecards): each sent once per person and period."""

import logging
from collections.abc import Callable, Iterable
from datetime import date

from django.core.mail import send_mail
from django.db import transaction

from .models import DigestSent, User

logger = logging.getLogger(__name__)

# Renders a person's digest (subject, body), in their language; called only once the sending is claimed.
Compose = Callable[[], tuple[str, str]]


def digest_send_once(*, person: User, kind: str, period_start: date, compose: Compose) -> bool:
    """Email `person` their digest of `kind` for the period unless it went already; True if sent now.

    The row is inserted and the mail sent in one transaction: the unique constraint makes a rerun or a
    second worker find the row (on PostgreSQL it waits for the first to commit or roll back), and a
    failed send rolls the row back, so the next run sends it."""
    with transaction.atomic():
        _row, created = DigestSent.objects.get_or_create(user=person, kind=kind, period_start=period_start)
        if not created:
            return False
        subject, body = compose()
        send_mail(subject, body, None, [person.email])
    return True


def digests_send(*, kind: str, period_start: date, digests: Iterable[tuple[User, Compose]]) -> int:
    """Send each person with an email address their digest once; returns how many were sent now.

    One failed send does not hold back the others: it is logged, and the first failure is raised once
    all were tried, so the job shows as failed and a rerun sends only what is missing."""
    sent, failures = 0, []
    for person, compose in digests:
        if not person.email:
            continue
        try:
            sent += digest_send_once(person=person, kind=kind, period_start=period_start, compose=compose)
        except Exception as error:
            logger.exception("The %s digest for user %s was not sent", kind, person.pk)
            failures.append(error)
    if failures:
        raise failures[0]
    return sent
