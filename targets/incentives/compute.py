"""Computing a plan's commission statements (提成结算单): one per eligible person, for the plan's quarter.

What a plan's statements need is read once for all its people, one query per kind (the sales, the
targets, the satisfaction, the team totals, what approved statements recorded...); then each
statement is written in its own transaction, so a job killed midway leaves whole statements.

A rerun replaces a draft's lines; a statement submitted, approved or paid is left as it is (a manager
who wants it recomputed sends it back to draft first). An approved statement is a fact: what changed
since (a contract cancelled, amended down, its credit moved) is recovered by a clawback (追回) line in
the next statement computed for that person, once.

The basis: SIGNED counts a contract in the quarter it was signed; SHIPPED counts each shipment in
the quarter of its B/L date, for its B/L tonnes and that share of the contract's amount; PAID counts
the cash collected on a contract in the quarter (payments allocated to its invoices), for that share of
its tonnes. A new customer's bonus goes with the signing whatever the basis."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import DecimalField, Exists, ExpressionWrapper, F, Max, Min, OuterRef, Q, Sum, Value
from django.utils import timezone

from accounts.models import Team, User
from pipeline.execution.models import Shipment
from pipeline.models import Deal, Outcome
from pipeline.receivables.models import PaymentAllocation

from ..kpis import scoring_team
from ..models import RepTarget, Scorecard, TeamTarget
from ..periods import quarter_bounds
from .bands import HUNDRED, ONE, ZERO, Bands, cents, commission, line_multiplier, share_of
from .models import Basis, IncentivePlan, Statement, StatementLine

Kind, Reason, Status = StatementLine.Kind, StatementLine.Reason, Statement.Status
LOCKED = (Status.APPROVED, Status.PAID)
SHARE_MONEY = DecimalField(max_digits=24, decimal_places=4)


@dataclass(frozen=True)
class Sale:
    """A person's credited part of a contract (or of one of its shipments) that counts in the quarter."""

    deal: Deal
    share: Decimal  # per cent of the contract credited to the person
    amount: Decimal
    tonnes: Decimal


def credited_share(deal: Deal, person_id: int) -> Decimal:
    """The person's share (%) of a contract now: the credited person's is what the second seller's
    leaves; nothing if the contract is not (or no longer) standing."""
    if deal.outcome != Outcome.WON or deal.signed_on is None:
        return ZERO
    co_share = deal.co_seller_share or ZERO
    if deal.credited_to_id == person_id:
        return HUNDRED - co_share if deal.co_seller_id else HUNDRED
    if deal.co_seller_id == person_id:
        return co_share
    return ZERO


def split_parts(value: Decimal, deal: Deal) -> tuple[Decimal, Decimal]:
    """(credited person's part, second seller's part) of a contract's amount or tonnes: they add up."""
    co_part = share_of(value, deal.co_seller_share or ZERO) if deal.co_seller_id else ZERO
    return value - co_part, co_part


def sales_of(deal: Deal, amount: Decimal, tonnes: Decimal, persons: set[int]) -> list[tuple[int, Sale]]:
    """Who among `persons` is credited with what of this sale."""
    amounts, tonnages = split_parts(amount, deal), split_parts(tonnes, deal)
    sales = []
    if deal.credited_to_id in persons:
        sales.append((deal.credited_to_id, Sale(deal, credited_share(deal, deal.credited_to_id), amounts[0],
                                                tonnages[0])))
    if deal.co_seller_id in persons and deal.co_seller_share:
        sales.append((deal.co_seller_id, Sale(deal, deal.co_seller_share, amounts[1], tonnages[1])))
    return sales


def first_signing() -> Q:
    """No earlier standing contract of the same customer: this one made it a new customer."""
    earlier = Deal.objects.filter(customer=OuterRef("customer"), outcome=Outcome.WON, signed_on__isnull=False).filter(
        Q(signed_on__lt=OuterRef("signed_on")) | Q(signed_on=OuterRef("signed_on"), pk__lt=OuterRef("pk")))
    return ~Q(Exists(earlier))


