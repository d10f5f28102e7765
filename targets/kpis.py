"""The KPI scorecards (业绩考核表): every figure is a database aggregate grouped by rep, team or
department; Python only combines the few grouped rows into scores and ranks."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import (
    Aggregate,
    Avg,
    Case,
    Count,
    DateField,
    DateTimeField,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts import replica
from accounts.models import SCORED_POSITIONS, Team, User
from accounts.sql import InFirstRead
from customers.models import Complaint, Customer, SatisfactionSurvey
from customers.selectors import SELF_REPORTED
from pipeline.execution.models import CargoClaim, Shipment
from pipeline.models import Activity, Deal, Outcome, StageMove
from pipeline.receivables import money as receivables_money
from pipeline.receivables.scorecards import collected_allocations, invoiced, on_account_received, owed_by_seller
from pipeline.selectors import probability_case, stage_entries

from .forecast import forecast_of
from .models import RepTarget, Scorecard, ScorecardTotals, ScoreWeights, TeamTarget
from .periods import period_bounds, quarter_of, quarter_start

Subject = Scorecard.Subject
# How each kind of subject is reached from a record's owner. A department is the sum of its
# teams (the owner's team's department), so that its figures and its summed targets agree.
GROUP = {Subject.REP: "", Subject.TEAM: "__team", Subject.DEPARTMENT: "__team__department"}
# The positions whose people are scored whenever they are in a team, and ranked against each other;
# anyone else who owns customers or deals (a manager selling themselves) is scored but not ranked.
FIGURES = ["sales_amount", "tonnage", "signed_contracts", "new_customers", "visits", "calls", "satisfaction",
           "complaints_received", "complaints_resolved_on_time", "deals_won", "deals_lost", "avg_cycle_days",
           "weighted_pipeline", "weighted_undated", "weighted_later", "amended_contracts", "delivered_tonnage",
           "claims_value", "cash_collected", "overdue_receivables", "dso"]
# Figures with no value (rather than 0) when nothing was measured.
OPTIONAL = {"satisfaction", "avg_cycle_days", "dso"}
TARGETS = ["sales_amount", "tonnage", "signed_contracts", "new_customers", "min_satisfaction"]
ATTAINMENT_CAP = Decimal("1.5")  # so one huge deal cannot make up for every other part
MAX_COVERAGE = Decimal("999999.9999")  # the column's limit; a target all but reached has near-infinite coverage
MAX_DSO = Decimal("999999.9")  # the column's limit: a fortune outstanding on a cent invoiced
UNIQUE = ["subject", "subject_id", "period", "period_start"]
# Seconds a recomputation waits for the replica to catch up before it reads the primary instead.
REPLICA_CATCH_UP_SECONDS = 2.0
MONEY = DecimalField(max_digits=20, decimal_places=2)
TONNES = DecimalField(max_digits=16, decimal_places=2)
# A subject's figures or targets by name: decimals, counts, None where nothing was measured, and the
# days per stage; and where a subject stands (its team, department and whether it is ranked).
Figures = dict[str, Any]
Place = dict[str, Any]


def _aware(day: date, end: bool = False) -> datetime:
    moment = datetime.combine(day + timedelta(days=1) if end else day, time.min)
    return timezone.make_aware(moment)


def scoring_team(person: str = "") -> Coalesce:
    """The team a person's sales count for, as an SQL expression on the path to the person ("owner",
    "customer__owner"; "" for a User queryset): their own team, or, for a manager in no team, the
    team they manage (the first by id if several). So a manager's own deals count for their team,
    and through it for the department. `scoring_team_q` is the same rule as a filter."""
    prefix, ref = (f"{person}__", person) if person else ("", "pk")
    managed = Team.objects.filter(manager=OuterRef(ref)).order_by("pk")
    return Coalesce(f"{prefix}team", Subquery(managed.values("pk")[:1]), output_field=IntegerField())


def scoring_department(person: str = "") -> Coalesce:
    """The department of `scoring_team`: a department is the sum of its teams."""
    prefix, ref = (f"{person}__", person) if person else ("", "pk")
    managed = Team.objects.filter(manager=OuterRef(ref)).order_by("pk")
    return Coalesce(f"{prefix}team__department", Subquery(managed.values("department")[:1]),
                    output_field=IntegerField())


def scoring_team_q(team: Team, person: str = "owner", *, read_first: bool = False) -> Q:
    """Records whose person counts for `team` (see `scoring_team`), as a subquery of the team's few people:
    the database reads their records by the index on the person, where the same rule as an OR across the
    join to the person made it read every open invoice or complaint (a team's overdue count: 16 ms, now 4).
    With `read_first`, the people are read first as an array (accounts.sql.InFirstRead), for a question whose
    plan a guess of how many they are would mislead."""
    members = User.objects.filter(_counts_for(team)).order_by().values("pk")
    return Q(InFirstRead(person, members)) if read_first else Q(**{f"{person}__in": members})


def _counts_for(team: Team) -> Q:
    """`scoring_team` equal to `team`, as a filter on people: its members, and its manager when in no team and
    this is the first team they manage. The people are found by their indexes, where the rule on each person
    read all of them and looked up each one's teams (0.45 ms a query, three on a team's open items)."""
    members = Q(team=team.pk)
    if team.manager_id is None:
        return members
    earlier = Team.objects.filter(manager=team.manager_id, pk__lt=team.pk)
    return members | Q(Q(team__isnull=True, pk=team.manager_id), ~Exists(earlier))


def _of_people(queryset: QuerySet[Any], person: str, people: list[int] | None) -> QuerySet[Any]:
    """The records of `queryset` that count for someone (the person at the path `person`), only `people`'s
    when given."""
    if people is None:
        return queryset.exclude(**{f"{person}__isnull": True})
    return queryset.filter(**{f"{person}__in": people})


def _by_person(queryset: QuerySet[Any], person: str, people: list[int] | None = None,
               **aggregates: Aggregate) -> dict[int, Figures]:
    """`aggregates` of `queryset` grouped by the person at the path `person` ("owner", "customer__owner"...),
    only `people`'s when given."""
    rows = _of_people(queryset, person, people).values(person).order_by(person).annotate(**aggregates)
    return {row[person]: row for row in rows}


