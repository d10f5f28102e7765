"""Recomputing a plan's statements: the director's run with its progress bar, and the nightly job."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.services import RuleError
from bulksales.celery import app
from targets.incentives import runs
from targets.incentives.models import IncentivePlan, PlanRun, Statement
from targets.incentives.tasks import compute_current_statements, recompute_plan_statements
from targets.periods import quarter_of

from .conftest import ROLES
from .test_commission_statements import make_plan, sign

OK, FOUND, FORBIDDEN, MISSING, NOT_ALLOWED = 200, 302, 403, 404, 405


def current_plan(cast) -> IncentivePlan:
    year, quarter = quarter_of(timezone.localdate())
    return make_plan(cast, year=year, quarter=quarter)


def test_the_director_recomputes_a_plan_and_follows_the_run(client_as, cast, django_capture_on_commit_callbacks):
    plan = current_plan(cast)
    sign(cast.rep, 1_000_000, timezone.localdate())
    client = client_as(cast.director)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("incentives:plan_recompute", args=[plan.pk]))
    run = PlanRun.objects.get()
    assert response.status_code == FOUND and response["Location"] == reverse("incentives:run", args=[run.pk])
    assert (run.plan, run.requested_by, run.progress, run.error, run.written) == (plan, cast.director, 100, "", 5)
    assert Statement.objects.get(person=cast.rep, plan=plan).total == D("10000.00")
    page = client.get(response["Location"]).content.decode()
    assert "100%" in page and 'hx-trigger="every 1s"' not in page
    assert "5 draft statements were recomputed" in page


def test_a_second_request_while_one_runs_returns_the_running_one(cast, django_capture_on_commit_callbacks):
    plan = current_plan(cast)
    with django_capture_on_commit_callbacks() as callbacks:
        first = runs.recompute_request(plan=plan, by=cast.director)
        second = runs.recompute_request(plan=plan, by=cast.director)
    assert second == first and PlanRun.objects.count() == 1 and len(callbacks) == 1
    PlanRun.objects.filter(pk=first.pk).update(started_at=timezone.now() - datetime.timedelta(hours=2))
    assert runs.recompute_request(plan=plan, by=cast.director) != first  # an abandoned run frees the plan
    first.refresh_from_db()
    assert first.error == "abandoned"


def test_only_the_director_recomputes(cast):
    plan = current_plan(cast)
    for person in (cast.manager, cast.rep):
        with pytest.raises(RuleError):
            runs.recompute_request(plan=plan, by=person)
    assert not PlanRun.objects.exists()


def test_the_run_saves_its_progress_and_a_redelivered_message_redoes_nothing(cast):
    plan = current_plan(cast)
    run = PlanRun.objects.create(plan=plan, requested_by=cast.director)
    assert recompute_plan_statements.delay(run.pk).get() == 5
    run.refresh_from_db()
    assert (run.progress, run.written) == (100, 5) and run.finished_at is not None
    assert recompute_plan_statements.delay(run.pk).get() == 0


def test_a_failing_run_records_its_error_and_reraises(cast, monkeypatch):
    plan = current_plan(cast)
    run = PlanRun.objects.create(plan=plan, requested_by=cast.director)

    def fail(plan, progress=None):
        raise RuntimeError("database went away")

    monkeypatch.setattr(runs, "statements_compute", fail)
    with pytest.raises(RuntimeError):
        recompute_plan_statements.delay(run.pk)
    run.refresh_from_db()
    assert run.finished_at is not None and "database went away" in run.error


def test_the_nightly_job_computes_the_running_quarters_plans_only(cast):
    plan = current_plan(cast)
    old = make_plan(cast, year=2020, quarter=1)
    assert compute_current_statements.delay().get() == 5
    assert Statement.objects.filter(plan=plan).count() == 5
    assert not Statement.objects.filter(plan=old).exists()
    entry = app.conf.beat_schedule["compute-commission-statements"]
    assert entry["task"] == "targets.incentives.tasks.compute_current_statements"
    assert entry["task"] in app.tasks


RUN_PAGES_OK = {role: FORBIDDEN for role in ROLES} | {"director": OK}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["run", "run_progress", "plan_recompute"])
def test_run_pages_answer_the_director_only(client_as, cast, role, page, django_assert_max_num_queries):
    plan = current_plan(cast)
    run = PlanRun.objects.create(plan=plan, requested_by=cast.director)
    url = reverse(f"incentives:{page}", args=[plan.pk if page == "plan_recompute" else run.pk])
    client = client_as(cast.by_role(role))
    with django_assert_max_num_queries(12):
        response = client.post(url) if page == "plan_recompute" else client.get(url)
    if role == "anonymous":
        assert response.status_code == FOUND and reverse("accounts:login") in response["Location"]
    elif page == "plan_recompute" and role == "director":
        assert response["Location"] == reverse("incentives:run", args=[run.pk])  # the running one
    else:
        assert response.status_code == RUN_PAGES_OK[role], f"{page} as {role}"


def test_a_missing_run_or_plan_is_404_and_recompute_is_a_post(client_as, cast):
    client = client_as(cast.director)
    assert client.get(reverse("incentives:run", args=[999])).status_code == MISSING
    assert client.post(reverse("incentives:plan_recompute", args=[999])).status_code == MISSING
    plan = current_plan(cast)
    assert client.get(reverse("incentives:plan_recompute", args=[plan.pk])).status_code == NOT_ALLOWED


def test_the_progress_bar_polls_until_finished_and_the_button_is_for_the_director(client_as, cast, rf):
    from django.template.loader import render_to_string

    plan = current_plan(cast)
    run = PlanRun.objects.create(plan=plan, requested_by=cast.director, progress=40)
    partial = client_as(cast.director).get(reverse("incentives:run_progress", args=[run.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in partial and "40%" in partial
    button = render_to_string("incentives/_run_button.html", {"plan": plan, "user": cast.director})
    assert reverse("incentives:plan_recompute", args=[plan.pk]) in button
    assert render_to_string("incentives/_run_button.html", {"plan": plan, "user": cast.manager}).strip() == ""
