"""Celery tasks of the customers app."""

from celery import shared_task

from accounts.models import User

from .tiers import recompute_tiers


@shared_task(acks_late=True)
def recompute_customer_tiers(user_id: int | None = None) -> int:
    # Idempotent: only customers whose suggested tier differs are written, so a retry is harmless.
    # With a user id (the director's button) the changes are recorded as theirs; without, the monthly job's.
    by = User.objects.filter(pk=user_id).first() if user_id is not None else None
    return recompute_tiers(by=by)
