"""The demo's incentive plans: the previous quarter's statements approved with their steps, the running
quarter's drafts, and a second seed that adds nothing."""

from django.core.management import call_command
from django.utils import timezone

from targets.incentives.models import IncentivePlan, Statement, StatementLine, StatementStep
from targets.periods import previous_quarter, quarter_of


def test_the_demo_has_an_approved_quarter_and_a_draft_one(demo):
    current = quarter_of(timezone.localdate())
    previous = IncentivePlan.objects.get(year=previous_quarter(*current)[0], quarter=previous_quarter(*current)[1])
    running = IncentivePlan.objects.get(year=current[0], quarter=current[1])
    assert previous.bands.count() == running.bands.count() == 4
    assert previous.rates.exists() and previous.cap and previous.override_percent and previous.satisfaction_floor
    approved = previous.statements.all()
    assert approved.exists() and not approved.exclude(status=Statement.Status.APPROVED).exists()
    for statement in approved:
        assert [(step.from_status, step.to_status) for step in statement.steps.all()] == [
            ("draft", "submitted"), ("submitted", "approved")]
        assert statement.total == sum(line.earned for line in statement.lines.all())
    drafts = running.statements.all()
    assert drafts.exists() and not drafts.exclude(status=Statement.Status.DRAFT).exists()
    assert StatementLine.objects.filter(statement__plan=running, kind=StatementLine.Kind.CONTRACT).exists()
    # A contract of the approved quarter, amended down since, is recovered in the running quarter's draft.
    [clawback] = StatementLine.objects.filter(statement__plan=running, kind=StatementLine.Kind.CLAWBACK)
    assert clawback.reason == StatementLine.Reason.AMENDED_DOWN and clawback.earned < 0
    assert clawback.recovers in approved and clawback.recovers.person == clawback.statement.person


def test_a_second_seed_adds_nothing(demo):
    counts = [model.objects.count() for model in (IncentivePlan, Statement, StatementLine, StatementStep)]
    call_command("seed_demo")
    assert [model.objects.count() for model in (IncentivePlan, Statement, StatementLine, StatementStep)] == counts
