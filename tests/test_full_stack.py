"""The whole stack as production runs it: gunicorn, a Celery worker and Celery beat as separate
processes on PostgreSQL and Redis. A rep signs a deal and logs a visit through the web forms, beat
enqueues the periodic jobs, the worker turns them into the rep's scorecard and follow-up reminder;
then a worker killed in the middle of a scorecard recomputation leaves its run to another worker,
which finishes it exactly once.

Only CI's second pass (PostgreSQL and REDIS_URL) runs it; elsewhere it is deselected (conftest.py).
The worker and beat load tests/fullstack_celery.py: production's app and schedule, made fast.
"""

import datetime
import os
import re
import time
import uuid
from collections import Counter
from decimal import Decimal

import pytest
import redis
from django.utils import timezone

from accounts.models import User
from pipeline.models import Activity, Deal, Outcome, Reminder, Stage
from targets.models import Scorecard, ScorecardRun
from targets.periods import quarter_bounds, quarter_of
from targets.scorecards import periods_of_run, recompute_request

from .factories import (
    PASSWORD,
    CommodityFactory,
    CustomerFactory,
    ExchangeRateFactory,
    RepTargetFactory,
    TeamTargetFactory,
)
from .fullstack_support import Browser, Service, Services, child_env, pbkdf2, services, wait_until

