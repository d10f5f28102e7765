"""The whole stack as production scales it out: two gunicorn instances, two Celery workers and Celery
beat as separate processes on one PostgreSQL (and its streaming replica, when the run has one) and one
Redis. Three sellers sign a burst of deals and log visits through the web forms, spread over both web
instances at once; beat enqueues the periodic jobs, the two workers turn them into the scorecards,
follow-up reminders and commission statements, each exactly once and with every signing in it; then the
worker that takes a scorecard recomputation is killed in the middle of it and the other finishes it once.

Only CI's second pass (PostgreSQL and REDIS_URL) runs it; elsewhere it is deselected (conftest.py).
The worker and beat load tests/fullstack_celery.py: production's app and schedule, made fast.
"""

import datetime
import os
import re
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import redis
from django.db import connection
from django.utils import timezone

from accounts.models import User
from accounts.replica import WROTE_COOKIE
from pipeline.models import Activity, Deal, Outcome, Reminder, Stage
from targets.incentives.models import Statement, StatementLine
from targets.models import Scorecard, ScorecardRun
from targets.periods import quarter_bounds, quarter_of
from targets.scorecards import periods_of_run, recompute_request

from .factories import (
    PASSWORD,
    CommodityFactory,
    CustomerFactory,
    ExchangeRateFactory,
    IncentivePlanFactory,
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
SIGNINGS_EACH = 2  # per seller and web instance, in the burst


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


def _burst_of_signings(sellers: list[User], urls: list[str], coal, today: datetime.date) -> list[tuple[Deal, Activity]]:
    """Each seller in a browser on each web instance, all at once, signing deals and logging visits."""

    def one_browser(seller: User, url: str, customers: list) -> list[tuple[Deal, Activity]]:
        try:
            browser = Browser(url)
            browser.sign_in(seller.username, PASSWORD)
            return [_signs_a_deal_and_logs_a_visit(browser, customer, coal, today) for customer in customers]
        finally:
            connection.close()  # the thread's own, before the test database is flushed

    with ThreadPoolExecutor(max_workers=len(sellers) * len(urls)) as pool:
        browsers = [pool.submit(one_browser, seller, url, CustomerFactory.create_batch(SIGNINGS_EACH, owner=seller))
                    for seller in sellers for url in urls]
        return [signed for browser in browsers for signed in browser.result()]


def _every_signing_reflected(signed: list[tuple[Deal, Activity]], quarter_start: datetime.date, plan) -> bool:
    """Each seller's quarter scorecard and commission statement count each of their signings once, and
    each visit's overdue next step is one reminder."""
    by_seller = Counter(deal.owner_id for deal, _visit in signed)
    cards = {card.subject_id: card for card in Scorecard.objects.filter(
        subject=Scorecard.Subject.REP, period=Scorecard.Period.QUARTER, period_start=quarter_start)}
    statements = {statement.person_id: statement for statement in Statement.objects.filter(plan=plan)}
    lines = Counter(StatementLine.objects.filter(statement__plan=plan, kind=StatementLine.Kind.CONTRACT)
                    .values_list("deal_id", flat=True))
    reminders = Counter(Reminder.objects.filter(kind=Reminder.Kind.NEXT_STEP).values_list("activity_id", flat=True))
    return (all(seller in cards and (cards[seller].signed_contracts, cards[seller].sales_amount)
                == (count, count * SIGNED_AMOUNT) for seller, count in by_seller.items())
            and all(seller in statements and statements[seller].credited_amount == count * SIGNED_AMOUNT
                    for seller, count in by_seller.items())
            and lines == Counter(deal.pk for deal, _visit in signed)
            and reminders == Counter(visit.pk for _deal, visit in signed))


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


def test_two_webs_two_workers_and_beat_keep_every_signing_once_and_a_killed_run_finishes_once(cast, tmp_path):
    from bulksales.celery import app as production

    today = timezone.localdate()
    year, quarter = quarter_of(today)
    quarter_start = quarter_bounds(year, quarter)[0]
    sellers = [cast.rep, cast.account_manager, cast.other_rep]
    User.objects.filter(pk__in=[cast.manager.pk, cast.director.pk, *(seller.pk for seller in sellers)]).update(
        password=pbkdf2(PASSWORD))
    customer = CustomerFactory(owner=cast.rep, name="Rizhao Steel Co., Ltd.")
    coal = CommodityFactory()
    ExchangeRateFactory(valid_from=datetime.date(today.year - 1, 1, 1))
    RepTargetFactory(team_target=TeamTargetFactory(team=cast.rep.team, year=year, quarter=quarter), rep=cast.rep)
    plan = IncentivePlanFactory(year=year, quarter=quarter, created_by=cast.director)

    prefix = f"fullstack-{uuid.uuid4().hex[:10]}:"  # every broker key of this test's processes
    run_log = tmp_path / "run.log"
    # Both workers note and hold the periods of a recomputation run: either may be the one that takes it.
    env = child_env(FULLSTACK_KEY_PREFIX=prefix, CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
                    FULLSTACK_RUN_LOG=str(run_log), FULLSTACK_RUN_DELAY=str(PERIOD_DELAY))
    broker = redis.Redis.from_url(os.environ["REDIS_URL"])
    try:
        with services(tmp_path, env) as stack:
            webs = [stack.gunicorn(name, "-c", "python:tests.fullstack_gunicorn") for name in ("web1", "web2")]
            urls = [url for _web, url in webs]
            workers = [_worker(stack, name) for name in ("worker1", "worker2")]
            beat = stack.start("beat", "-m", "celery", "-A", "tests.fullstack_celery", "beat", "--loglevel", "INFO",
                               "-s", str(tmp_path / "celerybeat-schedule"))

            # a. The rep, over HTTP on the first web instance; then a burst of signings over both.
            rep = Browser(urls[0])
            rep.sign_in("rep", PASSWORD)
            deal, visit = _signs_a_deal_and_logs_a_visit(rep, customer, coal, today)
            assert (deal.owner, deal.stage, deal.outcome, deal.signed_on, deal.amount_base) == (
                cast.rep, Stage.FOLLOW_UP, Outcome.WON, today, SIGNED_AMOUNT)
            signed = [(deal, visit), *_burst_of_signings(sellers, urls, coal, today)]
            assert len(signed) == 1 + len(sellers) * len(urls) * SIGNINGS_EACH
            assert Deal.objects.filter(outcome=Outcome.WON).count() == len(signed)

            # b. Beat sends every production entry, under its name and task; the workers take them from
            # the broker and write each seller's scorecard, statement and reminders, which they then see.
            production_entries = {(name, entry["task"]) for name, entry in production.conf.beat_schedule.items()}
            # Scorecards, reminders, digests (two), tiers, the expiry of import files, the commission statements and
            # the re-pricing at rates come into force.
            assert len(production_entries) == 9

            def delivered() -> bool:
                logs = "".join(worker.log for worker in workers)
                return (all(f"Sending due task {name} ({task})" in beat.log for name, task in production_entries)
                        and re.search(r"compute_running_scorecards\[.+\] succeeded", logs)
                        and re.search(r"raise_follow_up_reminders\[.+\] succeeded", logs)
                        and re.search(r"compute_current_statements\[.+\] succeeded", logs)
                        and _every_signing_reflected(signed, quarter_start, plan))

            assert wait_until(delivered, 90), "beat and the workers did not deliver within 90 s"
            # Both web instances served the burst, and both workers worked.
            assert all(web.log.count('"POST /deals/') >= len(sellers) * SIGNINGS_EACH for web, _url in webs)
            assert all(" succeeded in " in worker.log for worker in workers)
            rep_signed = sum(1 for deal, _visit in signed if deal.owner == cast.rep)
            dashboard = rep.get("/dashboard/rep/").html
            assert f"{rep_signed * SIGNED_AMOUNT:,.0f} / 25,000,000 CNY" in dashboard, dashboard
            inbox = rep.get("/reminders/").html
            assert "Send the revised CFR offer" in inbox and customer.name in inbox
            # The director's dashboard (read on the replica, when there is one): the department's every signing.
            director = Browser(urls[1])
            director.sign_in("director", PASSWORD)
            for cookie in [cookie for cookie in director.cookies if cookie.name == WROTE_COOKIE]:
                # As after REPLICA_STICKY_SECONDS: the sign-in was a write, the director has made none since.
                director.cookies.clear(cookie.domain, cookie.path, cookie.name)
            department_total = f"{len(signed) * SIGNED_AMOUNT:,.0f} / 100,000,000 CNY"
            assert wait_until(lambda: department_total in director.get("/dashboard/department/").html, 10), \
                director.get("/dashboard/department/").html

            # c. Beat stops and its backlog is dropped (periodic jobs, due again at its next start: at two
            # seconds apart they come faster than two workers do them), so the recomputation the manager
            # asks for is the workers' only work; the worker that takes it is killed half-way through.
            beat.stop()
            # Whatever is still queued: on a fast machine the workers may have caught up already, and Redis
            # keeps no empty queue (so nothing to assert about its being there).
            broker.delete(f"{prefix}celery")
            manager = Browser(urls[1])
            manager.sign_in("manager", PASSWORD)
            page = manager.submit(manager.get("/scorecards/runs/").form("/scorecards/recompute/"))
            run = ScorecardRun.objects.get(pk=int(re.fullmatch(r"/scorecards/runs/(\d+)/", page.path).group(1)))
            periods = periods_of_run(run, today)
            assert len(periods) >= 2  # the quarter and its first month, at least

            def half_way() -> Service | None:
                run.refresh_from_db()
                started = [worker for worker in workers if len(_periods_started(run_log, worker)) >= 2]
                return started[0] if run.progress > 0 and started else None

            assert wait_until(half_way, 30, every=0.05), "the run did not get under way"
            first_worker = half_way()
            [second_worker] = [worker for worker in workers if worker is not first_worker]
            first_worker.kill()
            run.refresh_from_db()
            assert run.finished_at is None and 0 < run.progress < 100
            progress = manager.get(f"/scorecards/runs/{run.pk}/progress/").html
            assert f"{run.progress}%" in progress and "Recomputing the scorecards" in progress

            assert wait_until(lambda: ScorecardRun.objects.filter(pk=run.pk, finished_at__isnull=False).exists(), 40), \
                "the killed worker's run was not redelivered"
            time.sleep(VISIBILITY_TIMEOUT + 2)  # time for a second redelivery, were the message left unacknowledged
            run.refresh_from_db()
            assert (run.progress, run.error) == (100, "")
            # The same message, redelivered once; the other worker did each period of the run once.
            [task_id] = re.findall(r"Task targets\.tasks\.recompute_scorecards\[(.+)\] received", first_worker.log)
            assert re.findall(r"Task targets\.tasks\.recompute_scorecards\[(.+)\] (received|succeeded)",
                              second_worker.log) == [(task_id, "received"), (task_id, "succeeded")]
            assert _periods_started(run_log, second_worker) == [(period, day.isoformat()) for period, day in periods]
            assert ScorecardRun.objects.count() == 1
            page = manager.get(f"/scorecards/runs/{run.pk}/").html
            assert "100%" in page and "The scorecards were recomputed at" in page
            assert all(web.running() for web, _url in webs) and beat.process.returncode == 0
    finally:
        for key in broker.scan_iter(match=f"{prefix}*"):
            broker.delete(key)

    after_kill = _scorecards(periods)
    assert len(after_kill) == len({row[:4] for row in after_kill}), "duplicate scorecards"
    # Three scored sellers (the cast's rep, account manager and other rep), two teams, one department.
    assert Counter((row[2], row[3]) for row in after_kill) == {period: 6 for period in periods}
    assert ("rep", cast.rep.pk, "quarter", quarter_start, rep_signed * SIGNED_AMOUNT, 55000 * rep_signed) in {
        row[:6] for row in after_kill}
    assert _every_signing_reflected(signed, quarter_start, plan)
    assert Statement.objects.filter(plan=plan).count() == len(sellers)  # one each, however many runs
    # A clean run, here and uninterrupted, leaves the same rows with the same figures.
    clean = recompute_request(period_start=quarter_start, by=cast.manager)
    clean.refresh_from_db()
    assert (clean.progress, clean.error) == (100, "") and clean.finished_at is not None
    assert _scorecards(periods) == after_kill