def _credit_shares() -> tuple[ExpressionWrapper, ExpressionWrapper]:
    """The credited person's and the second seller's parts of a signed deal, as fractions. Multiplied
    by 0.01 rather than divided by 100: SQLite divides two whole numbers as integers."""
    hundredth = Value(Decimal("0.01"))
    fraction = DecimalField(max_digits=8, decimal_places=6)
    given = ExpressionWrapper(F("co_seller_share") * hundredth, output_field=fraction)
    kept = ExpressionWrapper(Value(Decimal(1)) - F("co_seller_share") * hundredth, output_field=fraction)
    return kept, given


def _days(value: timedelta | int | Decimal | None) -> Decimal | None:
    """An average duration as days to one decimal. Both backends answer a timedelta today; a bare
    number would be SQLite's microseconds (its durations are stored so)."""
    if value is None:
        return None
    if isinstance(value, timedelta):
        return (Decimal(value.days) + Decimal(value.seconds * 1_000_000 + value.microseconds)
                / Decimal(86_400_000_000)).quantize(Decimal("0.1"))
    return (Decimal(value) / Decimal(86_400_000_000)).quantize(Decimal("0.1"))


def pipeline_cut_off(start: date, end: date, today: date) -> date:
    """The first day an open deal may still be expected to sign and count in the period's forecast:
    today while the period runs, its first day before it begins, the day after its end once it is over
    (an ended period's forecast is what was signed). An earlier expected date is overdue."""
    return min(max(today, start), end + timedelta(days=1))


def figures_for(subject: str, start: date, end: date, shared: dict[str, Any] | None = None) -> dict[int, Figures]:
    """All KPI figures of every subject of a kind for [start, end]. The figures are counted once per
    person (`_people_figures`, fourteen grouped queries) and a team's or department's are its people's
    summed, counts and sums alike (an average is its summed total over its summed count, not a mean of
    means). `shared` keeps what the kinds of subject of one period have in common: the people's figures,
    the groups they count for, and "today" (the pipeline's cut-off day), so that a run going past
    midnight cuts every kind of subject alike."""
    shared = {} if shared is None else shared
    shared.setdefault("today", timezone.localdate())
    if "people" not in shared:
        shared["people"] = _people_figures(start, end, shared["today"], shared.setdefault("run", {}))
    people: dict[int, Figures] = shared["people"]
    if subject == Subject.REP:
        results = {person: dict(figures) for person, figures in people.items()}
    else:
        if "groups" not in shared:
            shared["groups"] = {pk: (team, department) for pk, team, department in User.objects.annotate(
                scoring_team=scoring_team(), scoring_department=scoring_department()).values_list(
                "pk", "scoring_team", "scoring_department").order_by()}
        which = 0 if subject == Subject.TEAM else 1
        results = defaultdict(dict)
        for person, figures in people.items():
            group = shared["groups"].get(person, (None, None))[which]
            if group is not None:
                _add(results[group], figures)
    for figures in results.values():
        _finish(figures, days=(min(end, shared["today"]) - start).days + 1)
    return results


def _add(total: Figures, figures: Figures) -> None:
    """Add a person's figures into their group's: numbers and durations summed, stage stays summed by stage."""
    for name, value in figures.items():
        if name == "stage_totals":
            stages = total.setdefault(name, {})
            for stage, (stay, moves) in value.items():
                summed_stay, summed_moves = stages.get(stage, (timedelta(0), 0))
                stages[stage] = (summed_stay + stay, summed_moves + moves)
        elif value is not None:
            total[name] = value if total.get(name) is None else total[name] + value


def _finish(figures: Figures, days: int) -> None:
    """Summed totals into the figures shown: the averages, the days per stage, what is owed."""
    cycles = figures.pop("cycle_total", None)
    figures["avg_cycle_days"] = (None if cycles is None
                                 else _days(_as_duration(cycles) / figures["signed_contracts"]))
    marks, surveys = figures.pop("survey_marks", None), figures.pop("surveys", None)
    if marks is not None and surveys:
        figures["satisfaction"] = (Decimal(marks) / surveys / 3).quantize(Decimal("0.01"))
    stages = figures.pop("stage_totals", None)
    if stages:
        figures["stage_days"] = {stage: str(_days(stay / moves)) for stage, (stay, moves) in sorted(stages.items())}
    _receivables(figures, days=days)


