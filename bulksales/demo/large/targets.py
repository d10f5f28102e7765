"""Targets and scorecards of `seed_demo --size large`: every team's targets for the last eight quarters
and the running one, split among its reps, set (as the regular demo does) at 110% of what the team
signed on average in the four quarters before; then the scorecards, by the job's own compute function."""

import time
from collections import defaultdict
from datetime import datetime, timedelta
from datetime import time as clock
from decimal import Decimal

from django.utils import timezone

from accounts.models import SCORED_POSITIONS, Position, Team, User
from bulksales.demo.bulk import next_id
from bulksales.demo.large.seed import LargeSeed
from bulksales.demo.targets import HISTORY, _shares, _team_figures
from targets.kpis import compute_scorecards, figures_for, periods_to_compute
from targets.models import RepTarget, Scorecard, TargetRevision, TeamTarget
from targets.periods import previous_quarter, quarter_bounds, quarter_of

QUARTERS = 9  # the eight before the running one, and the running one
TEAM_REASON = "Demo: 110% of the last four quarters' average"


def _actuals(quarters: list[tuple[int, int]]) -> dict[tuple[int, int], dict[int, dict]]:
    """What each team reached in each quarter, by the scorecards' own rules (`figures_for`, as the
    regular demo's history): {(year, quarter): {team id: figures}}."""
    return {quarter: figures_for(Scorecard.Subject.TEAM, *quarter_bounds(*quarter)) for quarter in quarters}


def seed_targets_large(seed: LargeSeed) -> None:
    director = User.objects.filter(position=Position.DIRECTOR, is_active=True).order_by("pk").first()
    if director is None or TeamTarget.objects.exists():
        return
    since_all = time.monotonic()
    today = seed.today
    quarters = [quarter_of(today)]
    while len(quarters) < QUARTERS:
        quarters.insert(0, previous_quarter(*quarters[0]))
    actuals = _actuals(quarters)
    teams = list(Team.objects.select_related("manager").order_by("pk"))
    reps: dict[int | None, list[User]] = defaultdict(list)  # team__isnull=False: never None
    for rep in User.objects.filter(is_active=True, team__isnull=False,
                                   position__in=SCORED_POSITIONS).order_by("username"):
        reps[rep.team_id].append(rep)

    team_target_id, rep_target_id = next_id(TeamTarget), next_id(RepTarget)
    team_rows, rep_rows = [], []
    # (team target, rep target, rep, figure, old value, new value, by, at, note, reason)
    revisions: list[tuple[int, int | None, int | None, str, None, Decimal, int, datetime, str, str]] = []
    for year, quarter in quarters:
        # The quarters before this one that the data covers; the first quarter has none, and is set
        # from the average of the whole period (a budget rather than a history).
        before, step = [], (year, quarter)
        for _ in range(HISTORY):
            step = previous_quarter(*step)
            if step in quarters:
                before.append(step)
        basis = before or quarters
        start = quarter_bounds(year, quarter)[0]
        set_at = min(seed.now, timezone.make_aware(datetime.combine(start - timedelta(days=7), clock(10))))
        for team in teams:
            average = {name: sum((Decimal(actuals[q].get(team.pk, {}).get(name) or 0) for q in basis), Decimal(0))
                       / len(basis) for name in TeamTarget.SPLIT}
            figures = _team_figures(average)
            team_rows.append((team_target_id, team.pk, year, quarter, *(figures[name] for name in TeamTarget.FIGURES)))
            for name in TeamTarget.FIGURES:
                revisions.append((team_target_id, None, None, name, None, Decimal(figures[name]), director.pk, set_at,
                                  TEAM_REASON, TargetRevision.Reason.MANUAL))
            members = reps.get(team.pk, [])
            manager = team.manager if team.manager.is_active else director
            for rep_id, shares in (_shares(figures, members) if members else {}).items():
                rep_rows.append((rep_target_id, team_target_id, rep_id, *(shares[name] for name in TeamTarget.SPLIT),
                                 Decimal(0)))
                for name in TeamTarget.SPLIT:
                    revisions.append((team_target_id, rep_target_id, rep_id, name, None, Decimal(shares[name]),
                                      manager.pk, set_at + timedelta(hours=2), "", TargetRevision.Reason.SPLIT))
                rep_target_id += 1
            team_target_id += 1
    seed.insert(TeamTarget, ["id", "team", "year", "quarter", *TeamTarget.FIGURES], team_rows)
    seed.insert(RepTarget, ["id", "team_target", "rep", *TeamTarget.SPLIT, "min_satisfaction"], rep_rows)
    seed.insert(TargetRevision, ["team_target", "rep_target", "rep", "figure", "old_value", "new_value", "by", "at",
                                 "reason", "reason_code"], revisions)
    seed.analyze(TeamTarget, RepTarget, TargetRevision)

    # As the hourly job: the running and previous month and quarter; and two quarters further back,
    # as the regular demo, so that the director's quarter-on-quarter trend has a history.
    periods = periods_to_compute(today)
    year, quarter = previous_quarter(*quarter_of(today))
    for _ in range(2):
        year, quarter = previous_quarter(year, quarter)
        periods.append((Scorecard.Period.QUARTER, quarter_bounds(year, quarter)[0]))
    for period, start in periods:
        since = time.monotonic()
        written = compute_scorecards(period=period, start=start)
        seed.report(f"scorecards {period} {start:%Y-%m-%d}", written, since)
    seed.report("targets done", len(team_rows), since_all)