def quarter_sales(plan: IncentivePlan, start: date, end: date, persons: set[int]) -> dict[int, list[Sale]]:
    """Each person's credited sales of the quarter, in the order they were made (one query)."""
    involved = Q(credited_to__in=persons) | Q(co_seller__in=persons)
    sales: dict[int, list[Sale]] = defaultdict(list)
    if plan.basis == Basis.SHIPPED:
        shipments = (Shipment.objects.filter(bl_date__range=(start, end), bl_tonnes__isnull=False,
                                             deal__outcome=Outcome.WON)
                     .filter(Q(deal__credited_to__in=persons) | Q(deal__co_seller__in=persons))
                     .select_related("deal__customer", "deal__commodity").order_by("bl_date", "pk"))
        for shipment in shipments:
            deal = shipment.deal
            assert shipment.bl_tonnes is not None
            amount = cents(deal.amount_base * shipment.bl_tonnes / deal.quantity_tonnes)
            for person, sale in sales_of(deal, amount, shipment.bl_tonnes, persons):
                sales[person].append(sale)
        return sales
    if plan.basis == Basis.PAID:
        return paid_sales(start, end, persons)
    deals = (Deal.objects.filter(involved, outcome=Outcome.WON, signed_on__range=(start, end))
             .select_related("customer", "commodity").order_by("signed_on", "pk"))
    for deal in deals:
        for person, sale in sales_of(deal, deal.amount_base, deal.quantity_tonnes, persons):
            sales[person].append(sale)
    return sales


def paid_sales(start: date, end: date, persons: set[int]) -> dict[int, list[Sale]]:
    """The cash collected in the quarter on each standing contract (payments received in the quarter and
    allocated to its invoices, at each payment's rate), in the order of the first payment, for that
    share of the contract's tonnes: one grouped query, then the contracts."""
    collected = list(
        PaymentAllocation.objects.filter(payment__received_on__range=(start, end), invoice__deal__outcome=Outcome.WON)
        .filter(Q(invoice__deal__credited_to__in=persons) | Q(invoice__deal__co_seller__in=persons))
        .values("invoice__deal").order_by("invoice__deal")
        .annotate(cash=Sum(F("amount") * F("payment__rate_to_base"), output_field=SHARE_MONEY),
                  first=Min("payment__received_on")))
    deals = Deal.objects.select_related("customer", "commodity").in_bulk([row["invoice__deal"] for row in collected])
    sales: dict[int, list[Sale]] = defaultdict(list)
    for row in sorted(collected, key=lambda row: (row["first"], row["invoice__deal"])):
        deal = deals[row["invoice__deal"]]
        cash = cents(row["cash"] or ZERO)
        if cash <= 0:
            continue
        tonnes = cents(deal.quantity_tonnes * min(cash / deal.amount_base, ONE)) if deal.amount_base else ZERO
        for person, sale in sales_of(deal, cash, tonnes, persons):
            sales[person].append(sale)
    return sales


def new_customer_deals(start: date, end: date, persons: set[int]) -> list[Deal]:
    """The quarter's first-ever standing contracts of a customer, credited to one of `persons` (for
    the bonus under any basis: a customer is won when its first contract is signed)."""
    return list(Deal.objects.filter(outcome=Outcome.WON, signed_on__range=(start, end), credited_to__in=persons)
                .filter(first_signing()).select_related("customer").order_by("signed_on", "pk"))


@dataclass(frozen=True)
class Recorded:
    """What a person's approved statements recorded for one contract, and what was clawed back since."""

    amount: Decimal
    earned: Decimal
    share: Decimal
    statement_id: int
    clawed_back: Decimal = ZERO  # negative or zero


@dataclass
class PlanFacts:
    """Everything a plan's statements are computed from, read once for all its people."""

    plan: IncentivePlan
    start: date
    end: date
    persons: list[User]
    bands: Bands
    rates: dict[int, Decimal]
    targets: dict[int, Decimal]
    sales: dict[int, list[Sale]]
    new_customers: dict[int, list[Deal]]
    satisfaction: dict[int, Decimal]
    managed: dict[int, list[Team]]
    team_sales: dict[int, Decimal]
    team_targets: dict[int, Decimal]
    recorded: dict[int, dict[int, Recorded]]
    deals_now: dict[int, Deal]
    statements: dict[int, Statement] = field(default_factory=dict)


