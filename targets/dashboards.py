"""Reads behind the dashboards: the stored scorecards first, and the few live aggregates they lack.

Every read starts from a queryset of the access policy (or of the selectors built on it) and is
one grouped query, so a dashboard costs the same number of queries however much data there is.
"""

import operator
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import reduce
from typing import Any, overload

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    F,
    Max,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts import access
from accounts.access import RecordKind
from accounts.models import Department, Team, User
from customers.models import Complaint, Customer, CustomerTally, Tier
from customers.selectors import ACTIVE, with_overdue
from pipeline import bell
from pipeline.models import STAGE_ORDER, Activity, Deal, Reminder
from pipeline.selectors import latest_open, laycans_in, weighted_pipeline

from . import forecast, kpis
from .models import Scorecard, ScoreWeights
from .periods import (
    period_label,
    previous_quarter,
    quarter_bounds,
    quarter_of,
)

Subject = Scorecard.Subject
Period = Scorecard.Period
PERCENT = Decimal("0.1")


# --- Periods -------------------------------------------------------------------------------------


def last_quarters(day: date, count: int) -> list[date]:
    """The first days of the `count` quarters up to the one holding `day`, oldest first."""
    year, quarter = quarter_of(day)
    starts = []
    for _step in range(count):
        starts.append(quarter_bounds(year, quarter)[0])
        year, quarter = previous_quarter(year, quarter)
    return starts[::-1]


# --- Stored scorecards ---------------------------------------------------------------------------


def last_computed_at() -> datetime | None:
    """When the scorecard job last wrote a row, for pages that find none yet."""
    return Scorecard.objects.aggregate(last=Max("computed_at"))["last"]


def scorecard_for(*, subject: str, subject_id: int, period: str, start: date) -> Scorecard | None:
    return Scorecard.objects.filter(subject=subject, subject_id=subject_id, period=period, period_start=start).first()


def with_subjects(cards: Iterable[Scorecard]) -> list[Scorecard]:
    """Attach each card's rep, team or department as `subject_object` (one query per kind present)."""
    cards = list(cards)
    model_of: dict[str, type[User] | type[Team] | type[Department]] = {
        Subject.REP: User, Subject.TEAM: Team, Subject.DEPARTMENT: Department}
    wanted: dict[str, set[int]] = defaultdict(set)
    for card in cards:
        wanted[card.subject].add(card.subject_id)
    found = {kind: model_of[kind]._default_manager.in_bulk(ids) for kind, ids in wanted.items()}
    for card in cards:
        card.subject_object = found[card.subject].get(card.subject_id)
    return cards


def with_subject_names(cards: QuerySet[Scorecard]) -> QuerySet[Scorecard]:
    """`cards` with `subject_name`: the rep's username, or the team's or department's name, read in the cards' own
    query (the API's lists: not a query per kind of subject on the page, whose number changed with the mix)."""
    def name_of(model: type[Model], field: str) -> Subquery:
        return Subquery(model._default_manager.filter(pk=OuterRef("subject_id")).order_by().values(field)[:1])

    return cards.annotate(subject_name=Case(
        When(subject=Subject.REP, then=name_of(User, "username")),
        When(subject=Subject.TEAM, then=name_of(Team, "name")),
        When(subject=Subject.DEPARTMENT, then=name_of(Department, "name")),
        default=None, output_field=CharField()))


def has_scorecard(person: User) -> bool:
    """Whether the scorecard job keeps a personal scorecard for `person` (see kpis.scored_people)."""
    return kpis.scored_people().filter(pk=person.pk).exists()


def team_leaderboard(*, viewer: User, team: Team, start: date) -> list[Scorecard]:
    """The quarter's scorecards of the team's reps that `viewer` may see, best first. Only the ranked
    ones: the manager's own card counts in the team's but is not ranked against their reps."""
    cards = Scorecard.objects.filter(
        subject=Subject.REP, period=Period.QUARTER, period_start=start, team_id_at_time=team.pk,
        subject_id__in=access.users_visible_to(viewer).values("pk"), rank_in_team__isnull=False,
    ).order_by("rank_in_team", "-score", "subject_id")
    return with_subjects(cards)


