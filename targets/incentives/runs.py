"""Recomputing commission statements: the nightly job over the current quarter's plans, and a director's
recompute of one plan as a PlanRun followed on a progress bar (as the scorecards' runs are), with its
pages. Both only rewrite drafts (compute.py); each statement is its own transaction, so a worker killed
midway leaves whole statements, and the rerun (acks_late redelivers the message) finishes the rest."""

from datetime import date

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access
from accounts.models import User
from accounts.pages import AuthenticatedRequest
from accounts.services import RuleError

from ..computation_runs import claim_run
from ..periods import quarter_of
from .compute import statements_compute
from .models import IncentivePlan, PlanRun


def can_recompute_statements(user: User) -> bool:
    """Only the director recomputes a plan's statements on demand (the nightly job does it for everyone)."""
    return user.is_active and user.is_director


def compute_current(today: date | None = None) -> int:
    """The nightly job: every plan of the running quarter, one after the other; the drafts written."""
    year, quarter = quarter_of(today or timezone.localdate())
    return sum(statements_compute(plan) for plan in IncentivePlan.objects.filter(year=year, quarter=quarter))


@transaction.atomic
def recompute_request(*, plan: IncentivePlan, by: User) -> PlanRun:
    """Claim the recomputation of a plan's statements and enqueue it on commit. While one runs for the
    plan, a second request returns the running one: the partial unique constraint makes the claim."""
    if not can_recompute_statements(by):
        raise RuleError(_("Only the director recomputes commission statements."))
    from .tasks import recompute_plan_statements

    return claim_run(PlanRun, plan=plan, by=by, start=recompute_plan_statements.delay,
                     busy=_("The statements are busy; try again in a moment."))


def recompute_run(*, run_id: int) -> int:
    """Do a claimed run, saving its progress after each statement for the progress bar (another
    connection). A failure is recorded on the run and re-raised; a finished run is not redone."""
    run = PlanRun.objects.filter(pk=run_id, finished_at__isnull=True).select_related("plan").first()
    if run is None:
        return 0
    shown = [0]

    def progress(done: int, of: int) -> None:
        percent = int(100 * done / of)
        if percent != shown[0]:
            PlanRun.objects.filter(pk=run_id).update(progress=percent)
            shown[0] = percent

    try:
        written = statements_compute(run.plan, progress=progress)
    except Exception as error:
        PlanRun.objects.filter(pk=run_id, finished_at__isnull=True).update(
            finished_at=timezone.now(), error=f"{type(error).__name__}: {error}"[:2000])
        raise
    PlanRun.objects.filter(pk=run_id, finished_at__isnull=True).update(finished_at=timezone.now(), progress=100,
                                                                       written=written)
    return written


# --- Pages (the director's; 403 for anyone else) ------------------------------------------------------

director_only = access.allowed_if(can_recompute_statements)


def _run_or_404(pk: int) -> PlanRun:
    return access.get_visible_or_404(PlanRun.objects.select_related("plan", "requested_by"), pk=pk)


@require_POST
@director_only
def recompute(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Start (or join) the recomputation of a plan's draft statements."""
    plan = access.get_visible_or_404(IncentivePlan.objects.all(), pk=pk)
    try:
        run = recompute_request(plan=plan, by=request.user)
    except RuleError as error:
        messages.error(request, str(error))
        return redirect("dashboards:mine")
    if run.requested_by_id != request.user.pk:
        messages.info(request, _("These statements were already being recomputed at %(name)s's request.")
                      % {"name": run.requested_by or _("someone else")})
    return redirect("incentives:run", pk=run.pk)


@director_only
def run_page(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return render(request, "incentives/run.html", {"run": _run_or_404(pk)})


@director_only
def run_progress(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The progress bar alone, which htmx polls every second until the run is finished."""
    return render(request, "incentives/_run_progress.html", {"run": _run_or_404(pk)})
