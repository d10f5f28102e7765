"""The target pages (销售目标): a quarter's overview, a team's targets, their split among reps, their history,
copying a quarter forward, and the score weights.

Thin views: form in, service call, message, redirect. Teams come from `access.teams_visible_to` only, so a
manager reaches their own teams and gets 404 for anyone else's.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts import access
from accounts.models import Position, Team, User
from accounts.services import RuleError

from . import selectors, services
from .models import ScoreWeights, TargetRevision, TeamTarget
from .periods import next_quarter, previous_quarter, quarter_bounds, quarter_of
from .target_forms import (
    LABELS,
    CommodityTonnageFormSet,
    CopyForwardForm,
    ScoreWeightsForm,
    SplitFormSet,
    SplitReasonForm,
    TeamTargetForm,
)

PAGE_SIZE = 50
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the model's bounds for a target's year


# --- What the pages show -----------------------------------------------------------------------


@dataclass
class FigureRow:
    """One figure of a team's quarter: the target, what the reps' shares add up to, and what is left."""

    name: str
    label: str
    target: Decimal
    allocated: Decimal | None = None
    left: Decimal | None = None

    @property
    def over(self) -> bool:
        return self.left is not None and self.left < 0

    @property
    def unallocated(self) -> bool:
        return self.left is not None and self.left > 0

    @property
    def over_by(self) -> Decimal | None:
        return -self.left if self.over else None

    @property
    def places(self) -> str:
        """The floatformat argument: whole numbers, but a satisfaction floor keeps its decimals."""
        return "-2" if self.name == "min_satisfaction" else "0g"


@dataclass
class TeamRow:
    team: Team
    target: TeamTarget | None
    figures: list[FigureRow] = field(default_factory=list)

    @property
    def over(self) -> bool:
        return any(row.over for row in self.figures)

    @property
    def unallocated(self) -> bool:
        return any(row.unallocated for row in self.figures)


def _figure_rows(target: TeamTarget, allocation: dict[str, dict]) -> list[FigureRow]:
    """`allocation` is shaped like `services.allocation`; the satisfaction floor is not split."""
    rows = [FigureRow(name, str(LABELS[name]), **allocation[name]) for name in TeamTarget.SPLIT]
    rows.append(FigureRow("min_satisfaction", str(LABELS["min_satisfaction"]), target.min_satisfaction))
    return rows


def _allocation_from_sums(target: TeamTarget) -> dict[str, dict]:
    """`services.allocation` from the sums annotated by `_team_rows`, so the overview is one query for all teams."""
    result = {}
    for name in TeamTarget.SPLIT:
        goal, allocated = Decimal(getattr(target, name)), Decimal(getattr(target, f"allocated_{name}") or 0)
        result[name] = {"target": goal, "allocated": allocated, "left": goal - allocated}
    return result


def _team_rows(user: User, year: int, quarter: int) -> list[TeamRow]:
    """Every team the user may see, with its quarter targets and their allocation, in two queries."""
    teams = (
        access.teams_visible_to(user)
        .select_related("manager")
        # The same people as `services.team_reps`, counted for every team in this one query.
        .annotate(rep_count=Count("members", filter=Q(
            members__is_active=True, members__position__in=[Position.REP, Position.ACCOUNT_MANAGER])))
        .order_by("name")
    )
    targets = (
        TeamTarget.objects.filter(year=year, quarter=quarter, team__in=access.teams_visible_to(user))
        .annotate(**{f"allocated_{name}": Sum(f"shares__{name}") for name in TeamTarget.SPLIT})
        .prefetch_related("commodity_tonnages__commodity")
        .order_by()
    )
    by_team = {target.team_id: target for target in targets}
    rows = []
    for team in teams:
        target = by_team.get(team.pk)
        rows.append(TeamRow(team, target, _figure_rows(target, _allocation_from_sums(target)) if target else []))
    return rows


def _own_targets(user: User, year: int, quarter: int) -> dict:
    """A rep's or account manager's page: their share(s) beside their team's target, and their revisions."""
    shares = list(
        selectors.own_rep_targets(user, year=year, quarter=quarter)
        .select_related("team_target__team")
        .order_by("team_target__team__name")
    )
    cards = []
    for share in shares:
        rows = [{"label": LABELS[name], "mine": getattr(share, name), "team": getattr(share.team_target, name),
                 "places": "0g", "currency": name == "sales_amount"} for name in TeamTarget.SPLIT]
        floor = share.team_target.min_satisfaction  # the floor is not split: it holds for every rep
        rows.append({"label": LABELS["min_satisfaction"], "mine": floor, "team": floor, "places": "-2"})
        cards.append({"team": share.team_target.team, "rows": rows})
    team_target = None
    if not shares:
        team_target = selectors.own_team_target(user, year=year, quarter=quarter).select_related("team").first()
    revisions = (
        selectors.own_target_revisions(user, year=year, quarter=quarter)
        .select_related("by", "rep", "team_target__team")[:PAGE_SIZE]
    )
    return {
        "share_cards": cards,
        "team_target": team_target,
        "team_rows": _figure_rows(team_target, {name: {"target": getattr(team_target, name)}
                                                for name in TeamTarget.SPLIT}) if team_target else [],
        "revisions": _labelled(revisions),
    }