def eligible_persons(plan: IncentivePlan, team_ids: list[int]) -> list[User]:
    """The active people in the plan's positions, in its teams (a manager's team is the one they manage)."""
    people = User.objects.filter(is_active=True, position__in=plan.positions)
    if team_ids:
        people = people.filter(Q(team__in=team_ids) | Q(managed_teams__in=team_ids)).distinct()
    return list(people.order_by("pk"))


def team_totals(start: date, end: date, team_ids: Iterable[int]) -> dict[int, Decimal]:
    """Each team's credited sales of the quarter, counted as the scorecards count them (a manager's own
    sales for the team they manage), the second seller's share for the second seller's team."""
    team_ids = list(team_ids)
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    if not team_ids:
        return totals
    signed = Deal.objects.filter(outcome=Outcome.WON, signed_on__range=(start, end))
    credited_part = ExpressionWrapper(F("amount_base") * (Value(HUNDRED) - F("co_seller_share")) / Value(HUNDRED),
                                      output_field=SHARE_MONEY)
    co_part = ExpressionWrapper(F("amount_base") * F("co_seller_share") / Value(HUNDRED), output_field=SHARE_MONEY)
    for person, part in (("credited_to", credited_part), ("co_seller", co_part)):
        rows = (signed.filter(**{f"{person}__isnull": False}).annotate(scoring=scoring_team(person))
                .filter(scoring__in=team_ids).values("scoring").order_by("scoring").annotate(total=Sum(part)))
        for row in rows:
            totals[row["scoring"]] += row["total"] or ZERO
    return {team: cents(total) for team, total in totals.items()}


def plan_facts(plan: IncentivePlan) -> PlanFacts:
    start, end = quarter_bounds(plan.year, plan.quarter)
    team_ids = list(plan.teams.values_list("pk", flat=True))
    persons = eligible_persons(plan, team_ids)
    ids = {person.pk for person in persons}
    targets = {row["rep"]: row["total"] for row in RepTarget.objects.filter(
        rep__in=ids, team_target__year=plan.year, team_target__quarter=plan.quarter)
        .values("rep").order_by("rep").annotate(total=Sum("sales_amount"))}
    new_customers: dict[int, list[Deal]] = defaultdict(list)
    if plan.new_customer_bonus:
        for deal in new_customer_deals(start, end, ids):
            assert deal.credited_to_id is not None
            new_customers[deal.credited_to_id].append(deal)
    satisfaction = {person: value for person, value in Scorecard.objects.filter(
        subject=Scorecard.Subject.REP, subject_id__in=ids, period=Scorecard.Period.QUARTER, period_start=start,
        satisfaction__isnull=False).values_list("subject_id", "satisfaction") if value is not None}
    managed: dict[int, list[Team]] = defaultdict(list)
    team_sales: dict[int, Decimal] = {}
    team_targets: dict[int, Decimal] = {}
    if plan.override_percent:
        teams = Team.objects.filter(manager__in=ids).order_by("name")
        if team_ids:
            teams = teams.filter(pk__in=team_ids)
        for team in teams:
            managed[team.manager_id].append(team)
        managed_ids = [team.pk for group in managed.values() for team in group]
        team_sales = team_totals(start, end, managed_ids)
        team_targets = dict(TeamTarget.objects.filter(team__in=managed_ids, year=plan.year, quarter=plan.quarter)
                            .values_list("team", "sales_amount"))
    recorded, deals_now = approved_records(plan, start, ids)
    return PlanFacts(
        plan=plan, start=start, end=end, persons=persons,
        bands=[(band.from_percent, band.multiplier) for band in plan.bands.all()],
        rates={rate.commodity_id: rate.per_tonne for rate in plan.rates.all()},
        targets=targets, sales=quarter_sales(plan, start, end, ids), new_customers=new_customers,
        satisfaction=satisfaction, managed=managed, team_sales=team_sales, team_targets=team_targets,
        recorded=recorded, deals_now=deals_now,
        statements={statement.person_id: statement for statement in plan.statements.all()},
    )


