"""The target pages (销售目标): a quarter's overview, a team's targets, their split among reps, their history,
copying a quarter forward, and the score weights.

Thin views: form in, service call, message, redirect. Teams come from `access.teams_visible_to` only, so a
manager reaches their own teams and gets 404 for anyone else's.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts import access
from accounts.models import Team
from accounts.pages import AuthenticatedRequest, page_of, query_without_page
from accounts.services import RuleError

from .. import selectors, services
from ..forms.targets import (
    CommodityTonnageFormSet,
    CopyForwardForm,
    ScoreWeightsForm,
    SplitFormSet,
    SplitReasonForm,
    TeamTargetForm,
)
from ..models import FIGURE_LABELS, ScoreWeights, TargetRevision, TeamTarget
from ..periods import next_quarter, previous_quarter, quarter_bounds, quarter_label, quarter_of

FIRST_YEAR, LAST_YEAR = 2000, 2100  # the model's bounds for a target's year


# --- Scope -------------------------------------------------------------------------------------


def _check_quarter(year: int, quarter: int) -> None:
    if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= quarter <= 4):
        raise Http404


def _team_or_404(request: AuthenticatedRequest, team_id: int) -> Team:
    return access.get_visible_or_404(access.teams_visible_to(request.user).select_related("manager"), pk=team_id)


def _quarter_context(year: int, quarter: int) -> dict[str, Any]:
    start, end = quarter_bounds(year, quarter)
    previous, following = previous_quarter(year, quarter), next_quarter(year, quarter)
    return {
        "year": year,
        "quarter": quarter,
        "period": quarter_label(year, quarter),
        "starts_on": start,
        "ends_on": end,
        "previous": previous if previous[0] >= FIRST_YEAR else None,
        "previous_period": quarter_label(*previous),
        "next": following if following[0] <= LAST_YEAR else None,
        "next_period": quarter_label(*following),
    }


def _over_labels(target: TeamTarget) -> list[str]:
    return [str(FIGURE_LABELS[name]) for name, row in selectors.allocation(target).items() if row["left"] < 0]


def _saved(request: AuthenticatedRequest, target: TeamTarget, message: str) -> HttpResponse:
    """After a team's targets or their split changed: say so, warn if the reps' shares now add up to
    more than the team's, and go back to the quarter."""
    messages.success(request, message)
    over = _over_labels(target)
    if over:
        messages.warning(
            request,
            _("Over-allocated: the reps' shares of %(team)s add up to more than the team target for %(figures)s.")
            % {"team": target.team, "figures": ", ".join(over)},
        )
    return redirect("targets:quarter", year=target.year, quarter=target.quarter)


# --- Pages -------------------------------------------------------------------------------------


@access.sellers_only
def quarter_overview(
    request: AuthenticatedRequest, year: int | None = None, quarter: int | None = None
) -> HttpResponse:
    if year is None or quarter is None:
        year, quarter = quarter_of(timezone.localdate())
    _check_quarter(year, quarter)
    user = request.user
    context = _quarter_context(year, quarter) | {
        "can_set": selectors.can_set_team_targets(user),
        "sees_teams": access.can_open_team_pages(user),
    }
    if context["sees_teams"]:
        context["teams"] = selectors.team_rows(user, year, quarter)
        if context["can_set"] and context["next"]:
            context["copy_form"] = CopyForwardForm()
    else:
        context |= selectors.own_targets(user, year, quarter)
    return render(request, "targets/target_quarter.html", context)


@access.director_only
def team_edit(request: AuthenticatedRequest, year: int, quarter: int, team_id: int) -> HttpResponse:
    _check_quarter(year, quarter)
    team = _team_or_404(request, team_id)
    target = TeamTarget.objects.filter(team=team, year=year, quarter=quarter).first()
    initial = {name: getattr(target, name) for name in TeamTarget.FIGURES} if target else {}
    form = TeamTargetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if target and not set(form.changed_data) & set(TeamTarget.FIGURES):
            messages.info(request, _("Nothing changed."))
            return redirect("targets:quarter", year=year, quarter=quarter)
        try:
            target = services.team_target_set(team=team, year=year, quarter=quarter, figures=form.figures(),
                                              by=request.user, reason=form.cleaned_data["reason"])
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            return _saved(request, target, _("The targets of %(team)s for %(period)s were saved.")
                          % {"team": team, "period": quarter_label(year, quarter)})
    return render(request, "targets/target_team_form.html",
                  _quarter_context(year, quarter) | {"form": form, "team": team, "target": target})