def _labelled(revisions) -> list[TargetRevision]:
    revisions = list(revisions)
    for revision in revisions:
        if revision.figure.startswith("tonnage:"):
            revision.figure_label = _("Tonnage of %(commodity)s") % {"commodity": revision.figure.split(":", 1)[1]}
        else:
            revision.figure_label = LABELS.get(revision.figure, revision.figure)
        revision.places = "-2" if revision.figure == "min_satisfaction" else "0g"
    return revisions


# --- Scope -------------------------------------------------------------------------------------


def _check_quarter(year: int, quarter: int) -> None:
    if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= quarter <= 4):
        raise Http404


def _team_or_404(request: HttpRequest, team_id: int) -> Team:
    return access.get_visible_or_404(access.teams_visible_to(request.user).select_related("manager"), pk=team_id)


def _period(year: int, quarter: int) -> str:
    return _("%(year)d Q%(quarter)d") % {"year": year, "quarter": quarter}


def _quarter_context(year: int, quarter: int) -> dict:
    start, end = quarter_bounds(year, quarter)
    previous, following = previous_quarter(year, quarter), next_quarter(year, quarter)
    return {
        "year": year,
        "quarter": quarter,
        "period": _period(year, quarter),
        "starts_on": start,
        "ends_on": end,
        "previous": previous if previous[0] >= FIRST_YEAR else None,
        "previous_period": _period(*previous),
        "next": following if following[0] <= LAST_YEAR else None,
        "next_period": _period(*following),
    }


def _over_labels(target: TeamTarget) -> list[str]:
    return [str(LABELS[name]) for name, row in services.allocation(target).items() if row["left"] < 0]


def _warn_if_over(request: HttpRequest, target: TeamTarget) -> None:
    over = _over_labels(target)
    if over:
        messages.warning(
            request,
            _("Over-allocated: the reps' shares of %(team)s add up to more than the team target for %(figures)s.")
            % {"team": target.team, "figures": ", ".join(over)},
        )


# --- Pages -------------------------------------------------------------------------------------


@access.sellers_only
def quarter_overview(request: HttpRequest, year: int | None = None, quarter: int | None = None) -> HttpResponse:
    if year is None or quarter is None:
        year, quarter = quarter_of(timezone.localdate())
    _check_quarter(year, quarter)
    user = request.user
    context = _quarter_context(year, quarter) | {
        "can_set": services.can_set_team_targets(user),
        "sees_teams": access.can_open_team_pages(user),
    }
    if context["sees_teams"]:
        context["teams"] = _team_rows(user, year, quarter)
        if context["can_set"] and context["next"]:
            context["copy_form"] = CopyForwardForm()
    else:
        context |= _own_targets(user, year, quarter)
    return render(request, "targets/target_quarter.html", context)