def approved_records(plan: IncentivePlan, start: date, ids: set[int]) -> tuple[dict[int, dict[int, Recorded]],
                                                                                dict[int, Deal]]:
    """What the people's approved (or paid) statements of earlier quarters recorded per contract, net of
    the clawbacks already made for it on any other plan's statement, and those contracts as they are now
    (three queries)."""
    rows = list(StatementLine.objects.filter(kind=Kind.CONTRACT, deal__isnull=False, statement__person__in=ids,
                                         statement__status__in=LOCKED, statement__period_start__lt=start)
            .values("statement__person", "deal").order_by("statement__person", "deal")
            .annotate(amount=Sum("amount"), earned=Sum("earned"), share=Max("share"), last=Max("statement")))
    deal_ids = {row["deal"] for row in rows}
    clawed = {(row["statement__person"], row["deal"]): row["total"] for row in StatementLine.objects.filter(
        kind=Kind.CLAWBACK, deal__in=deal_ids, statement__person__in=ids).exclude(statement__plan=plan)
        .values("statement__person", "deal").order_by("statement__person", "deal").annotate(total=Sum("earned"))}
    recorded: dict[int, dict[int, Recorded]] = defaultdict(dict)
    for row in rows:
        key = (row["statement__person"], row["deal"])
        recorded[key[0]][key[1]] = Recorded(row["amount"] or ZERO, row["earned"] or ZERO, row["share"], row["last"],
                                            clawed.get(key) or ZERO)
    deals_now = Deal.objects.in_bulk(deal_ids) if deal_ids else {}
    return recorded, deals_now


def contract_lines(facts: PlanFacts, person: User) -> list[StatementLine]:
    target = facts.targets.get(person.pk) or None
    before = ZERO
    lines = []
    for sale in facts.sales.get(person.pk, []):
        deal = sale.deal
        percent = facts.plan.percent_of_amount
        per_tonne = facts.rates.get(deal.commodity_id)
        earned, earnings = commission(before=before, amount=sale.amount, tonnes=sale.tonnes, target=target,
                                      bands=facts.bands, percent=percent, per_tonne=per_tonne or ZERO)
        before += sale.amount
        lines.append(StatementLine(
            kind=Kind.CONTRACT, deal=deal, customer=deal.customer, contract_number=deal.contract_number,
            customer_name=deal.customer.name, commodity_name=deal.commodity.name, share=sale.share,
            tonnes=sale.tonnes, amount=sale.amount, percent=percent, per_tonne=per_tonne,
            bands=[earning.as_json() for earning in earnings], multiplier=line_multiplier(earnings), earned=earned))
    return lines


def override_lines(facts: PlanFacts, person: User) -> list[StatementLine]:
    lines = []
    for team in facts.managed.get(person.pk, []):
        total = facts.team_sales.get(team.pk, ZERO)
        earned, earnings = commission(before=ZERO, amount=total, tonnes=ZERO, target=facts.team_targets.get(team.pk),
                                      bands=facts.bands, percent=facts.plan.override_percent, per_tonne=ZERO)
        lines.append(StatementLine(kind=Kind.OVERRIDE, team=team, amount=total, percent=facts.plan.override_percent,
                                   bands=[earning.as_json() for earning in earnings],
                                   multiplier=line_multiplier(earnings), earned=earned))
    return lines


