"""Reads of the incentive plans and commission statements, each starting from the access policy."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from accounts import access
from accounts.models import Position, User

from .models import IncentivePlan, Statement, StatementLine

# The positions a plan may name: the people who sell and the managers (for the override).
PLAN_POSITIONS = (Position.REP, Position.ACCOUNT_MANAGER, Position.MANAGER)


def statements_visible_to(user: User) -> QuerySet[Statement]:
    """A rep's own statements, a manager's team's (and their own), the director's everyone's."""
    return access.commission_visible_to(user, Statement.objects.all())


def lines_visible_to(user: User) -> QuerySet[StatementLine]:
    return access.commission_visible_to(user, StatementLine.objects.all(), person_field="statement__person")


def plan_applies_to(plan_positions: list[str], plan_team_ids: set[int], person: User) -> bool:
    """A plan pays the people of its positions, in its teams (every team when it names none)."""
    return person.position in plan_positions and (not plan_team_ids or person.team_id in plan_team_ids)


def plans_visible_to(user: User) -> QuerySet[IncentivePlan]:
    """The director reads every plan; a seller or manager the plans that apply to them or to someone whose
    statements they see (a manager: their team's), and the plans of the statements they see."""
    plans = IncentivePlan.objects.all()
    if access.can_decide_commission(user):
        return plans
    if not access.can_sell(user):
        return plans.none()
    people = list(access.users_visible_to(user).only("pk", "position", "team_id"))
    # Plans are few (a handful a quarter): the positions, a JSON list, are matched here, which every
    # database can do alike.
    teams: dict[int, set[int]] = {}
    for plan_id, team_id in IncentivePlan.teams.through.objects.values_list("incentiveplan_id", "team_id"):
        teams.setdefault(plan_id, set()).add(team_id)
    applying = [pk for pk, positions in plans.values_list("pk", "positions")
                if any(plan_applies_to(positions, teams.get(pk, set()), person) for person in people)]
    return plans.filter(Q(pk__in=applying) | Q(pk__in=statements_visible_to(user).values("plan")))


def can_change_plan(user: User) -> bool:
    return access.can_decide_commission(user)


def plan_is_locked(plan: IncentivePlan) -> bool:
    """Once a statement of the plan is submitted, its terms are the ground of figures others rely on: it is
    not edited any more (a copy to the next quarter carries changes forward)."""
    return plan.pk is not None and plan.statements.exclude(status=Statement.Status.DRAFT).exists()


@dataclass
class StatusCount:
    status: str
    label: str
    count: int
    total: Decimal


def status_counts(statements: QuerySet[Statement]) -> list[StatusCount]:
    """How many statements in each status and their total: one query."""
    found = {row["status"]: row for row in statements.order_by().values("status").annotate(
        count=Count("pk"), amount=Sum("total"))}
    return [StatusCount(status, str(label), found[status]["count"], found[status]["amount"] or Decimal(0))
            for status, label in Statement.Status.choices if status in found]


def statement_totals(statements: QuerySet[Statement]) -> dict[str, Decimal | int]:
    totals = statements.order_by().aggregate(count=Count("pk"), total=Sum("total"), credited=Sum("credited_amount"))
    return {"count": totals["count"], "total": totals["total"] or Decimal(0),
            "credited": totals["credited"] or Decimal(0)}


def with_plan_counts(plans: QuerySet[IncentivePlan], user: User) -> QuerySet[IncentivePlan]:
    """Each plan with how many of its statements the user sees, and how many of those are past draft."""
    visible = statements_visible_to(user).values("pk")
    return plans.annotate(
        statement_count=Count("statements", filter=Q(statements__in=visible), distinct=True),
        statement_total=Sum("statements__total", filter=Q(statements__in=visible)),
    )


def statement_moves(user: User, statement: Statement) -> list[str]:
    """The workflow steps `user` may take on the statement now, by name: what the page offers."""
    moves = []
    if statement.status == Statement.Status.DRAFT and access.can_submit_commission(user, statement.person):
        moves.append("submit")
    if access.can_decide_commission(user):
        if statement.status == Statement.Status.SUBMITTED:
            moves += ["approve", "return"]
        elif statement.status == Statement.Status.APPROVED:
            moves.append("mark_paid")
    return moves
