"""Recomputing scorecards on demand: request a quarter, then follow the run's progress bar.

Managers and the director only (others 403). A run holds no private data, so they may follow
anyone's run; the figures themselves are shown by the dashboards, under their own access rules.
"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access
from accounts.pages import AuthenticatedRequest
from accounts.services import RuleError

from .. import scorecards
from ..forms.scorecards import RecomputeForm, quarter_choices
from ..models import ScorecardRun

RECENT_RUNS = 20


def _run_or_404(pk: int) -> ScorecardRun:
    return access.get_visible_or_404(ScorecardRun.objects.select_related("requested_by"), pk=pk)


@access.manager_or_director
def run_list(request: AuthenticatedRequest) -> HttpResponse:
    runs = ScorecardRun.objects.select_related("requested_by")[:RECENT_RUNS]
    return render(request, "targets/scorecard_runs.html",
                  {"runs": runs, "form": RecomputeForm(today=timezone.localdate())})


@require_POST
@access.manager_or_director
def recompute(request: AuthenticatedRequest) -> HttpResponse:
    """Start (or join) the recomputation of a quarter: the running one by default."""
    today = timezone.localdate()
    data = request.POST if request.POST.get("period_start") else {"period_start": quarter_choices(today)[0][0]}
    form = RecomputeForm(data, today=today)
    if not form.is_valid():
        messages.error(request, _("Choose one of the quarters offered."))
        return redirect("scorecards:runs")
    try:
        run = scorecards.recompute_request(period_start=form.cleaned_data["period_start"], by=request.user)
    except RuleError as error:
        messages.error(request, str(error))
        return redirect("scorecards:runs")
    if run.requested_by_id != request.user.pk:
        messages.info(request, _("These scorecards were already being recomputed at %(name)s's request.")
                      % {"name": run.requested_by or _("someone else")})
    return redirect("scorecards:run", pk=run.pk)


@access.manager_or_director
def run(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    found = _run_or_404(pk)
    return render(request, "targets/scorecard_run.html",
                  {"run": found, "quarter": found.quarter})


@access.manager_or_director
def run_progress(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The progress bar alone, which htmx polls every second until the run is finished."""
    return render(request, "targets/scorecard_run_progress.html", {"run": _run_or_404(pk)})
