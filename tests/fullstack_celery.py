"""The Celery app of tests/test_full_stack.py's worker and beat processes (and its gunicorn, through
tests/fullstack_gunicorn.py): production's app and beat schedule, made fast and kept apart. Only
those child processes import it; nothing here runs in production.

- Every production beat entry keeps its name and task but falls due every FULLSTACK_BEAT_SECONDS.
- Every broker key starts with FULLSTACK_KEY_PREFIX: a developer's worker on the same Redis cannot
  take the test's tasks, and the test's workers (with their short visibility timeout) cannot
  restore a developer's unacknowledged ones.
- Unacknowledged messages are swept every second (kombu's default: about every 100 s), so the task
  of a killed worker comes back as soon as CELERY_VISIBILITY_TIMEOUT has passed.
- With FULLSTACK_RUN_LOG set, a worker notes there each period of a scorecard recomputation run it
  starts ("<pid> <period> <start>"), and holds that period's transaction open FULLSTACK_RUN_DELAY
  seconds after writing its rows, so that the test can kill it in the middle of a run.
"""

import os
import time
from datetime import timedelta

from celery.signals import worker_ready

from bulksales.celery import app

EVERY = timedelta(seconds=float(os.environ.get("FULLSTACK_BEAT_SECONDS", "2")))

app.conf.beat_schedule = {name: {**entry, "schedule": EVERY} for name, entry in app.conf.beat_schedule.items()}
app.conf.broker_transport_options = {
    **app.conf.broker_transport_options,
    "global_keyprefix": os.environ["FULLSTACK_KEY_PREFIX"],
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}


@worker_ready.connect
def note_and_hold_each_period(**kwargs) -> None:
    run_log = os.environ.get("FULLSTACK_RUN_LOG")
    if not run_log:
        return
    from django.db import transaction

    from targets import scorecards

    compute, delay = scorecards.compute_scorecards, float(os.environ.get("FULLSTACK_RUN_DELAY", "0"))

    def noted_and_held(*, period, start, **options):
        from celery import current_task

        # Only the recomputation runs are noted and held: the refreshes a signing enqueues run as they are.
        if current_task is None or current_task.name != "targets.tasks.recompute_scorecards":
            return compute(period=period, start=start, **options)
        with open(run_log, "a") as log:
            log.write(f"{os.getpid()} {period} {start.isoformat()}\n")
        with transaction.atomic():
            written = compute(period=period, start=start, **options)
            time.sleep(delay)  # the period's rows are written, not yet committed
        return written

    scorecards.compute_scorecards = noted_and_held
