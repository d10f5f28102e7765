"""Celery tasks of the pipeline: thin interfaces to the follow-up reminders (跟进提醒)."""

from celery import shared_task


@shared_task(acks_late=True)
def raise_follow_up_reminders() -> int:
    # acks_late: a worker killed mid-run leaves the message for another; the rerun inserts only
    # what is missing, since each reminder is claimed by the unique constraint.
    from .reminders import raise_reminders

    return raise_reminders()


@shared_task(acks_late=True)
def send_reminder_digests() -> int:
    """Daily at 07:30, after the 07:05 run: each person's open reminders of the day, sent once."""
    from .reminders import reminder_digests_send

    return reminder_digests_send()


@shared_task(acks_late=True)
def send_assignment_emails(*, recipient_id: int, causes: list[str], day: str) -> int:
    """Queued on commit of an assignment: the new owner's email about it, sent once however often it runs."""
    from .notifications import assignment_emails_send

    return assignment_emails_send(recipient_id=recipient_id, causes=causes, day=day)


@shared_task(acks_late=True)
def reprice_deals(run_id: int) -> int:
    """Queued on commit of a new exchange rate with more deals to re-price than a request should: acks_late, so
    that a worker killed mid-run leaves the message for another, which re-prices them all again (the same
    amounts); a finished run is not redone."""
    from .services import repricing_run

    return repricing_run(run_id=run_id)


@shared_task(acks_late=True)
def reprice_at_rates_in_force() -> int:
    """Nightly: the deals not yet signed re-priced in each currency whose rate in force has changed (a rate
    scheduled for today). acks_late: rerun after a lost worker, it re-prices what is still off, or nothing."""
    from .services import repricings_due

    return repricings_due()
