"""Celery tasks of the commission statements (提成结算单): thin interfaces to compute.py and runs.py."""

from celery import shared_task


@shared_task(acks_late=True)
def compute_current_statements() -> int:
    """Nightly: the draft statements of every plan of the running quarter. Idempotent (drafts are
    rewritten in place, one transaction each); a worker killed midway leaves the message for another."""
    from .runs import compute_current

    return compute_current()


@shared_task(acks_late=True)
def compute_plan_statements(plan_id: int) -> int:
    """One plan's draft statements (e.g. after its terms changed)."""
    from .compute import statements_compute
    from .models import IncentivePlan

    plan = IncentivePlan.objects.filter(pk=plan_id).first()
    return 0 if plan is None else statements_compute(plan)


@shared_task(acks_late=True)
def recompute_plan_statements(run_id: int) -> int:
    # acks_late: a worker killed mid-run leaves the message for another, which redoes the run (drafts are
    # rewritten); a run already finished is not redone.
    from .runs import recompute_run

    return recompute_run(run_id=run_id)