# Committed, for the other processes to see; the serialized rollback brings back what the migrations
# seed (the tier policies), which a transactional test's flush removes.
pytestmark = [pytest.mark.full_stack, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Seconds before an unacknowledged message is redelivered: longer than the part of the run done
# before the kill, far shorter than production's default.
VISIBILITY_TIMEOUT = 4
PERIOD_DELAY = 1.5  # seconds each period of the first worker's run holds its transaction open
SIGNED_AMOUNT = Decimal("31240000.00")  # 55,000 t x 80 USD/t x 7.1 CNY/USD


def _worker(stack: Services, name: str, **env: str) -> Service:
    worker = stack.start(name, "-m", "celery", "-A", "tests.fullstack_celery", "worker", "--pool", "solo",
                         "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
                         "--loglevel", "INFO", **env)
    assert wait_until(lambda: not worker.running() or " ready." in worker.log, 30), f"{name} did not start"
    assert worker.running(), f"{name} exited with {worker.process.returncode}"
    return worker


def _signs_a_deal_and_logs_a_visit(rep: Browser, customer, commodity, today: datetime.date) -> tuple[Deal, Activity]:
    """What the rep does in the browser: a new deal through every stage to signing, then a visit to
    the customer whose next step was due yesterday."""
    form = rep.get(f"/deals/new/?customer={customer.pk}").form("/deals/new/")
    page = rep.submit(form, commodity=commodity.pk, grade="NAR 5500", quantity_tonnes="55000", price_per_tonne="80",
                      currency="USD")
    assert "The deal was saved." in page.html, page.html
    deal_id = int(re.fullmatch(r"/deals/(\d+)/", page.path).group(1))
    for stage in [Stage.DEVELOPMENT, Stage.NEGOTIATION]:
        page = rep.submit(page.form(f"/deals/{deal_id}/move/"), to_stage=stage.value)
        assert f"is now in {stage.label}." in page.html, page.html
    form = rep.get(f"/deals/{deal_id}/sign/").form(f"/deals/{deal_id}/sign/")
    page = rep.submit(form, contract_number=f"FS-{deal_id}", signed_on=today.isoformat())
    assert "is won and in follow-up." in page.html, page.html

    form = rep.get(f"/activities/new/?customer={customer.pk}&deal={deal_id}").form("/activities/new/")
    happened = timezone.localtime() - datetime.timedelta(days=2)
    page = rep.submit(form, kind="visit", happened_at=happened.strftime("%Y-%m-%dT%H:%M"),
                      summary="Walked the stockyard with their buyer.", next_step="Send the revised CFR offer",
                      next_step_due=(today - datetime.timedelta(days=1)).isoformat())
    assert f"Logged: Visit with {customer.name}." in page.html, page.html
    return Deal.objects.get(pk=deal_id), Activity.objects.get(customer=customer)


def _scorecards(periods) -> list[tuple]:
    """Every scorecard row of the run's periods, with what the dashboards show of it."""
    rows = Scorecard.objects.filter(period__in={period for period, _start in periods},
                                    period_start__in={start for _period, start in periods})
    return sorted(rows.values_list("subject", "subject_id", "period", "period_start", "sales_amount", "tonnage",
                                   "signed_contracts", "visits", "score", "rank_in_team"))


def _periods_started(run_log, worker: Service) -> list[tuple[str, str]]:
    """The periods of a recomputation run that `worker` started, in order (tests/fullstack_celery.py)."""
    lines = run_log.read_text().splitlines() if run_log.exists() else []
    return [(period, start) for pid, period, start in map(str.split, lines) if int(pid) == worker.process.pid]


def test_web_beat_and_worker_keep_a_reps_scorecard_and_reminders_and_a_killed_run_finishes_once(cast, tmp_path):
    from bulksales.celery import app as production

    today = timezone.localdate()
    year, quarter = quarter_of(today)
    quarter_start = quarter_bounds(year, quarter)[0]
    User.objects.filter(pk__in=[cast.rep.pk, cast.manager.pk]).update(password=pbkdf2(PASSWORD))
    customer = CustomerFactory(owner=cast.rep, name="Rizhao Steel Co., Ltd.")
    coal = CommodityFactory()
    ExchangeRateFactory(valid_from=datetime.date(today.year - 1, 1, 1))
    RepTargetFactory(team_target=TeamTargetFactory(team=cast.rep.team, year=year, quarter=quarter), rep=cast.rep)

    prefix = f"fullstack-{uuid.uuid4().hex[:10]}:"  # every broker key of this test's processes
    run_log = tmp_path / "run.log"
    env = child_env(FULLSTACK_KEY_PREFIX=prefix, CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
                    FULLSTACK_RUN_LOG=str(run_log))
    broker = redis.Redis.from_url(os.environ["REDIS_URL"])
    try:
        with services(tmp_path, env) as stack:
            web, url = stack.gunicorn("gunicorn", "-c", "python:tests.fullstack_gunicorn")
            first_worker = _worker(stack, "worker1", FULLSTACK_RUN_DELAY=str(PERIOD_DELAY))
            beat = stack.start("beat", "-m", "celery", "-A", "tests.fullstack_celery", "beat", "--loglevel", "INFO",
                               "-s", str(tmp_path / "celerybeat-schedule"))

            # a. The rep, over HTTP.
            rep = Browser(url)
            rep.sign_in("rep", PASSWORD)
            deal, visit = _signs_a_deal_and_logs_a_visit(rep, customer, coal, today)
            assert (deal.owner, deal.stage, deal.outcome, deal.signed_on, deal.amount_base) == (
                cast.rep, Stage.FOLLOW_UP, Outcome.WON, today, SIGNED_AMOUNT)

            # b. Beat sends every production entry, under its name and task; the worker takes them
            # from the broker and writes the rep's scorecard and reminder, which the rep then sees.
            production_entries = {(name, entry["task"]) for name, entry in production.conf.beat_schedule.items()}
            # Scorecards, reminders, digests (two), tiers, the expiry of import files and the commission statements.
            assert len(production_entries) == 8

            def delivered() -> bool:
                return (all(f"Sending due task {name} ({task})" in beat.log for name, task in production_entries)
                        and re.search(r"compute_running_scorecards\[.+\] succeeded", first_worker.log)
                        and re.search(r"raise_follow_up_reminders\[.+\] succeeded", first_worker.log)
                        and Scorecard.objects.filter(subject=Scorecard.Subject.REP, subject_id=cast.rep.pk,
                                                     period=Scorecard.Period.QUARTER, period_start=quarter_start,
                                                     sales_amount=SIGNED_AMOUNT, tonnage=55000).exists()
                        and Reminder.objects.filter(recipient=cast.rep, kind=Reminder.Kind.NEXT_STEP,
                                                    activity=visit).exists())

            assert wait_until(delivered, 60), "beat and the worker did not deliver within a minute"
            dashboard = rep.get("/dashboard/rep/").html
            assert "31,240,000 / 25,000,000 CNY" in dashboard and "55,000 / 125,000 t" in dashboard
            inbox = rep.get("/reminders/").html
            assert "Send the revised CFR offer" in inbox and customer.name in inbox

            # c. The manager has the quarter recomputed; its worker is killed half-way through.
            manager = Browser(url)
            manager.sign_in("manager", PASSWORD)
            page = manager.submit(manager.get("/scorecards/runs/").form("/scorecards/recompute/"))
            run = ScorecardRun.objects.get(pk=int(re.fullmatch(r"/scorecards/runs/(\d+)/", page.path).group(1)))
            periods = periods_of_run(run, today)
            assert len(periods) >= 2  # the quarter and its first month, at least

            def half_way() -> bool:
                run.refresh_from_db()
                return run.progress > 0 and len(_periods_started(run_log, first_worker)) >= 2

            assert wait_until(half_way, 30, every=0.05), "the run did not get under way"
            first_worker.kill()
            run.refresh_from_db()
            assert run.finished_at is None and 0 < run.progress < 100
            progress = manager.get(f"/scorecards/runs/{run.pk}/progress/").html
            assert f"{run.progress}%" in progress and "Recomputing the scorecards" in progress

            second_worker = _worker(stack, "worker2")
            assert wait_until(lambda: ScorecardRun.objects.filter(pk=run.pk, finished_at__isnull=False).exists(), 40), \
                "the killed worker's run was not redelivered"
            time.sleep(VISIBILITY_TIMEOUT + 2)  # time for a second redelivery, were the message left unacknowledged
            run.refresh_from_db()
            assert (run.progress, run.error) == (100, "")
            # The same message, redelivered once; the second worker did each period of the run once.
            [task_id] = re.findall(r"Task targets\.tasks\.recompute_scorecards\[(.+)\] received", first_worker.log)
            assert re.findall(r"Task targets\.tasks\.recompute_scorecards\[(.+)\] (received|succeeded)",
                              second_worker.log) == [(task_id, "received"), (task_id, "succeeded")]
            assert _periods_started(run_log, second_worker) == [(period, day.isoformat()) for period, day in periods]
            assert ScorecardRun.objects.count() == 1
            page = manager.get(f"/scorecards/runs/{run.pk}/").html
            assert "100%" in page and "The scorecards were recomputed at" in page
            assert web.running() and beat.running()
    finally:
        for key in broker.scan_iter(match=f"{prefix}*"):
            broker.delete(key)

    after_kill = _scorecards(periods)
    assert len(after_kill) == len({row[:4] for row in after_kill}), "duplicate scorecards"
    # Three scored sellers (the cast's rep, account manager and other rep), two teams, one department.
    assert Counter((row[2], row[3]) for row in after_kill) == {period: 6 for period in periods}
    assert ("rep", cast.rep.pk, "quarter", quarter_start, SIGNED_AMOUNT, 55000) in {row[:6] for row in after_kill}
    # A clean run, here and uninterrupted, leaves the same rows with the same figures.
    clean = recompute_request(period_start=quarter_start, by=cast.manager)
    clean.refresh_from_db()
    assert (clean.progress, clean.error) == (100, "") and clean.finished_at is not None
    assert _scorecards(periods) == after_kill