_RUN: ContextVar[dict[str, Any] | None] = ContextVar("scorecard_run", default=None)


@contextmanager
def one_run(periods: Iterable[tuple[str, date]], today: date, people: Iterable[int] | None = None) -> Iterator[None]:
    """Compute the scorecards of `periods` (a quarter and its months; the hourly job's) as one run: what
    they share is fetched once for all of them, by the first to need it: the balances owed on each
    period's last day (or today), and the stage stays of every month they span. With `people` (user
    ids), only their figures are counted afresh; everyone else's are their stored totals
    (`ScorecardTotals`), and only the rows that come out different are written: the refresh after a change."""
    bounds = [period_bounds(period, start) for period, start in periods]
    run: dict[str, Any] = ({"today": today, "owed_days": sorted({min(end, today) for _start, end in bounds}),
                            "months": (min(start for start, _end in bounds), max(end for _start, end in bounds))}
                           if bounds else {"today": today})
    if people is not None:
        run["people"] = sorted(set(people))
    token = _RUN.set(run)
    try:
        yield
    finally:
        _RUN.reset(token)


def _people_figures(start: date, end: date, today: date, run: dict[str, Any]) -> dict[int, Figures]:
    """Every person's totals for [start, end], each figure a grouped query by the person a record counts
    for: sums and counts, and the sums and counts behind the averages (`_finish`). Within a run
    (`one_run`), what its periods share is fetched once for all of them: the figures that add up month by
    month, by person and month (a quarter is the sum of its months), what is owed on each period's day,
    and the stage stays by month."""
    people: list[int] | None = run.get("people")
    if people == []:
        return {}
    cut_off = pipeline_cut_off(start, end, today)
    begins, ends = _aware(start), _aware(end, end=True)
    won = Deal.objects.filter(outcome=Outcome.WON)
    signed = won.filter(signed_on__range=(start, end))
    results: dict[int, Figures] = defaultdict(dict)

    def merge(rows: dict[int, Figures], **names: str) -> None:
        for key, row in rows.items():
            for target, source in names.items():
                _add(results[key], {target: row[source]})

    def monthly(name: str, rows: Callable[[date, date], QuerySet[Any]], person: str, day: str,
                **aggregates: Aggregate) -> dict[int, Figures]:
        """`aggregates` of the records of `rows(first, last)` (those of the days from `first` to `last`) by
        person, summed over the months of the period."""
        def by_month(first: date, last: date) -> QuerySet[Any]:
            records = rows(first, last)
            return (_of_people(records, person, people)
                    .values(person=F(person), month=_month_of(records.model, day, first, last))
                    .order_by().annotate(**aggregates))

        return _monthly(run, name, start, end, by_month)

    # Tonnage is the contract quantity: the tolerance (±10%...) is an option, not tonnes sold.
    # A signing counts for whoever owned the deal when it was signed (`credited_to`), even if it was
    # transferred since; its terms are those in force (an approved amendment's), marked as amended.
    # Split credit: the credited person counts (100 - share) % of the amount and tonnes, the second
    # seller share % (a second query, by the second seller). A team or department adds both parts for
    # whoever's group each falls in, so a sale shared inside one team counts 100 % for it, once. The
    # contract itself (its count, cycle, amendment) is the credited person's.
    kept, given = _credit_shares()
    # Signing to the day it was created as a lead, in local dates: whole days on both backends.
    cycle = ExpressionWrapper(F("signed_on") - TruncDate("created_at"), output_field=DurationField())
    merge(monthly("signed", lambda first, last: won.filter(signed_on__range=(first, last)), "credited_to", "signed_on",
                  a=Sum(F("amount_base") * kept, output_field=MONEY),
                  t=Sum(F("quantity_tonnes") * kept, output_field=TONNES),
                  n=Count("pk"), c=Sum(cycle, output_field=DurationField()),
                  m=Count("pk", filter=Q(amended_at__isnull=False))),
          sales_amount="a", tonnage="t", signed_contracts="n", deals_won="n", cycle_total="c", amended_contracts="m")
    merge(monthly("co_sold", lambda first, last: won.filter(signed_on__range=(first, last), co_seller__isnull=False),
                  "co_seller", "signed_on", a=Sum(F("amount_base") * given, output_field=MONEY),
                  t=Sum(F("quantity_tonnes") * given, output_field=TONNES)),
          sales_amount="a", tonnage="t")
    # A new customer: one whose first signed (and still standing) deal falls in the period.
    first_signing = Customer.objects.filter(
        Exists(signed.filter(customer=OuterRef("pk"))),
        ~Exists(won.filter(customer=OuterRef("pk"), signed_on__lt=start)),
    )
    merge(_by_person(first_signing, "owner", people, n=Count("pk")), new_customers="n")
    merge(monthly("activities", lambda first, last: Activity.objects.filter(happened_at__gte=_aware(first),
                                                              happened_at__lt=_aware(last, end=True)),
                  # Counted by kind, not id: the index on the day holds the owner and the kind, not the id.
                  "owner", "happened_at", v=Count("kind", filter=Q(kind=Activity.Kind.VISIT)),
                  c=Count("kind", filter=Q(kind=Activity.Kind.CALL))), visits="v", calls="c")
    # A survey counts only when someone other than the customer's owner recorded it (customer service,
    # marketing): a rep does not mark their own work. Theirs stays on the customer page, self-reported.
    # The average of the three marks is taken in Python: "(a + b + c) / 3" is integer division in SQL.
    merge(monthly("surveys", lambda first, last: SatisfactionSurvey.objects.filter(surveyed_on__range=(first, last))
                  .exclude(SELF_REPORTED), "customer__owner", "surveyed_on",
                  s=Sum(F("product_quality") + F("delivery") + F("service")), n=Count("pk")),
          survey_marks="s", surveys="n")
    merge(monthly("complaints", lambda first, last: Complaint.objects.filter(received_at__gte=_aware(first),
                                                               received_at__lt=_aware(last, end=True)),
                  "customer__owner", "received_at", r=Count("pk"),
                  o=Count("pk", filter=Q(resolved_at__isnull=False, resolved_at__lte=F("resolve_by")))),
          complaints_received="r", complaints_resolved_on_time="o")
    # Delivered: the B/L tonnes lifted in the period, for whoever the contract's sale is credited to.
    merge(monthly("lifted", lambda first, last: Shipment.objects.filter(bl_date__range=(first, last),
                                                                       bl_tonnes__isnull=False),
                  "deal__credited_to", "bl_date", t=Sum("bl_tonnes")), delivered_tonnage="t")
    # Claims on the cargo received in the period, in the base currency at the contract's rate.
    merge(monthly("claims", lambda first, last: CargoClaim.objects.filter(complaint__received_at__gte=_aware(first),
                                                                complaint__received_at__lt=_aware(last, end=True)),
                  "shipment__deal__credited_to", "complaint__received_at",
                  v=Sum(F("claimed_amount") * F("shipment__deal__rate_to_base"), output_field=MONEY)),
          claims_value="v")
    # Getting paid, on the period's last day or today while it runs (who each figure counts for:
    # pipeline/receivables/scorecards.py): the cash collected, allocated to invoices (for the contract's
    # seller) and on account (for the customer's owner); what was owed and overdue on that day, and what
    # was invoiced in the period, for days sales outstanding. Month by month up to today, whose sums are
    # those up to the period's day.
    as_of = min(end, today)
    merge(monthly("collected", lambda first, last: collected_allocations(first, min(last, today)),
                  "invoice__deal__credited_to", "payment__received_on",
                  c=Sum("collected_base", output_field=MONEY)), cash_collected="c")
    owed = run.setdefault("owed", {})
    if as_of not in owed:
        owed.update(owed_by_seller(sorted({as_of, *run.get("owed_days", ())} - set(owed)), sellers=people))
    merge(owed[as_of], overdue_receivables="overdue", outstanding="outstanding")
    merge(monthly("invoiced", lambda first, last: invoiced(first, min(last, today)), "deal__credited_to", "issued_on",
                  i=Sum("amount_base")), invoiced="i")
    merge(monthly("on_account", lambda first, last: on_account_received(first, min(last, today)), "customer__owner",
                  "received_on", c=Sum("on_account_base", output_field=MONEY)), on_account="c")
    lost_moves = StageMove.objects.filter(deal=OuterRef("pk"), to_outcome=Outcome.LOST, at__gte=begins, at__lt=ends)
    lost = Deal.objects.filter(Exists(lost_moves), outcome=Outcome.LOST)
    merge(_by_person(lost, "owner", people, n=Count("pk")), deals_lost="n")
    # The open pipeline in three parts, in one grouped query: expected to sign within the period (its
    # forecast), with no expected date or one already past (undated / overdue), and after the period.
    open_deals = Deal.objects.filter(outcome=Outcome.OPEN)
    weighted = F("amount_base") * probability_case()
    merge(_by_person(open_deals, "owner", people,
                     w=Sum(weighted, output_field=MONEY, filter=Q(expected_signing_date__range=(cut_off, end))),
                     u=Sum(weighted, output_field=MONEY, filter=Q(expected_signing_date__isnull=True)
                           | Q(expected_signing_date__lt=cut_off)),
                     n=Sum(weighted, output_field=MONEY, filter=Q(expected_signing_date__gt=end))),
          weighted_pipeline="w", weighted_undated="u", weighted_later="n")
    for owner, stages in _stage_totals(start, end, run).items():
        results[owner]["stage_totals"] = stages
    for figures in results.values():
        if figures.get("cycle_total") is not None:  # SQLite's microseconds, so that stored totals add up alike
            figures["cycle_total"] = _as_duration(figures["cycle_total"])
    return dict(results)


