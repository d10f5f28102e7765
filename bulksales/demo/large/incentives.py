"""The large data set's incentive plans and commission statements: the demo's plans (bulksales.demo.incentives)
for the previous and the running quarter, every seller's statement computed by the worker's own function, the
previous quarter's then submitted by each person's manager and approved by the director, written in bulk with
the steps the workflow records. So the statement pages are measured at the large size on the same kind of
records as at the demo size, and their query counts compared between the two."""

from django.db.models import F

from accounts.models import Position, User
from bulksales.demo.incentives import demo_plan, submitter
from targets.incentives.compute import statements_compute
from targets.incentives.models import Statement, StatementStep
from targets.periods import previous_quarter, quarter_of

from .seed import LargeSeed


def seed_incentives_large(seed: LargeSeed) -> None:
    director = User.objects.filter(position=Position.DIRECTOR, is_active=True).order_by("pk").first()
    if director is None:
        return
    current = quarter_of(seed.today)
    previous = demo_plan(*previous_quarter(*current), director)
    statements_compute(previous)
    statements_compute(demo_plan(*current, director))
    Status = Statement.Status
    approved = list(previous.statements.select_related("person__team__manager").order_by("pk"))
    Statement.objects.filter(pk__in=[statement.pk for statement in approved]).update(
        status=Status.APPROVED, version=F("version") + 2)
    # The two steps the workflow records for each: submitted (demo.incentives.submitter), then approved.
    seed.insert(StatementStep, ["statement_id", "from_status", "to_status", "by_id", "at", "note"], (
        step for statement in approved for step in (
            (statement.pk, Status.DRAFT, Status.SUBMITTED, submitter(statement, director).pk, seed.now, ""),
            (statement.pk, Status.SUBMITTED, Status.APPROVED, director.pk, seed.now, ""))))