@access.director_only
def team_edit(request: HttpRequest, year: int, quarter: int, team_id: int) -> HttpResponse:
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
            messages.success(request, _("The targets of %(team)s for %(period)s were saved.")
                             % {"team": team, "period": _period(year, quarter)})
            _warn_if_over(request, target)
            return redirect("targets:quarter", year=year, quarter=quarter)
    return render(request, "targets/target_team_form.html",
                  _quarter_context(year, quarter) | {"form": form, "team": team, "target": target})


@access.manager_or_director
def split(request: HttpRequest, year: int, quarter: int, team_id: int) -> HttpResponse:
    _check_quarter(year, quarter)
    team = _team_or_404(request, team_id)
    if not services.can_split(request.user, team):
        raise PermissionDenied
    context = _quarter_context(year, quarter) | {"team": team}
    target = TeamTarget.objects.filter(team=team, year=year, quarter=quarter).first()
    if target is None:
        context["can_set"] = services.can_set_team_targets(request.user)
        return render(request, "targets/target_split.html", context)
    reps = list(services.team_reps(team).order_by("full_name", "username"))
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
            messages.success(request, _("The split of the targets of %(team)s for %(period)s was saved.")
                             % {"team": team, "period": _period(year, quarter)})
            _warn_if_over(request, target)
            return redirect("targets:quarter", year=year, quarter=quarter)
    rep_ids = {rep.pk for rep in reps}
    context |= {
        "target": target,
        "formset": formset,
        "reason_form": reason_form,
        "figures": _figure_rows(target, services.allocation(target))[: len(TeamTarget.SPLIT)],
        # Shares of people who left the team or were deactivated still count as allocated.
        "former_shares": [share for rep_id, share in shares.items() if rep_id not in rep_ids],
    }
    context["over"] = any(row.over for row in context["figures"])
    context["unallocated"] = any(row.unallocated for row in context["figures"])
    return render(request, "targets/target_split.html", context)


@access.manager_or_director
def history(request: HttpRequest, year: int, quarter: int, team_id: int) -> HttpResponse:
    _check_quarter(year, quarter)
    team = _team_or_404(request, team_id)
    revisions = TargetRevision.objects.filter(
        team_target__team=team, team_target__year=year, team_target__quarter=quarter
    ).select_related("by", "rep")
    page = Paginator(revisions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "targets/target_history.html",
                  _quarter_context(year, quarter) | {"team": team, "page": page, "revisions": _labelled(page)})


@access.director_only
@require_POST
def copy_forward(request: HttpRequest, year: int, quarter: int) -> HttpResponse:
    _check_quarter(year, quarter)
    next_year, next_q = next_quarter(year, quarter)
    _check_quarter(next_year, next_q)
    form = CopyForwardForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["uplift_percent"]))
        return redirect("targets:quarter", year=year, quarter=quarter)
    sources = TeamTarget.objects.filter(year=year, quarter=quarter)
    if not sources.exists():
        messages.info(request, _("No team has targets for %(period)s: there is nothing to copy.")
                      % {"period": _period(year, quarter)})
        return redirect("targets:quarter", year=year, quarter=quarter)
    left_alone = [str(target.team) for target in sources.filter(
        team__targets__year=next_year, team__targets__quarter=next_q).select_related("team").order_by("team__name")]
    try:
        copied = services.targets_copy_forward(year=year, quarter=quarter,
                                               uplift_percent=form.cleaned_data["uplift_percent"], by=request.user)
    except RuleError as error:
        messages.error(request, str(error))
        return redirect("targets:quarter", year=year, quarter=quarter)
    period = _period(next_year, next_q)
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
def weights(request: HttpRequest) -> HttpResponse:
    form = ScoreWeightsForm(request.POST or None, instance=ScoreWeights.current())
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The score weights were saved. Scorecards use them from their next computation."))
        return redirect("targets:weights")
    return render(request, "targets/target_weights.html", {"form": form})


@access.director_only
def commodity_tonnage(request: HttpRequest, year: int, quarter: int, team_id: int) -> HttpResponse:
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