def _month_of(model: type[Model], day: str, first: date, last: date) -> Case:
    """The first day of the month of the date or moment at the path `day` from `model`, between `first` and
    `last`, in local time: compared with each month's first day, cheaper than truncating every row's."""
    *relations, name = day.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model  # type: ignore[assignment]
    moment = isinstance(model._meta.get_field(name), DateTimeField)
    months = _months(first, last)
    return Case(*[When(**{f"{day}__lt": _aware(month) if moment else month},
                       then=Value(previous)) for previous, month in zip(months, months[1:], strict=False)],
                default=Value(months[-1]), output_field=DateField())


def _span(run: dict[str, Any], start: date, end: date) -> tuple[date, date]:
    """The days a run's figures by month are fetched for: all its periods', and at least [start, end]."""
    first, last = run.get("months", (start, end))
    return min(first, start), max(last, end)


def _monthly(run: dict[str, Any], name: str, start: date, end: date, rows: Callable[[date, date], QuerySet[Any]],
             ) -> dict[int, Figures]:
    """Person -> the sums of `rows(first, last)` (grouped rows with a "person" and a "month") over the
    months of [start, end]. The query is run once per run for every month the run spans (kept in `run`
    under `name`)."""
    first, last = _span(run, start, end)
    months = run.setdefault("monthly", {}).setdefault(name, {})
    if any(month not in months for month in _months(start, end)):
        # Kept only once every row has come: a read retried on the primary (`replica.on_replica`) starts over.
        fetched: dict[date, dict[int, Figures]] = {month: {} for month in _months(first, last)}
        for row in rows(first, last):
            fetched[row.pop("month")][row.pop("person")] = row
        months.update(fetched)
    totals: dict[int, Figures] = defaultdict(dict)
    for month in _months(start, end):
        for person, row in months[month].items():
            _add(totals[person], row)
    return totals


