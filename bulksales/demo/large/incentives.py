"""The large data set's incentive plans and commission statements: the demo's plans (bulksales.demo.incentives)
for the previous and the running quarter, every seller's statement computed by the worker's own function, the
previous quarter's then submitted by each person's manager and approved by the director, written in bulk with
the steps the workflow records. So the statement pages are measured at the large size on the same kind of
records as at the demo size, and their query counts compared between the two."""

from django.db.models import F

from accounts.models import Position, User
from bulksales.demo.incentives import _plan
from targets.incentives.compute import statements_compute
from targets.incentives.models import Statement, StatementStep
from targets.periods import previous_quarter, quarter_of

from .seed import LargeSeed


def seed_incentives_large(seed: LargeSeed) -> None:
    director = User.objects.filter(position=Position.DIRECTOR, is_active=True).order_by("pk").first()
    if director is None:
        return
    current = quarter_of(seed.today)
    previous = _plan(*previous_quarter(*current), director)
    statements_compute(previous)
    statements_compute(_plan(*current, director))
    Status = Statement.Status
    approved = list(previous.statements.select_related("person__team").order_by("pk"))
    steps = []
    for statement in approved:
        team = statement.person.team
        # Submitted by the person's manager (the director for a manager's own), as the workflow allows.
        manager_id = (team.manager_id if team is not None and team.manager_id not in (None, statement.person_id)
                      else director.pk)
        steps += [StatementStep(statement=statement, from_status=Status.DRAFT, to_status=Status.SUBMITTED,
                                by_id=manager_id),
                  StatementStep(statement=statement, from_status=Status.SUBMITTED, to_status=Status.APPROVED,
                                by_id=director.pk)]
    Statement.objects.filter(pk__in=[statement.pk for statement in approved]).update(
        status=Status.APPROVED, version=F("version") + 2)
    seed.insert(StatementStep, ["statement_id", "from_status", "to_status", "by_id", "at", "note"],
                ((step.statement.pk, step.from_status, step.to_status, step.by_id, seed.now, "") for step in steps))