def team_and_own_cards(*, viewer: User, team: Team, start: date) -> tuple[Scorecard | None, Scorecard | None]:
    """The team's quarter scorecard and the viewer's own (a manager who sells keeps one), in one query."""
    cards = Scorecard.objects.filter(period=Period.QUARTER, period_start=start).filter(
        Q(subject=Subject.TEAM, subject_id=team.pk) | Q(subject=Subject.REP, subject_id=viewer.pk))
    found = {card.subject: card for card in cards}
    return found.get(Subject.TEAM), found.get(Subject.REP)


def scorecards_of(*, subject: str, period: str, start: date,
                  ids: QuerySet[Model, Mapping[str, object]] | None = None) -> list[Scorecard]:
    cards = Scorecard.objects.filter(subject=subject, period=period, period_start=start)
    if ids is not None:
        cards = cards.filter(subject_id__in=ids)
    return with_subjects(cards.order_by("rank_in_department", "-score", "subject_id"))


def department_trend(*, starts: list[date]) -> list[Scorecard]:
    """The department scorecards of the given quarters, oldest first."""
    cards = Scorecard.objects.filter(subject=Subject.DEPARTMENT, period=Period.QUARTER, period_start__in=starts)
    return with_subjects(cards.order_by("period_start", "subject_id"))


@overload
def _percent(ratio: Decimal) -> Decimal: ...
@overload
def _percent(ratio: None) -> None: ...
@overload
def _percent(ratio: Decimal | None) -> Decimal | None: ...


def _percent(ratio: Decimal | None) -> Decimal | None:
    return None if ratio is None else (ratio * 100).quantize(PERCENT)


def attainment_percent(card: Scorecard, figure: str) -> Decimal | None:
    return _percent(card.attainment(figure))


def attainment_of(card: Scorecard) -> list[dict[str, Any]]:
    """Each figure that has a target: what was reached, the target and the share of it."""
    figures = [
        ("sales_amount", _("Sales amount")),
        ("tonnage", _("Tonnage")),
        ("signed_contracts", _("Signed contracts")),
        ("new_customers", _("New customers")),
    ]
    rows = []
    for figure, label in figures:
        target = getattr(card, f"target_{figure}")
        if target:
            percent = _percent(Decimal(getattr(card, figure)) / Decimal(target))
            rows.append({"figure": figure, "label": label, "value": getattr(card, figure), "target": target,
                         "percent": percent, "bar": min(percent, 100)})
    if card.target_min_satisfaction and card.satisfaction is not None:
        # A floor rather than an amount: reaching it is 100%.
        percent = _percent(Decimal(card.satisfaction) / Decimal(card.target_min_satisfaction))
        rows.append({"figure": "satisfaction", "label": _("Customer satisfaction"), "value": card.satisfaction,
                     "target": card.target_min_satisfaction, "percent": percent, "bar": min(percent, 100)})
    return rows


def score_parts_of(card: Scorecard) -> list[dict[str, Any]]:
    """The composite score's parts, each weight x ratio = points, so the score can be explained."""
    parts = []
    for name, label in ScoreWeights.part_labels().items():
        part = card.score_parts.get(name)
        if part:
            parts.append({"name": name, "label": label,
                          "weight": part["weight"], "ratio": Decimal(part["ratio"]),
                          "points": Decimal(part["points"])})
    return parts


# --- Live reads of the pipeline ------------------------------------------------------------------


def pipeline_by_stage(*, deals: QuerySet[Deal]) -> list[dict[str, Any]]:
    """Open deals per stage: how many, their total and weighted amounts (base currency)."""
    rows = {row["stage"]: row for row in weighted_pipeline(deals, by="stage").annotate(count=Count("pk"))}
    return [{"stage": stage, "label": stage.label, "count": rows.get(stage, {}).get("count", 0),
             "total": rows.get(stage, {}).get("total") or Decimal(0),
             "weighted": rows.get(stage, {}).get("weighted") or Decimal(0)} for stage in STAGE_ORDER]