def _receivables(figures: Figures, days: int) -> None:
    """The cash collected whole (allocated and on account), to the cent, and days sales outstanding: what
    was owed on the day / what was invoiced in the period so far x its days (None without invoicing)."""
    cash = Decimal(figures.get("cash_collected") or 0) + Decimal(figures.pop("on_account", None) or 0)
    figures["cash_collected"] = receivables_money.cents(cash)
    figures["overdue_receivables"] = receivables_money.cents(Decimal(figures.get("overdue_receivables") or 0))
    dso = receivables_money.days_sales_outstanding(Decimal(figures.pop("outstanding", None) or 0),
                                                   Decimal(figures.pop("invoiced", None) or 0), days)
    figures["dso"] = None if dso is None else min(dso, MAX_DSO)


def _stage_totals(start: date, end: date, run: dict[str, Any]) -> dict[int, dict[str, tuple[timedelta, int]]]:
    """Deal owner -> stage left -> (summed time spent in it, moves out of it) for [start, end], a month or a
    quarter: the sums of its months', which `run` keeps (fetched for every month of the run at once)."""
    months = run.setdefault("stage_months", {})
    first, last = _span(run, start, end)
    if any(month not in months for month in _months(start, end)):
        fetched: dict[date, dict[int, dict[str, tuple[timedelta, int]]]] = {
            month: {} for month in _months(first, last)}
        for (month, owner, stage), stay_and_moves in _stage_totals_by_month(first, last, run.get("people")).items():
            fetched[month].setdefault(owner, {})[stage] = stay_and_moves
        months.update(fetched)
    totals: dict[int, Figures] = {}
    for month in _months(start, end):
        for owner, stages in months[month].items():
            _add(totals.setdefault(owner, {}), {"stage_totals": stages})
    return {owner: summed["stage_totals"] for owner, summed in totals.items()}


def _months(start: date, end: date) -> list[date]:
    """The first day of each month from `start`'s to `end`'s."""
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def _stage_totals_by_month(start: date, end: date, people: list[int] | None = None,
                           ) -> dict[tuple[date, int, str], tuple[timedelta, int]]:
    """(month of the move, deal owner, stage left) -> (summed time spent in it, moves out of it), over the
    moves out of a stage from `start` to `end` (of `people`'s deals only, when given): the time from the move
    into that stage (the latest before, or the deal's creation for the first stage) to the move out of it."""
    # Kept on the move when it was recorded; looked up for a move written without it (COALESCE stops at the first
    # value: the lookup runs only for those).
    entered = stage_entries(OuterRef("deal"), OuterRef("from_stage"), before=OuterRef("at")).values("at")[:1]
    stay = ExpressionWrapper(F("at") - Coalesce(F("from_stage_since"), Subquery(entered), F("deal__created_at")),
                             output_field=DurationField())
    whose = {"deal__owner__isnull": False} if people is None else {"deal__owner__in": people}
    moves = StageMove.objects.filter(at__gte=_aware(start), at__lt=_aware(end, end=True), **whose)
    rows = (moves.exclude(from_stage=F("to_stage")).annotate(month=_month_of(StageMove, "at", start, end))
            .values_list("month", "deal__owner", "from_stage").order_by()
            .annotate(stay=Sum(stay, output_field=DurationField()), moves=Count("pk")))
    return {(month, owner, stage): (_as_duration(total), moves) for month, owner, stage, total, moves in rows}


def _as_duration(value: timedelta | int) -> timedelta:
    """A summed duration: a timedelta, or SQLite's microseconds."""
    return value if isinstance(value, timedelta) else timedelta(microseconds=int(value))


