"""Demo targets and scorecards for `seed_demo`: every team's targets for the running and the previous
quarter, split evenly among its reps, set at 110% of what the team signed on average in the four
quarters before (in round figures); then the scorecards of the running and previous month and
quarter, so every dashboard is full on first sign-in. Deterministic; a second run adds nothing."""

import math
from decimal import ROUND_DOWN, Decimal

from django.utils import timezone

from accounts.models import Position, Team, User
from targets.kpis import compute_scorecards, figures_for, periods_to_compute
from targets.models import Scorecard, TeamTarget
from targets.periods import previous_quarter, quarter_bounds, quarter_of
from targets.selectors import team_reps
from targets.services import rep_targets_split, team_target_set

UPLIFT = Decimal("1.10")
HISTORY = 4  # quarters averaged
MIN_SATISFACTION = Decimal("4.00")


def _round_figure(value: Decimal) -> Decimal:
    """Two significant figures: 412,345,678 -> 410,000,000."""
    if value <= 0:
        return Decimal(0)
    step = Decimal(10) ** max(0, len(str(int(value))) - 2)
    return (value / step).to_integral_value() * step


def _history(year: int, quarter: int) -> dict[int, dict]:
    """Each team's average per quarter over the HISTORY quarters before (year, quarter)."""
    totals: dict[int, dict] = {}
    for _step in range(HISTORY):
        year, quarter = previous_quarter(year, quarter)
        for team_id, figures in figures_for(Scorecard.Subject.TEAM, *quarter_bounds(year, quarter)).items():
            team = totals.setdefault(team_id, {name: Decimal(0) for name in TeamTarget.SPLIT})
            for name in TeamTarget.SPLIT:
                team[name] += Decimal(figures.get(name) or 0)
    return {team_id: {name: value / HISTORY for name, value in figures.items()} for team_id, figures in totals.items()}


def _team_figures(average: dict) -> dict:
    return {
        "sales_amount": _round_figure(average["sales_amount"] * UPLIFT),
        "tonnage": _round_figure(average["tonnage"] * UPLIFT),
        "signed_contracts": max(1, math.ceil(average["signed_contracts"] * UPLIFT)),
        "new_customers": max(1, math.ceil(average["new_customers"] * UPLIFT)),
        "min_satisfaction": MIN_SATISFACTION,
    }


def _shares(figures: dict, reps: list[User]) -> dict[int, dict]:
    """Even shares; what does not divide goes to the first reps, so the shares add up to the team's."""
    shares: dict[int, dict] = {rep.pk: {} for rep in reps}
    for name in TeamTarget.SPLIT:
        unit = Decimal(1) if name in ("signed_contracts", "new_customers") else Decimal("0.01")
        total = Decimal(figures[name])
        each = (total / len(reps)).quantize(unit, rounding=ROUND_DOWN)
        extras = int((total - each * len(reps)) / unit)
        for index, rep in enumerate(reps):
            value = each + (unit if index < extras else 0)
            shares[rep.pk][name] = int(value) if unit == 1 else value
    return shares


def seed_targets() -> None:
    director = User.objects.filter(position=Position.DIRECTOR, is_active=True).order_by("pk").first()
    if director is None:
        return
    today = timezone.localdate()
    current = quarter_of(today)
    for year, quarter in (previous_quarter(*current), current):
        taken = set(TeamTarget.objects.filter(year=year, quarter=quarter).values_list("team_id", flat=True))
        teams = list(Team.objects.exclude(pk__in=taken).select_related("manager").order_by("pk"))
        if not teams:
            continue
        history = _history(year, quarter)
        for team in teams:
            if team.pk not in history:
                continue  # a team with no signing yet: its targets are the director's to set
            figures = _team_figures(history[team.pk])
            target = team_target_set(team=team, year=year, quarter=quarter, figures=figures, by=director,
                                     reason="Demo: 110% of the last four quarters' average")
            reps = list(team_reps(team).order_by("username"))
            if reps:
                rep_targets_split(team_target=target, shares=_shares(figures, reps),
                                  by=team.manager if team.manager.is_active else director)
    for period, start in periods_to_compute(today):
        compute_scorecards(period=period, start=start)
    # Two quarters further back, so the director's quarter-on-quarter trend has a history.
    year, quarter = previous_quarter(*quarter_of(today))
    for _ in range(2):
        year, quarter = previous_quarter(year, quarter)
        compute_scorecards(period=Scorecard.Period.QUARTER, start=quarter_bounds(year, quarter)[0])