def overdue_next_steps(*, activities: QuerySet[Activity], today: date) -> QuerySet[Activity]:
    """Follow-ups promised and not done by their due date."""
    return (activities.filter(next_step_done=False, next_step_due__lt=today)
            .select_related("customer").order_by("next_step_due", "pk"))


def upcoming_laycans(*, deals: QuerySet[Deal], today: date, days: int = 30) -> QuerySet[Deal]:
    """Laycans in the next `days` days: the calendar's rule (signed deals and deals in negotiation)."""
    return laycans_in(deals, today, today + timedelta(days=days))


def recent_visits(*, activities: QuerySet[Activity]) -> QuerySet[Activity]:
    return activities.filter(kind=Activity.Kind.VISIT).select_related("customer").order_by("-happened_at", "-pk")


def funnel(*, deals: QuerySet[Deal], since: datetime) -> list[dict[str, Any]]:
    """The deals that entered the pipeline since `since`, and how many of them reached each stage.

    Every deal starts in market research; it reached a later stage when a move took it there or further
    (a deal may skip a stage, and a move back keeps what it reached: Deal.furthest_stage). Conversion =
    reached the next stage / reached this one."""
    # The furthest stage is a column of the deal (in the owner index): no join with the moves.
    counts = {stage: Count("pk", filter=Q(furthest_stage__in=STAGE_ORDER[index:]) if index else None)
              for index, stage in enumerate(STAGE_ORDER)}
    reached = deals.filter(created_at__gte=since).aggregate(**counts)
    rows = []
    for stage in STAGE_ORDER:
        # The stage after this one, by the deal's own rule (an unsaved deal: no query).
        following = Deal(stage=stage).next_stage
        conversion = None
        if following and reached[stage]:
            conversion = _percent(Decimal(reached[following]) / Decimal(reached[stage]))
        rows.append({"stage": stage, "label": stage.label, "reached": reached[stage], "next": following,
                     "next_label": following.label if following else "", "conversion": conversion})
    return rows


def week_starts(today: date, weeks: int) -> list[date]:
    """The Mondays of the last `weeks` weeks, this one last."""
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]


def visits_per_week(*, activities: QuerySet[Activity], people: list[User], weeks: list[date]) -> list[dict[str, Any]]:
    """Visits logged by each person in each week (weeks start on Monday, in the local time zone)."""
    since = timezone.make_aware(datetime.combine(weeks[0], time.min))
    rows = (activities.filter(kind=Activity.Kind.VISIT, happened_at__gte=since, owner__in=people)
            .annotate(week=TruncWeek("happened_at", output_field=DateField()))
            .values("owner", "week").order_by().annotate(visits=Count("*")))  # COUNT(*): from the index alone
    counts = {(row["owner"], row["week"]): row["visits"] for row in rows}
    table = []
    for person in people:
        per_week = [{"week": week, "visits": counts.get((person.pk, week), 0)} for week in weeks]
        table.append({"person": person, "weeks": per_week, "total": sum(cell["visits"] for cell in per_week)})
    return table


def open_reminder_counts(*, people: list[User], day: date) -> dict[int, int]:
    """How many reminders each person has open on `day` (the inbox's rule): kept in the cache beside their bell's
    count and dropped with it by any write to their inbox (pipeline.bell), those not there counted in one grouped
    query (a team's some 2,000 open reminders, each looked up for a later one of its cause: 3 ms at the large
    size)."""
    def count(person_ids: list[int]) -> dict[int, int]:
        rows = (latest_open(Reminder.objects.filter(recipient__in=person_ids), day)
                .values("recipient").order_by().annotate(open=Count("*")))  # COUNT(*): from the index alone
        return {row["recipient"]: row["open"] for row in rows}

    return bell.cached_counts([person.pk for person in people], day, "reminders", count)