def _targets(subject: str, start: date) -> dict[int, Figures]:
    """The quarter's targets by subject. A rep's satisfaction floor is their team's (it is not split)."""
    year, quarter = quarter_of(start)
    if subject == Subject.REP:
        # Summed: a rep who changed teams mid-quarter may hold a share in each.
        rows = (RepTarget.objects.filter(team_target__year=year, team_target__quarter=quarter)
                .values("rep_id").order_by("rep_id")
                .annotate(**{name: Sum(name) for name in RepTarget.SPLIT},
                          min_satisfaction=Avg("team_target__min_satisfaction")))
        return _keyed(rows, "rep_id")
    teams = TeamTarget.objects.filter(year=year, quarter=quarter)
    if subject == Subject.TEAM:
        return _keyed(teams.values("team_id", *TeamTarget.FIGURES), "team_id")
    totals = teams.values("team__department_id").order_by("team__department_id").annotate(
        **{name: Sum(name) for name in TeamTarget.SPLIT}, min_satisfaction=Avg("min_satisfaction"))
    return _keyed(totals, "team__department_id")


def _keyed(rows: Iterable[Mapping[str, Any]], key: str) -> dict[int, Figures]:
    """A `values()` query's rows by their `key` column, each row without it."""
    return {row[key]: {name: value for name, value in row.items() if name != key} for row in rows}


def scored_people() -> QuerySet[User]:
    """Who has a personal (rep) scorecard: every active rep and account manager in a team, and every
    active person who owns customers or deals, managers included."""
    owns = Exists(Customer.objects.filter(owner=OuterRef("pk"))) | Exists(Deal.objects.filter(owner=OuterRef("pk")))
    return User.objects.filter(Q(team__isnull=False, position__in=SCORED_POSITIONS) | owns, is_active=True)


def _subjects(subject: str) -> dict[int, Place]:
    """Every subject of a kind, with the team and department it belongs to and whether it is ranked.

    A person's team is the one their sales count for (`scoring_team`): a manager's own card carries
    the team they manage, whose card includes their deals. Ranks are taken within a team and within
    the department among the reps and account managers only: a manager is not ranked against the
    people they manage, nor counted in the average that sets the norm for figures without a target."""
    if subject == Subject.REP:
        people = scored_people().annotate(scoring_team=scoring_team(), scoring_department=scoring_department())
        rows = people.values_list("pk", "scoring_team", "scoring_department", "team_id", "position").order_by("pk")
        return {pk: {"team": team, "department": department,
                     "ranked": own_team is not None and position in SCORED_POSITIONS}
                for pk, team, department, own_team, position in rows}
    teams = Team.objects.values_list("pk", "department_id").order_by("pk")
    if subject == Subject.TEAM:
        return {pk: {"team": None, "department": department, "ranked": True} for pk, department in teams}
    return {department: {"team": None, "department": None, "ranked": True} for _pk, department in teams}


def _ratio(value: Decimal | int | None, target: Decimal | int | None, average: Decimal) -> Decimal:
    base = target if target else average
    if not base:
        return Decimal(0)
    return min(ATTAINMENT_CAP, Decimal(value or 0) / Decimal(base))


def _cycle_ratio(days: Decimal | None, average: Decimal) -> Decimal:
    """Shorter than the average cycle earns full points, longer earns average / own; none earns none."""
    if days is None or not average:
        return Decimal(0)
    if days == 0:
        return Decimal(1)
    return min(Decimal(1), Decimal(average) / Decimal(days))


def _score(figures: Figures, targets: Figures, averages: dict[str, Decimal],
           weights: ScoreWeights) -> tuple[Decimal, dict[str, dict[str, int | str]]]:
    """The composite score and its parts, each part = weight x ratio, shown so it can be explained.
    A ratio is attainment of the target (capped at 1.5), or, without a target, of the peers' average."""
    ratios = {
        "sales_amount": _ratio(figures.get("sales_amount"), targets.get("sales_amount"), averages["sales_amount"]),
        "signed_contracts": _ratio(figures.get("signed_contracts"), targets.get("signed_contracts"),
                                   averages["signed_contracts"]),
        "new_customers": _ratio(figures.get("new_customers"), targets.get("new_customers"),
                                averages["new_customers"]),
        "satisfaction": Decimal(figures.get("satisfaction") or 0) / 5,
        "sales_cycle": _cycle_ratio(figures.get("avg_cycle_days"), averages["avg_cycle_days"]),
    }
    parts = {name: {"weight": getattr(weights, name), "ratio": str(ratio.quantize(Decimal("0.001"))),
                    "points": str((getattr(weights, name) * ratio).quantize(Decimal("0.01")))}
             for name, ratio in ratios.items()}
    total = sum((Decimal(part["points"]) for part in parts.values()), Decimal(0))
    return total.quantize(Decimal("0.01")), parts


def _average(rows: list[Figures], figure: str) -> Decimal:
    """The average among the subjects that have the figure at all (a rep with no signing sets no norm;
    a same-day signing's cycle of 0 days does)."""
    values = [Decimal(row[figure]) for row in rows if row.get(figure) is not None]
    return sum(values, Decimal(0)) / len(values) if values else Decimal(0)


