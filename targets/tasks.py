"""Celery tasks of the targets app: thin interfaces to the scorecards (业绩考核表)."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.tasks import send_account_email

from . import scorecards
from .kpis import compute_scorecards, periods_to_compute
from .periods import quarter_of

# A digest sent is remembered past the week it is for.
DIGEST_MEMORY = timedelta(days=8)


@shared_task(acks_late=True)
def compute_running_scorecards() -> int:
    """Hourly: the running and previous month and quarter. Idempotent (rows are upserted)."""
    return sum(compute_scorecards(period=period, start=start)
               for period, start in periods_to_compute(timezone.localdate()))


@shared_task(acks_late=True)
def recompute_scorecards(run_id: int) -> int:
    # acks_late: a worker killed mid-run leaves the message for another, which redoes the run
    # (every period is upserted); a run already finished is not redone.
    return scorecards.recompute_run(run_id=run_id)


@shared_task(acks_late=True)
def refresh_scorecards(periods: list[list[str]]) -> int:
    """A few seconds after a signing, visit, transfer...: the periods it touched ([period, start] pairs).
    Idempotent (rows are upserted); a worker killed mid-run leaves the message for another."""
    return scorecards.refresh_run(periods)


def digest_key(user_id: int, today) -> str:
    year, week, _day = today.isocalendar()
    return f"scorecard-digest:{user_id}:{year}-W{week:02d}"


@shared_task(acks_late=True)
def send_team_scorecard_digests() -> int:
    """Mondays: email each active manager their teams' quarter scorecards, in their language; returns
    how many were sent. A rerun the same week skips the managers already done (`cache.add` claims each
    digest before it is enqueued)."""
    today = timezone.localdate()
    year, quarter = quarter_of(today)
    sent = 0
    for manager, tables in scorecards.team_scorecard_digests(today).items():
        if not manager.email or not cache.add(digest_key(manager.pk, today), True, DIGEST_MEMORY.total_seconds()):
            continue
        with translation.override(manager.language or settings.LANGUAGE_CODE):
            subject = _("Your teams' scorecards for %(year)s Q%(quarter)s") % {"year": year, "quarter": quarter}
            body = render_to_string("targets/scorecard_digest_email.txt", {
                "person": manager, "tables": tables, "year": year, "quarter": quarter, "today": today,
                "currency": settings.BASE_CURRENCY,
            })
        send_account_email.delay(subject=subject, body=body, to=manager.email)
        sent += 1
    return sent