def clawback_lines(facts: PlanFacts, person: User) -> list[StatementLine]:
    """For each contract an approved statement paid on: what it should have earned as the contract and
    the person's share stand now, against what it earned net of earlier clawbacks; the excess comes back."""
    lines = []
    for deal_id, recorded in facts.recorded.get(person.pk, {}).items():
        deal = facts.deals_now[deal_id]
        share = credited_share(deal, person.pk)
        now = share_of(deal.amount_base, share) if share else ZERO
        if now >= recorded.amount or recorded.amount <= 0:
            continue
        deserved = cents(recorded.earned * now / recorded.amount)
        excess = recorded.earned + recorded.clawed_back - deserved
        if excess < Decimal("0.01"):
            continue
        if not share and (deal.outcome != Outcome.WON or deal.signed_on is None):
            reason = Reason.LOST
        elif share < recorded.share:
            reason = Reason.CREDIT_MOVED
        else:
            reason = Reason.AMENDED_DOWN
        lines.append(StatementLine(
            kind=Kind.CLAWBACK, deal=deal, customer_id=deal.customer_id, contract_number=deal.contract_number,
            share=share, amount=now - recorded.amount, earned=-excess, reason=reason,
            recovers_id=recorded.statement_id))
    return lines


def statement_lines(facts: PlanFacts, person: User) -> tuple[list[StatementLine], dict[str, Any]]:
    """A person's lines in order (contracts, new customers, override, gate, cap, clawbacks) and the
    statement's figures."""
    plan = facts.plan
    lines = contract_lines(facts, person)
    credited = sum((line.amount or ZERO for line in lines), ZERO)
    tonnes = sum((line.tonnes or ZERO for line in lines), ZERO)
    for deal in facts.new_customers.get(person.pk, []):
        lines.append(StatementLine(kind=Kind.NEW_CUSTOMER, deal=deal, customer=deal.customer,
                                   contract_number=deal.contract_number, customer_name=deal.customer.name,
                                   earned=plan.new_customer_bonus))
    lines += override_lines(facts, person)
    variable = sum((line.earned for line in lines), ZERO)
    satisfaction = facts.satisfaction.get(person.pk)
    if (plan.satisfaction_floor is not None and satisfaction is not None and satisfaction < plan.satisfaction_floor
            and plan.gate_reduction_percent and variable > 0):
        gate = -cents(variable * plan.gate_reduction_percent / HUNDRED)
        lines.append(StatementLine(kind=Kind.GATE, amount=variable, percent=plan.gate_reduction_percent, earned=gate))
        variable += gate
    if plan.cap is not None and variable > plan.cap:
        lines.append(StatementLine(kind=Kind.CAP, amount=variable, earned=plan.cap - variable))
    # Clawbacks come after the cap: they recover what was paid, whatever this quarter earns.
    lines += clawback_lines(facts, person)
    for position, line in enumerate(lines, start=1):
        line.position = position
    target = facts.targets.get(person.pk) or None
    figures = {
        "target_amount": target, "credited_amount": credited, "credited_tonnes": tonnes,
        "attainment": (credited / target).quantize(Decimal("0.0001")) if target else None,
        "satisfaction": satisfaction, "total": sum((line.earned for line in lines), ZERO),
    }
    return lines, figures


def write_statement(facts: PlanFacts, person: User) -> Statement | None:
    """Write one person's statement, in its own transaction; None if it is no longer a draft."""
    lines, figures = statement_lines(facts, person)
    with transaction.atomic():
        statement = Statement.objects.select_for_update().filter(person=person, plan=facts.plan).first()
        if statement is None:
            statement = Statement(person=person, plan=facts.plan)
        elif statement.status != Status.DRAFT:
            return None
        else:
            statement.version += 1
            statement.lines.all().delete()
        for name, value in figures.items():
            setattr(statement, name, value)
        statement.period_start, statement.period_end = facts.start, facts.end
        statement.currency = settings.BASE_CURRENCY
        statement.computed_at = timezone.now()
        statement.save()
        for line in lines:
            line.statement = statement
        StatementLine.objects.bulk_create(lines)
    return statement


def statements_compute(plan: IncentivePlan, *, progress: Any = None) -> int:
    """Compute the plan's statements; returns how many drafts were written. `progress(done, of)` is
    called after each statement (the recompute run's progress bar)."""
    facts = plan_facts(plan)
    written = 0
    for done, person in enumerate(facts.persons, start=1):
        existing = facts.statements.get(person.pk)
        if existing is None or existing.status == Status.DRAFT:
            written += write_statement(facts, person) is not None
        if progress is not None:
            progress(done, len(facts.persons))
    return written