def _card(*, subject: str, pk: int, place: Place, period: str, start: date, end: date, values: Figures,
          target: Figures, averages: dict[str, Decimal], weights: ScoreWeights) -> Scorecard:
    score, parts = _score(values, target, averages, weights)
    won, lost = values.get("deals_won") or 0, values.get("deals_lost") or 0
    # Coverage by the forecast's own rule (the period's weighted pipeline / the target still to reach),
    # stored as a ratio: 76.5 % is 0.7650.
    forecast = forecast_of(signed=Decimal(values.get("sales_amount") or 0),
                           weighted=Decimal(values.get("weighted_pipeline") or 0), target=target.get("sales_amount"))
    coverage = None if forecast.coverage is None else min(MAX_COVERAGE, forecast.coverage / 100)
    return Scorecard(
        subject=subject, subject_id=pk, period=period, period_start=start, period_end=end,
        team_id_at_time=pk if subject == Subject.TEAM else place["team"],
        **{name: values[name] if values.get(name) is not None else (None if name in OPTIONAL else 0)
           for name in FIGURES},
        win_rate=(Decimal(won) / (won + lost)).quantize(Decimal("0.0001")) if won + lost else None,
        **{f"target_{name}": (Decimal(target[name]).quantize(Decimal("0.01")) if name == "min_satisfaction"
                              else target[name]) if target.get(name) is not None else None
           for name in TARGETS},
        pipeline_coverage=coverage, score=score, score_parts=parts, stage_days=values.get("stage_days", {}),
    )


def _rank(cards: list[Scorecard], subjects: dict[int, Place]) -> None:
    """Rank by score within the team and within the department (1 = best; equal scores share a rank)."""
    for scope, attribute in (("team", "rank_in_team"), ("department", "rank_in_department")):
        groups: dict[int, list[Scorecard]] = defaultdict(list)
        for card in cards:
            group = subjects[card.subject_id][scope]
            if group is not None and subjects[card.subject_id]["ranked"]:
                groups[group].append(card)
        for group in groups.values():
            ordered = sorted(group, key=lambda c: (-c.score, c.subject_id))
            for position, card in enumerate(ordered, start=1):
                previous = ordered[position - 2] if position > 1 else None
                rank = getattr(previous, attribute) if previous and previous.score == card.score else position
                setattr(card, attribute, rank)


@transaction.atomic
def compute_scorecards(*, period: str, start: date, progress: Callable[[int], object] | None = None,
                       today: date | None = None) -> int:
    """Compute and store every rep's, team's and the department's scorecard for one period; returns the
    number of rows written. Idempotent: rows are upserted on (subject, subject id, period, start), and the
    rows of subjects that no longer exist (a rep who left) are removed. Atomic: a failure leaves the
    previous complete set. `progress(percent)` is told after each kind of subject (inside the transaction,
    so another connection sees it only at commit). The number of queries does not depend on the data.
    `today` (by default the local date) decides which open deals are overdue (see `pipeline_cut_off`).
    Inside `one_run`, what the run's periods share is fetched once for all of them; a run for some people
    (`one_run(people=...)`) counts only theirs afresh and writes only the rows that change."""
    start, end = period_bounds(period, start)
    weights = ScoreWeights.current()
    written = 0
    run = _RUN.get() or {}
    scope: list[int] | None = run.get("people")
    shared: dict[str, Any] = {"today": today or run.get("today") or timezone.localdate(), "run": run}
    kinds = [Subject.REP, Subject.TEAM, Subject.DEPARTMENT]
    # The people's totals of the period locked first, in one order, by a full compute as by a refresh: two runs
    # of a period take turns, without a deadlock, the later one counting after the earlier one's commit.
    kept = dict(ScorecardTotals.objects.filter(period=period, period_start=start).select_for_update()
                .order_by("person_id").values_list("person_id", "totals"))
    # The heavy aggregates on the replica, once it has every commit made before this run.
    counted = replica.on_replica(lambda: _people_figures(start, end, shared["today"], run),
                                 caught_up_within=REPLICA_CATCH_UP_SECONDS)
    shared["people"] = _everyones_totals(period, start, counted, scope, kept)
    # A refresh compares with the rows stored, and writes only those that differ: a signing moves its
    # seller's, team's and department's figures, and may move others' scores (against the peers' average)
    # and ranks, which are recomputed from everyone's figures.
    stored = None if scope is None else _stored_cards(period, start)
    for step, subject in enumerate(kinds):
        subjects = _subjects(subject)
        figures = figures_for(subject, start, end, shared)
        targets = _targets(subject, start) if period == Scorecard.Period.QUARTER else {}
        rows = [figures.get(pk, {}) for pk, place in subjects.items() if place["ranked"]]
        averages = {name: _average(rows, name) for name in
                    ["sales_amount", "signed_contracts", "new_customers", "avg_cycle_days"]}
        cards = [_card(subject=subject, pk=pk, place=place, period=period, start=start, end=end,
                       values=figures.get(pk, {}), target=targets.get(pk, {}), averages=averages, weights=weights)
                 for pk, place in subjects.items()]
        _rank(cards, subjects)
        if stored is None or any(kind == subject and pk not in subjects for kind, pk in stored):
            Scorecard.objects.filter(subject=subject, period=period, period_start=start).exclude(
                subject_id__in=list(subjects)).delete()
        if stored is not None:
            cards = [card for card in cards if not _same_card(card, stored.get((subject, card.subject_id)))]
        # Rows in subject-id order, so that two overlapping runs lock them in the same order.
        if cards:
            Scorecard.objects.bulk_create(
                cards, update_conflicts=True, unique_fields=UNIQUE,
                update_fields=[field.name for field in Scorecard._meta.concrete_fields
                               if field.name not in ("id", *UNIQUE)],
            )
        written += len(cards)
        if progress:
            progress(int(100 * (step + 1) / 3))
    return written