@access.manager_or_director
def split(request: AuthenticatedRequest, year: int, quarter: int, team_id: int) -> HttpResponse:
    _check_quarter(year, quarter)
    team = _team_or_404(request, team_id)
    if not selectors.can_split(request.user, team):
        raise PermissionDenied
    context = _quarter_context(year, quarter) | {"team": team}
    target = TeamTarget.objects.filter(team=team, year=year, quarter=quarter).first()
    if target is None:
        context["can_set"] = selectors.can_set_team_targets(request.user)
        return render(request, "targets/target_split.html", context)
    reps = list(selectors.team_reps(team).order_by("full_name", "username"))
    shares = {share.rep_id: share for share in target.shares.select_related("rep")}
    formset = SplitFormSet(request.POST or None, reps=reps, shares=shares, prefix="shares")
    reason_form = SplitReasonForm(request.POST or None)
    if request.method == "POST" and formset.is_valid() and reason_form.is_valid():
        if not formset.has_changed():
            messages.info(request, _("Nothing changed."))
            return redirect("targets:quarter", year=year, quarter=quarter)
        try:
            services.rep_targets_split(team_target=target, shares=formset.shares(existing=set(shares)),
                                       by=request.user, reason=reason_form.cleaned_data["reason"])
        except RuleError as error:
            reason_form.add_error(None, str(error))
        else:
            return _saved(request, target, _("The split of the targets of %(team)s for %(period)s was saved.")
                          % {"team": team, "period": quarter_label(year, quarter)})
    rep_ids = {rep.pk for rep in reps}
    context |= {
        "target": target,
        "formset": formset,
        "reason_form": reason_form,
        "figures": selectors.figure_rows(target, selectors.allocation(target))[: len(TeamTarget.SPLIT)],
        # Shares of people who left the team or were deactivated still count as allocated.
        "former_shares": [share for rep_id, share in shares.items() if rep_id not in rep_ids],
    }
    context["over"] = any(row.over for row in context["figures"])
    context["unallocated"] = any(row.unallocated for row in context["figures"])
    return render(request, "targets/target_split.html", context)


@access.manager_or_director
def history(request: AuthenticatedRequest, year: int, quarter: int, team_id: int) -> HttpResponse:
    _check_quarter(year, quarter)
    team = _team_or_404(request, team_id)
    revisions = TargetRevision.objects.filter(
        team_target__team=team, team_target__year=year, team_target__quarter=quarter
    ).select_related("by", "rep")
    page = page_of(request, revisions)
    return render(request, "targets/target_history.html", _quarter_context(year, quarter) | {
        "team": team, "page": page, "query": query_without_page(request),
        "revisions": selectors.labelled_revisions(page)})


@access.director_only
@require_POST
def copy_forward(request: AuthenticatedRequest, year: int, quarter: int) -> HttpResponse:
    _check_quarter(year, quarter)
    next_year, next_q = next_quarter(year, quarter)
    _check_quarter(next_year, next_q)
    form = CopyForwardForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(message) for message in form.errors["uplift_percent"]))
        return redirect("targets:quarter", year=year, quarter=quarter)
    sources = TeamTarget.objects.filter(year=year, quarter=quarter)
    if not sources.exists():
        messages.info(request, _("No team has targets for %(period)s: there is nothing to copy.")
                      % {"period": quarter_label(year, quarter)})
        return redirect("targets:quarter", year=year, quarter=quarter)
    left_alone = [str(target.team) for target in sources.filter(
        team__targets__year=next_year, team__targets__quarter=next_q).select_related("team").order_by("team__name")]
    try:
        copied = services.targets_copy_forward(year=year, quarter=quarter,
                                               uplift_percent=form.cleaned_data["uplift_percent"], by=request.user)
    except RuleError as error:
        messages.error(request, str(error))
        return redirect("targets:quarter", year=year, quarter=quarter)
    period = quarter_label(next_year, next_q)
    messages.success(request, ngettext(
        "%(count)d team got targets for %(period)s.",
        "%(count)d teams got targets for %(period)s.", copied) % {"count": copied, "period": period})
    if left_alone:
        messages.info(request, ngettext(
            "Left alone, as it already had targets for %(period)s: %(teams)s.",
            "Left alone, as they already had targets for %(period)s: %(teams)s.", len(left_alone),
        ) % {"period": period, "teams": ", ".join(left_alone)})
    return redirect("targets:quarter", year=next_year, quarter=next_q)


@access.director_only
def weights(request: AuthenticatedRequest) -> HttpResponse:
    form = ScoreWeightsForm(request.POST or None, instance=ScoreWeights.current())
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The score weights were saved. Scorecards use them from their next computation."))
        return redirect("targets:weights")
    return render(request, "targets/target_weights.html", {"form": form})


@access.director_only
def commodity_tonnage(request: AuthenticatedRequest, year: int, quarter: int, team_id: int) -> HttpResponse:
    """Optionally, the team's quarter tonnage per commodity, within its overall tonnage target."""
    _check_quarter(year, quarter)
    team = _team_or_404(request, team_id)
    target = TeamTarget.objects.filter(team=team, year=year, quarter=quarter).first()
    if target is None:
        raise Http404
    rows = [{"commodity": row.commodity, "tonnes": row.tonnes} for row in target.commodity_tonnages.all()]
    formset = CommodityTonnageFormSet(request.POST or None, initial=rows, prefix="tonnage")
    reason_form = SplitReasonForm(request.POST or None)
    if request.method == "POST" and formset.is_valid() and reason_form.is_valid():
        try:
            services.commodity_tonnages_set(team_target=target, tonnages=formset.tonnages(), by=request.user,
                                            reason=reason_form.cleaned_data["reason"])
        except RuleError as error:
            reason_form.add_error(None, str(error))
        else:
            messages.success(request, _("The tonnage per commodity of %(team)s was saved.") % {"team": team})
            return redirect("targets:quarter", year=year, quarter=quarter)
    return render(request, "targets/target_tonnage.html", _quarter_context(year, quarter) | {
        "team": team, "target": target, "formset": formset, "reason_form": reason_form})
