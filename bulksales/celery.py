"""The Celery app. Every periodic schedule of the project is declared here, in one place."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bulksales.settings")

app = Celery("bulksales")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "purge-expired-sessions": {
        "task": "accounts.tasks.purge_expired_sessions",
        "schedule": crontab(hour=3, minute=17),
    },
    "expire-import-jobs": {
        "task": "customers.tasks.expire_import_jobs",
        "schedule": crontab(minute=50),
    },
    "recompute-customer-tiers": {
        "task": "customers.tasks.recompute_customer_tiers",
        "schedule": crontab(day_of_month=1, hour=2, minute=30),
    },
    "raise-follow-up-reminders": {
        "task": "pipeline.tasks.raise_follow_up_reminders",
        "schedule": crontab(minute=5),
    },
    # Once a day, after that hour's reminders are raised: a second run the same day sends nothing new.
    "send-reminder-digests": {
        "task": "pipeline.tasks.send_reminder_digests",
        "schedule": crontab(hour=7, minute=30),
    },
    "compute-running-scorecards": {
        "task": "targets.tasks.compute_running_scorecards",
        "schedule": crontab(minute=35),
    },
    # Mondays, after the 07:35 run has refreshed the scorecards.
    "send-team-scorecard-digests": {
        "task": "targets.tasks.send_team_scorecard_digests",
        "schedule": crontab(day_of_week=1, hour=8, minute=0),
    },
}
