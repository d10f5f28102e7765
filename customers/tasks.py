"""Celery tasks of the customers app: thin interfaces to the tier job and the imports."""

from celery import shared_task


@shared_task(acks_late=True)
def recompute_customer_tiers(user_id: int | None = None) -> int:
    # Idempotent: only customers whose suggested tier differs are written, so a retry is harmless.
    from .tiers import recompute_tiers_requested

    return recompute_tiers_requested(user_id=user_id)


@shared_task(acks_late=True)
def check_import_job(job_id: str) -> int:
    """The dry run of an upload. Idempotent: a job no longer being checked is left alone."""
    from .import_jobs import check_run

    return check_run(job_id)


@shared_task(acks_late=True)
def import_import_job(job_id: str) -> int:
    """The confirmed import, all or nothing; the job is marked done in the same transaction, so a redelivered
    message finds it done and does nothing."""
    from .import_jobs import import_run

    return import_run(job_id)


@shared_task(acks_late=True)
def expire_import_jobs() -> int:
    """Hourly: delete the kept files of imports not confirmed in time. Idempotent."""
    from .import_jobs import expire_jobs

    return expire_jobs()
