"""The Celery app. Every periodic schedule of the project is declared here, in one place."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bulksales.settings")

app = Celery("bulksales")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _at(task: str, **when: int | str) -> dict[str, object]:
    """A beat entry: run `task` (its dotted name) at the crontab `when`, e.g. hour=3, minute=17."""
    return {"task": task, "schedule": crontab(**when)}


app.conf.beat_schedule = {
    "purge-expired-sessions": _at("accounts.tasks.purge_expired_sessions", hour=3, minute=17),
    "expire-import-jobs": _at("customers.tasks.expire_import_jobs", minute=50),
    "recompute-customer-tiers": _at("customers.tasks.recompute_customer_tiers", day_of_month=1, hour=2, minute=30),
    "raise-follow-up-reminders": _at("pipeline.tasks.raise_follow_up_reminders", minute=5),
    # Just after midnight: a rate scheduled for today re-prices the deals not yet signed in its currency.
    "reprice-at-rates-in-force": _at("pipeline.tasks.reprice_at_rates_in_force", hour=0, minute=20),
    # Once a day, after that hour's reminders are raised: a second run the same day sends nothing new.
    "send-reminder-digests": _at("pipeline.tasks.send_reminder_digests", hour=7, minute=30),
    "compute-running-scorecards": _at("targets.tasks.compute_running_scorecards", minute=35),
    # Nightly, after the 01:35 scorecards (the satisfaction gate reads them): this quarter's draft statements.
    "compute-commission-statements": _at("targets.incentives.tasks.compute_current_statements", hour=2, minute=10),
    # Mondays, after the 07:35 run has refreshed the scorecards.
    "send-team-scorecard-digests": _at("targets.tasks.send_team_scorecard_digests", day_of_week=1, hour=8, minute=0),
}
