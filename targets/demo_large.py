"""Targets and scorecards of `seed_demo --size large`: every team's targets for the last eight quarters
and the running one, split among its reps, set (as the regular demo does) at 110% of what the team
signed on average in the four quarters before; then the scorecards, by the job's own compute function."""

import time
from collections import defaultdict
from datetime import datetime, time as clock, timedelta
from decimal import Decimal

from django.db.models import Count, Min, Q, Sum
from django.db.models.functions import TruncQuarter
from django.utils import timezone

from accounts.demo_large import LargeSeed, next_id
from accounts.models import Position, Team, User
from customers.models import Customer
from pipeline.models import Deal, Outcome

from .demo import HISTORY, _shares, _team_figures
from .kpis import compute_scorecards, periods_to_compute
from .models import RepTarget, Scorecard, TargetRevision, TeamTarget
from .periods import previous_quarter, quarter_bounds, quarter_of

QUARTERS = 9  # the eight before the running one, and the running one
TEAM_REASON = "Demo: 110% of the last four quarters' average"
SPLIT_REASON = "Split"


def _actuals(since) -> dict[tuple[int, int], dict[int, dict]]:
    """What each team signed per quarter since `since`: {(year, quarter): {team id: figures}}, in two queries."""
    actuals: dict[tuple[int, int], dict[int, dict]] = defaultdict(
        lambda: defaultdict(lambda: {name: Decimal(0) for name in TeamTarget.SPLIT}))
    signed = (Deal.objects.filter(outcome=Outcome.WON, signed_on__gte=since, owner__team__isnull=False)
              .values("owner__team", quarter=TruncQuarter("signed_on")).order_by()
              .annotate(amount=Sum("amount_base"), tonnes=Sum("quantity_tonnes"), contracts=Count("pk")))
    for row in signed:
        figures = actuals[quarter_of(row["quarter"])][row["owner__team"]]
        figures["sales_amount"] += row["amount"]
        figures["tonnage"] += row["tonnes"]
        figures["signed_contracts"] += row["contracts"]
    # A new customer: the quarter of its first signing (targets.kpis counts it for the owner's team).
    firsts = (Customer.objects.filter(owner__team__isnull=False).order_by()
              .annotate(first=Min("deals__signed_on", filter=Q(deals__outcome=Outcome.WON)))
              .values_list("owner__team", "first"))
    for team, first in firsts:
        if first and first >= since:
            actuals[quarter_of(first)][team]["new_customers"] += 1
    return actuals


def seed_targets_large(seed: LargeSeed) -> None:
    director = User.objects.filter(position=Position.DIRECTOR, is_active=True).order_by("pk").first()
    if director is None or TeamTarget.objects.exists():
        return
    since_all = time.monotonic()
    today = seed.today
    quarters = [quarter_of(today)]
    while len(quarters) < QUARTERS:
        quarters.insert(0, previous_quarter(*quarters[0]))
    first_start = quarter_bounds(*quarters[0])[0]
    actuals = _actuals(first_start)
    teams = list(Team.objects.select_related("manager").order_by("pk"))
    reps: dict[int, list[User]] = defaultdict(list)
    for rep in User.objects.filter(is_active=True, team__isnull=False,
                                   position__in=[Position.REP, Position.ACCOUNT_MANAGER]).order_by("username"):
        reps[rep.team_id].append(rep)

    team_target_id, rep_target_id = next_id(TeamTarget), next_id(RepTarget)
    team_rows, rep_rows, revisions = [], [], []
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
            average = {name: sum((actuals[q][team.pk][name] for q in basis), Decimal(0)) / len(basis)
                       for name in TeamTarget.SPLIT}
            figures = _team_figures(average)
            team_rows.append((team_target_id, team.pk, year, quarter, *(figures[name] for name in TeamTarget.FIGURES)))
            for name in TeamTarget.FIGURES:
                revisions.append((team_target_id, None, None, name, None, Decimal(figures[name]), director.pk, set_at,
                                  TEAM_REASON))
            members = reps.get(team.pk, [])
            manager = team.manager if team.manager.is_active else director
            for rep_id, shares in (_shares(figures, members) if members else {}).items():
                rep_rows.append((rep_target_id, team_target_id, rep_id, *(shares[name] for name in TeamTarget.SPLIT),
                                 Decimal(0)))
                for name in TeamTarget.SPLIT:
                    revisions.append((team_target_id, rep_target_id, rep_id, name, None, Decimal(shares[name]),
                                      manager.pk, set_at + timedelta(hours=2), SPLIT_REASON))
                rep_target_id += 1
            team_target_id += 1
    seed.insert(TeamTarget, ["id", "team", "year", "quarter", *TeamTarget.FIGURES], team_rows)
    seed.insert(RepTarget, ["id", "team_target", "rep", *TeamTarget.SPLIT, "min_satisfaction"], rep_rows)
    seed.insert(TargetRevision, ["team_target", "rep_target", "rep", "figure", "old_value", "new_value", "by", "at",
                                 "reason"], revisions)
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
