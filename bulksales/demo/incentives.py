"""Demo incentive plans (激励方案) and commission statements (提成结算单) for `seed_demo`: one plan for the
previous and one for the running quarter (0.1 % of the amount with the accelerators of WORKED_EXAMPLES.md
§7, a per-tonne rate for thermal coal, a new-customer bonus, a satisfaction gate, a cap and a manager's
override), their statements computed; the previous quarter's submitted by each person's manager and
approved by the director, with their steps; the running quarter's left as drafts. Deterministic; a
second run adds nothing (a plan that already has statements is left as it is)."""

from copy import copy
from decimal import Decimal

from django.utils import timezone

from accounts.models import Position, User
from customers.models import Commodity
from pipeline.models import Amendment, Outcome
from pipeline.services import amendment_approve, amendment_request
from targets.incentives.compute import statements_compute
from targets.incentives.models import IncentivePlan, PlanBand, PlanRate, Statement, StatementLine
from targets.incentives.services import statement_approve, statement_submit
from targets.periods import previous_quarter, quarter_of

PLAN_NAME = "Sales commission"
BANDS = [(Decimal(0), Decimal(0)), (Decimal(50), Decimal("1.0")), (Decimal(100), Decimal("1.5")),
         (Decimal(120), Decimal("2.0"))]
TERMS = {
    "positions": [Position.REP, Position.ACCOUNT_MANAGER, Position.MANAGER],
    "percent_of_amount": Decimal("0.1"),
    "new_customer_bonus": Decimal(5000),
    "satisfaction_floor": Decimal("3.50"),
    "gate_reduction_percent": Decimal(10),
    "cap": Decimal(300000),
    "override_percent": Decimal("0.05"),
}
COAL_PER_TONNE = Decimal("0.50")


def demo_plan(year: int, quarter: int, director: User) -> IncentivePlan:
    plan, created = IncentivePlan.objects.get_or_create(name=PLAN_NAME, year=year, quarter=quarter,
                                                        defaults={**TERMS, "created_by": director})
    if created:
        PlanBand.objects.bulk_create(PlanBand(plan=plan, from_percent=low, multiplier=multiplier)
                                     for low, multiplier in BANDS)
        coal = Commodity.objects.filter(name="Thermal coal").first()
        if coal is not None:
            PlanRate.objects.create(plan=plan, commodity=coal, per_tonne=COAL_PER_TONNE)
    return plan


def submitter(statement: Statement, director: User) -> User:
    """Who puts a statement forward in the demo: the person's manager, or the director for a manager's own (read
    with the statement's `person__team__manager`)."""
    team = statement.person.team
    return team.manager if team is not None and team.manager_id not in (None, statement.person_id) else director


def _approve(plan: IncentivePlan, director: User) -> None:
    """Each statement submitted by the person's manager (the director for a manager's own), then approved
    by the director, through the workflow the pages use."""
    for statement in plan.statements.select_related("person__team__manager").order_by("pk"):
        statement = statement_submit(statement=statement, by=submitter(statement, director),
                                     expected_version=statement.version)
        statement_approve(statement=statement, by=director, expected_version=statement.version)


def _amend_one_paid_on_down(plan: IncentivePlan, director: User) -> None:
    """One contract an approved statement paid on, its price then cut by an approved amendment (a quality
    dispute settled at 5 % off), so that this quarter's draft shows the clawback of the difference."""
    line = (StatementLine.objects.filter(statement__plan=plan, statement__person__position=Position.REP,
                                         kind=StatementLine.Kind.CONTRACT, earned__gt=0, deal__outcome=Outcome.WON)
            .exclude(deal__amendments__status=Amendment.Status.PENDING)
            .select_related("deal__owner").order_by("statement__person__username", "pk").first())
    if line is None or line.deal is None:
        return
    deal = line.deal
    proposed = copy(deal)
    proposed.price_per_tonne = (deal.price_per_tonne * Decimal("0.95")).quantize(Decimal("0.01"))
    amendment = amendment_request(deal=deal, proposed=proposed, by=deal.owner, expected_version=deal.version,
                                  reason="Quality dispute settled: the price cut by 5 %.")
    amendment_approve(amendment=amendment, by=director, note="Agreed with the buyer.")


def seed_incentives() -> None:
    director = User.objects.filter(position=Position.DIRECTOR, is_active=True).order_by("pk").first()
    if director is None:
        return
    current = quarter_of(timezone.localdate())
    # The previous quarter first: its approved statements are what a clawback of this quarter recovers.
    for (year, quarter), approved in ((previous_quarter(*current), True), (current, False)):
        plan = demo_plan(year, quarter, director)
        if plan.statements.exists():
            continue
        statements_compute(plan)
        if approved:
            _approve(plan, director)
            _amend_one_paid_on_down(plan, director)
