"""Celery tasks of the customers app."""

from celery import shared_task

from accounts.models import User

from . import import_jobs
from .tiers import recompute_tiers


@shared_task(acks_late=True)
def recompute_customer_tiers(user_id: int | None = None) -> int:
    # Idempotent: only customers whose suggested tier differs are written, so a retry is harmless.
    # With a user id (the director's button) the changes are recorded as theirs; without, the monthly job's.
    by = User.objects.filter(pk=user_id).first() if user_id is not None else None
    return recompute_tiers(by=by)


@shared_task(acks_late=True)
def check_import_job(job_id: str) -> int:
    """The dry run of an upload. Idempotent: a job no longer being checked is left alone."""
    return import_jobs.check_run(job_id)


@shared_task(acks_late=True)
def import_import_job(job_id: str) -> int:
    """The confirmed import, all or nothing; the job is marked done in the same transaction, so a redelivered
    message finds it done and does nothing."""
    return import_jobs.import_run(job_id)


@shared_task(acks_late=True)
def expire_import_jobs() -> int:
    """Hourly: delete the kept files of imports not confirmed in time. Idempotent."""
    return import_jobs.expire_jobs()