def open_complaints(*, complaints: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """Complaints still being worked on, the late ones first."""
    return (with_overdue(complaints.filter(status__in=ACTIVE)).select_related("customer", "assignee")
            # is_overdue is with_overdue's annotation, which the type checker's plugin cannot follow.
            .order_by(F("is_overdue").desc(), "resolve_by", "pk"))


def tier_mix(viewer: User) -> list[dict[str, Any]]:
    """The customers `viewer` sees (not lost) per value tier, with each tier's share: summed from the tally the
    database keeps per owner, tier and status (CustomerTally), not counted from the customers (2 ms of the
    director's dashboard)."""
    tallies = access.owned_by_visible(viewer, CustomerTally.objects.exclude(status=Customer.Status.LOST),
                                      RecordKind.CUSTOMER)
    counts = dict(tallies.values_list("tier").order_by().annotate(n=Sum("customers")))
    total = sum(counts.values())
    return [{"tier": tier, "label": tier.label, "count": counts.get(tier, 0),
             "share": _percent(Decimal(counts.get(tier, 0)) / total) if total else None} for tier in Tier]


def forecast_of(card: Scorecard) -> dict[str, Any]:
    """The forecast of a stored scorecard's period and its parts, so the sum can be checked by hand:
    signed so far + the period's weighted open pipeline = forecast, against the target; coverage = that
    pipeline / the target still to reach. The undated / overdue and the later periods' weighted pipeline
    are shown apart: they are no part of the sum."""
    parts = forecast.forecast_of(signed=card.sales_amount, weighted=card.weighted_pipeline,
                                 target=card.target_sales_amount)
    bar = None
    if parts.target is not None:
        # The coverage bar is full once the pipeline covers what is left, or nothing is left.
        bar = Decimal(100) if parts.coverage is None else min(parts.coverage, Decimal(100))
    return {**asdict(parts), "undated": Decimal(card.weighted_undated), "later": Decimal(card.weighted_later),
            "bar": bar}


# --- Exports -------------------------------------------------------------------------------------

EXPORT_SCOPES = {"rep": Subject.REP, "team": Subject.TEAM, "department": Subject.DEPARTMENT}


def exportable_ids(viewer: User, subject: str) -> QuerySet[Model, Mapping[str, object]] | None:
    """The ids of the subjects of a kind that `viewer` may export, or None for a scope not theirs."""
    if subject == Subject.REP and access.can_sell(viewer):
        return access.users_visible_to(viewer).values("pk")
    if subject == Subject.TEAM and access.can_open_team_pages(viewer):
        return access.teams_visible_to(viewer).values("pk")
    if subject == Subject.DEPARTMENT and access.sees_everyone(viewer):
        return access.departments_visible_to(viewer).values("pk")
    return None


def scorecards_visible_to(viewer: User) -> QuerySet[Scorecard]:
    """Every stored scorecard `viewer` may see: of the people, teams and department the dashboards and
    their exports show them (`exportable_ids`), whatever the period."""
    shown = [Q(subject=subject, subject_id__in=ids) for subject in Subject
             if (ids := exportable_ids(viewer, subject)) is not None]
    if not shown:
        return Scorecard.objects.none()
    return Scorecard.objects.filter(reduce(operator.or_, shown))


# What a spreadsheet's cell holds here.
Cell = date | Decimal | int | str


def _number(value: Decimal | int | None) -> Cell:
    return "" if value is None else value


def export_table(cards: list[Scorecard], *, subject: str) -> tuple[list[str], list[list[Cell]]]:
    """The scorecards as a spreadsheet's headers and rows, one row per subject, with the score's
    parts spelled out (for `accounts.exports`, which makes the cells safe)."""
    teams = Team.objects.in_bulk({card.team_id_at_time for card in cards if card.team_id_at_time}) \
        if subject == Subject.REP else {}
    part_names = ScoreWeights.part_labels()
    # The first column names the subject: a person's name (姓名) reads wrong over teams and departments.
    subject_headers: dict[str, str] = {Subject.REP: pgettext("scorecard of a person", "Name"),
                                       Subject.TEAM: _("Team"), Subject.DEPARTMENT: _("Department")}
    headers = [subject_headers[subject]] + ([_("Team")] if subject == Subject.REP else []) + [
        # "From"/"To" alone are the hand-over page's (from one person to another): here, dates.
        _("Period"), pgettext("period", "From"), pgettext("period", "To"),
        _("Sales amount"), _("Sales amount target"), _("Sales amount attainment (%)"),
        _("Tonnage (t)"), _("Tonnage target (t)"), _("Delivered (t)"), _("Signed contracts"),
        _("Signed contracts target"),
        _("New customers"), _("New customers target"), _("Visits"), _("Calls"), _("Customer satisfaction"),
        _("Complaints received"), _("Complaints resolved on time"), _("Cargo claims"),
        _("Cash collected"), _("Overdue receivables"), _("Days sales outstanding"), _("Deals won"), _("Deals lost"),
        _("Win rate (%)"), _("Average sales cycle (days)"), _("Weighted pipeline of the period"),
        _("Forecast"), _("Forecast attainment (%)"), _("Target still to reach"), _("Pipeline coverage (%)"),
        _("Weighted pipeline undated or overdue"), _("Weighted pipeline of later periods"),
        pgettext("scorecard", "Score"),
        *[_("%(part)s points") % {"part": label} for label in part_names.values()],
        _("Rank in team"), _("Rank in department"), _("Computed at"),
    ]
    rows = []
    for card in cards:
        parts = card.score_parts or {}
        team = teams.get(card.team_id_at_time)
        # The forecast's parts: forecast = sales amount + the period's weighted pipeline.
        forecasted = forecast.forecast_of(signed=card.sales_amount, weighted=card.weighted_pipeline,
                                          target=card.target_sales_amount)
        rows.append([str(card.subject_object or card.subject_id)] + (
            [str(team) if team else ""] if subject == Subject.REP else []) + [
            period_label(card.period, card.period_start), card.period_start, card.period_end,
            card.sales_amount, _number(card.target_sales_amount), _number(attainment_percent(card, "sales_amount")),
            card.tonnage, _number(card.target_tonnage), card.delivered_tonnage, card.signed_contracts,
            _number(card.target_signed_contracts),
            card.new_customers, _number(card.target_new_customers), card.visits, card.calls,
            _number(card.satisfaction), card.complaints_received, card.complaints_resolved_on_time, card.claims_value,
            card.cash_collected, card.overdue_receivables, _number(card.dso),
            card.deals_won, card.deals_lost, _number(_percent(card.win_rate)), _number(card.avg_cycle_days),
            card.weighted_pipeline, forecasted.forecast, _number(forecasted.percent), _number(forecasted.remaining),
            _number(_percent(card.pipeline_coverage)), card.weighted_undated, card.weighted_later, card.score,
            *[Decimal(parts[name]["points"]) if name in parts else "" for name in part_names],
            _number(card.rank_in_team), _number(card.rank_in_department),
            # Spreadsheets keep no time zone: the local time, as the pages show it.
            timezone.localtime(card.computed_at).strftime("%Y-%m-%d %H:%M"),
        ])
    return [str(header) for header in headers], rows


def commodity_tonnage_attainment(*, deals: QuerySet[Deal], team: Team, start: date, end: date) -> list[dict[str, Any]]:
    """The team's tonnage target per commodity against the tonnes signed in the quarter (one query
    for the targets, one grouped query for the signings)."""
    from pipeline.models import Outcome

    from .models import CommodityTonnage
    from .periods import quarter_of

    year, quarter = quarter_of(start)
    targets = list(CommodityTonnage.objects.filter(team_target__team=team, team_target__year=year,
                                                   team_target__quarter=quarter).select_related("commodity"))
    if not targets:
        return []
    signed = dict(deals.filter(outcome=Outcome.WON, signed_on__range=(start, end),
                               commodity__in=[row.commodity_id for row in targets])
                  .values("commodity").order_by("commodity").annotate(t=Sum("quantity_tonnes"))
                  .values_list("commodity", "t"))
    return [{"commodity": row.commodity, "target": row.tonnes, "signed": signed.get(row.commodity_id) or 0,
             "percent": _percent(Decimal(signed.get(row.commodity_id) or 0) / row.tonnes) if row.tonnes else None}
            for row in targets]
