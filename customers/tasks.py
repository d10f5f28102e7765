"""Celery tasks of the customers app."""

from celery import shared_task

from .tiers import recompute_tiers


@shared_task(acks_late=True)
def recompute_customer_tiers() -> int:
    # Idempotent: only customers whose suggested tier differs are written, so a retry is harmless.
    return recompute_tiers()
