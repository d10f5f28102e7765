"""Celery tasks of the targets app: thin interfaces to the scorecards (业绩考核表)."""

from celery import shared_task


@shared_task(acks_late=True)
def compute_running_scorecards() -> int:
    """Hourly: the running and previous month and quarter. Idempotent (rows are upserted)."""
    from .scorecards import compute_running

    return compute_running()


@shared_task(acks_late=True)
def recompute_scorecards(run_id: int) -> int:
    # acks_late: a worker killed mid-run leaves the message for another, which redoes the run
    # (every period is upserted); a run already finished is not redone.
    from .scorecards import recompute_run

    return recompute_run(run_id=run_id)


@shared_task(acks_late=True)
def refresh_scorecards(periods: list[list[str]]) -> int:
    """A few seconds after a signing, visit, transfer...: the periods it touched ([period, start] pairs).
    Idempotent (rows are upserted); a worker killed mid-run leaves the message for another."""
    from .scorecards import refresh_run

    return refresh_run(periods)


@shared_task(acks_late=True)
def send_team_scorecard_digests() -> int:
    """Mondays: each active manager's teams' quarter scorecards, sent once a week."""
    from .scorecards import team_scorecard_digests_send

    return team_scorecard_digests_send()