def _everyones_totals(period: str, start: date, counted: dict[int, Figures], scope: list[int] | None,
                      stored: dict[int, dict[str, Any]]) -> dict[int, Figures]:
    """Every person's totals for the period, and `counted` stored (`ScorecardTotals`) for the next refresh:
    `counted` is everyone's, or, when only `scope` was counted, theirs, with everyone else's as `stored`."""
    if scope is None:
        gone, people = [person for person in stored if person not in counted], counted
    else:
        gone = [person for person in scope if person in stored and person not in counted]
        people = {person: decode_totals(totals) for person, totals in stored.items() if person not in scope}
        people.update(counted)
    if gone:
        ScorecardTotals.objects.filter(period=period, period_start=start, person_id__in=gone).delete()
    ScorecardTotals.objects.bulk_create(
        [ScorecardTotals(person_id=person, period=period, period_start=start, totals=encode_totals(totals))
         for person, totals in sorted(counted.items())],
        update_conflicts=True, unique_fields=["period", "period_start", "person"], update_fields=["totals"])
    return people


def encode_totals(totals: Figures) -> dict[str, Any]:
    """A person's totals as JSON, exactly: decimals as text, durations in microseconds."""
    encoded: dict[str, Any] = {}
    for name, value in totals.items():
        if name == "stage_totals":
            encoded[name] = {stage: [_microseconds(stay), moves] for stage, (stay, moves) in value.items()}
        elif isinstance(value, timedelta):
            encoded[name] = {"microseconds": _microseconds(value)}
        elif isinstance(value, Decimal):
            encoded[name] = str(value)
        elif value is None or type(value) is int:
            encoded[name] = value
        else:
            raise TypeError(f"{name}: a total of type {type(value).__name__}")
    return encoded


def decode_totals(encoded: Mapping[str, Any]) -> Figures:
    """`encode_totals` undone."""
    totals: Figures = {}
    for name, value in encoded.items():
        if name == "stage_totals":
            totals[name] = {stage: (timedelta(microseconds=stay), moves) for stage, (stay, moves) in value.items()}
        elif isinstance(value, dict):
            totals[name] = timedelta(microseconds=value["microseconds"])
        elif isinstance(value, str):
            totals[name] = Decimal(value)
        else:
            totals[name] = value
    return totals


def _microseconds(duration: timedelta) -> int:
    return (duration.days * 86_400 + duration.seconds) * 1_000_000 + duration.microseconds


# Every column of a scorecard but its id and when it was computed, with a decimal column's places.
_COMPARED = [(field.attname, Decimal(1).scaleb(-field.decimal_places) if isinstance(field, DecimalField) else None)
             for field in Scorecard._meta.concrete_fields if field.name not in ("id", "computed_at")]


def _stored_cards(period: str, start: date) -> dict[tuple[str, int], tuple[Any, ...]]:
    """The period's stored rows by (subject, subject id), each as its `_COMPARED` columns."""
    rows = Scorecard.objects.filter(period=period, period_start=start).values_list(
        *[name for name, _places in _COMPARED])
    at = [name for name, _places in _COMPARED].index
    return {(row[at("subject")], row[at("subject_id")]): row for row in rows}


def _same_card(card: Scorecard, stored: tuple[Any, ...] | None) -> bool:
    """Whether a computed card is the row stored, column by column, its decimals rounded as their columns
    keep them (a stored decimal equals the same number written with more places)."""
    if stored is None:
        return False
    for (name, places), kept in zip(_COMPARED, stored, strict=True):
        value = getattr(card, name)
        if places is not None and value is not None:
            value = Decimal(value).quantize(places, rounding=ROUND_HALF_UP)
        if value != kept:
            return False
    return True


def periods_to_compute(today: date) -> list[tuple[str, date]]:
    """The running month and quarter (hourly), and the previous ones (so late signings count)."""
    month_start = today.replace(day=1)
    previous_month = (month_start - timedelta(days=1)).replace(day=1)
    this_quarter = quarter_start(today)
    previous_quarter_start = quarter_start(this_quarter - timedelta(days=1))
    return [(Scorecard.Period.MONTH, month_start), (Scorecard.Period.MONTH, previous_month),
            (Scorecard.Period.QUARTER, this_quarter), (Scorecard.Period.QUARTER, previous_quarter_start)]
