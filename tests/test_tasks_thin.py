"""Celery tasks are thin: each imports its service in its body and calls it; the services never import the
tasks when they load. A digest goes once per person and period, claimed by a unique row that a failed
send does not leave behind."""

import ast
import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import digests
from accounts.models import DigestSent
from pipeline import reminders
from pipeline.tasks import send_reminder_digests
from targets import scorecards
from targets.kpis import compute_scorecards
from targets.models import Scorecard
from targets.periods import quarter_bounds, quarter_of
from targets.tasks import send_team_scorecard_digests

from .factories import ActivityFactory, CustomerFactory

ROOT = Path(__file__).resolve().parent.parent
TASK_MODULES = sorted(ROOT.glob("*/tasks.py"))
SERVICE_MODULES = ["accounts.services", "accounts.digests", "customers.tiers", "customers.import_jobs",
                   "pipeline.reminders", "targets.kpis", "targets.scorecards"]


def today() -> datetime.date:
    return timezone.localdate()


def late_next_step(owner):
    return ActivityFactory(customer=CustomerFactory(owner=owner), owner=owner, next_step="Send the Q1 offer",
                           next_step_due=today() - datetime.timedelta(days=1))


def compute_this_quarter():
    compute_scorecards(period=Scorecard.Period.QUARTER, start=quarter_bounds(*quarter_of(today()))[0])


# --- Thin tasks, no import cycle -------------------------------------------------------------------


def test_it_finds_every_tasks_module():
    assert {path.parent.name for path in TASK_MODULES} == {"accounts", "customers", "pipeline", "targets"}


@pytest.mark.parametrize("path", TASK_MODULES, ids=lambda path: path.parent.name)
def test_each_task_imports_its_service_in_its_body_and_only_calls_it(path):
    module = ast.parse(path.read_text())
    body = [node for node in module.body if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
    imports = [node for node in body if isinstance(node, ast.ImportFrom | ast.Import)]
    assert [ast.unparse(node) for node in imports] == ["from celery import shared_task"]
    tasks = [node for node in body if isinstance(node, ast.FunctionDef)]
    assert tasks and len(tasks) == len(body) - len(imports), "only tasks at module level"
    for task in tasks:
        statements = [node for node in task.body
                      if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
        *loads, call = statements
        assert loads and all(isinstance(node, ast.ImportFrom) for node in loads), task.name
        assert isinstance(call, ast.Return | ast.Expr) and isinstance(call.value, ast.Call), task.name
        assert all(isinstance(arg, ast.Name) for arg in call.value.args), task.name
        assert all(isinstance(kw.value, ast.Name) for kw in call.value.keywords), task.name


def test_importing_the_services_imports_no_tasks_module():
    script = (
        "import sys, django; django.setup(); before = set(sys.modules)\n"
        f"for name in {SERVICE_MODULES!r}: __import__(name)\n"
        "loaded = sorted(m for m in set(sys.modules) - before if m.endswith('.tasks'))\n"
        "assert 'targets.tasks' not in sys.modules and not loaded, loaded\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=os.environ.copy(), capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr


# --- A digest once per person and period ------------------------------------------------------------


def test_the_reminder_digest_sent_twice_goes_once_with_one_row(cast, mailoutbox):
    late_next_step(cast.rep)
    reminders.raise_reminders()

    assert reminders.reminder_digests_send(day=today()) == 1
    assert reminders.reminder_digests_send(day=today()) == 0
    assert send_reminder_digests.delay().get() == 0

    assert [mail.to for mail in mailoutbox] == [[cast.rep.email]]
    assert list(DigestSent.objects.values_list("user", "kind", "period_start")) == [
        (cast.rep.pk, reminders.DIGEST_KIND, today())]


def test_the_scorecard_digest_sent_twice_in_a_week_goes_once_per_manager(cast, mailoutbox):
    compute_this_quarter()

    assert send_team_scorecard_digests.delay().get() == 2
    assert scorecards.team_scorecard_digests_send() == 0

    week_start = today() - datetime.timedelta(days=today().weekday())
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted([cast.manager.email, cast.other_manager.email])
    assert set(DigestSent.objects.values_list("kind", "period_start")) == {(scorecards.DIGEST_KIND, week_start)}
    assert DigestSent.objects.count() == 2


def test_a_failed_send_leaves_no_row_and_the_next_run_sends_it(cast, mailoutbox, monkeypatch):
    late_next_step(cast.rep)
    late_next_step(cast.account_manager)
    reminders.raise_reminders()
    real_send_mail = digests.send_mail

    def refuse_the_rep(subject, body, sender, to):
        if to == [cast.rep.email]:
            raise ConnectionRefusedError("the mail server is down")
        real_send_mail(subject, body, sender, to)

    monkeypatch.setattr(digests, "send_mail", refuse_the_rep)
    with pytest.raises(ConnectionRefusedError):
        reminders.reminder_digests_send(day=today())
    assert [mail.to for mail in mailoutbox] == [[cast.account_manager.email]]  # the others still went
    assert list(DigestSent.objects.values_list("user", flat=True)) == [cast.account_manager.pk]

    monkeypatch.setattr(digests, "send_mail", real_send_mail)
    assert reminders.reminder_digests_send(day=today()) == 1
    assert [mail.to for mail in mailoutbox] == [[cast.account_manager.email], [cast.rep.email]]
    assert DigestSent.objects.count() == 2


def test_a_digest_of_another_period_is_sent_again(cast, mailoutbox):
    compose = lambda: ("Subject", "Body")  # noqa: E731
    for day in (today(), today(), today() + datetime.timedelta(days=1)):
        digests.digest_send_once(person=cast.rep, kind="test", period_start=day, compose=compose)
    assert len(mailoutbox) == 2
    assert DigestSent.objects.count() == 2


def test_the_database_refuses_a_second_row_for_the_same_person_and_period(cast):
    DigestSent.objects.create(user=cast.rep, kind="test", period_start=today())
    with pytest.raises(IntegrityError), transaction.atomic():
        DigestSent.objects.create(user=cast.rep, kind="test", period_start=today())
