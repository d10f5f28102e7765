"""The statement's workflow: draft → submitted by the manager → approved by the director (locked) → paid;
every step recorded, every wrong step refused with a clear message, as every role; and the plan's writes."""

from decimal import Decimal

import pytest
from django.utils import translation

from accounts.services import RuleError
from targets.incentives import services
from targets.incentives.models import IncentivePlan, Statement, StatementStep

from .factories import CommodityFactory, IncentivePlanFactory, PlanRateFactory, StatementFactory

Status = Statement.Status
SELLERS = ["director", "manager", "rep", "account_manager", "other_manager", "other_rep"]

# Who may take each step on a statement of the rep in team A.
MOVES = {
    "submit": (services.statement_submit, Status.DRAFT, Status.SUBMITTED, {"director", "manager"}),
    "return": (services.statement_return, Status.SUBMITTED, Status.DRAFT, {"director"}),
    "approve": (services.statement_approve, Status.SUBMITTED, Status.APPROVED, {"director"}),
    "mark_paid": (services.statement_mark_paid, Status.APPROVED, Status.PAID, {"director"}),
}


@pytest.mark.parametrize("role", SELLERS)
@pytest.mark.parametrize("move", list(MOVES))
def test_each_step_is_taken_only_by_who_may(cast, role, move):
    service, from_status, to_status, allowed = MOVES[move]
    statement = StatementFactory(person=cast.rep, status=from_status)
    user = cast.by_role(role)
    if role in allowed:
        moved = service(statement=statement, by=user, expected_version=1, note="Checked against the contracts")
        assert moved.status == to_status and moved.version == 2
        step = StatementStep.objects.get(statement=statement)
        assert (step.from_status, step.to_status, step.by) == (from_status, to_status, user)
        assert step.note == "Checked against the contracts"
    else:
        with pytest.raises(RuleError):
            service(statement=statement, by=user, expected_version=1, note="Checked against the contracts")
        statement.refresh_from_db()
        assert statement.status == from_status and statement.version == 1
        assert not StatementStep.objects.exists()


def test_a_rep_cannot_submit_their_own_statement(cast):
    statement = StatementFactory(person=cast.rep)
    with pytest.raises(RuleError, match="not by the person"):
        services.statement_submit(statement=statement, by=cast.rep, expected_version=1)


def test_a_manager_cannot_submit_their_own_statement_but_the_director_can(cast):
    statement = StatementFactory(person=cast.manager)
    with pytest.raises(RuleError):
        services.statement_submit(statement=statement, by=cast.manager, expected_version=1)
    assert services.statement_submit(statement=statement, by=cast.director, expected_version=1).status == "submitted"


@pytest.mark.parametrize("move", list(MOVES))
@pytest.mark.parametrize("status", list(Status.values))
def test_a_wrong_transition_is_refused_with_the_status_it_is_in(cast, move, status):
    service, from_status, _to, _allowed = MOVES[move]
    if status == from_status:
        return
    statement = StatementFactory(person=cast.rep, status=status)
    with pytest.raises(RuleError) as refused:
        service(statement=statement, by=cast.director, expected_version=1, note="Why")
    assert str(Status(status).label).lower() in str(refused.value)
    statement.refresh_from_db()
    assert statement.status == status and not StatementStep.objects.exists()


def test_the_refusal_is_in_the_users_language(cast):
    statement = StatementFactory(person=cast.rep, status=Status.APPROVED)
    with translation.override("zh-hans"), pytest.raises(RuleError) as refused:
        services.statement_approve(statement=statement, by=cast.director, expected_version=1)
    assert "结算单" in str(refused.value)


def test_a_stale_page_moves_nothing(cast):
    statement = StatementFactory(person=cast.rep)
    services.statement_submit(statement=statement, by=cast.manager, expected_version=1)
    with pytest.raises(services.StaleRecord):
        # The director opened the page before the manager submitted it.
        services.statement_approve(statement=statement, by=cast.director, expected_version=1)
    statement.refresh_from_db()
    assert statement.status == Status.SUBMITTED and StatementStep.objects.count() == 1


def test_a_return_needs_a_reason(cast):
    statement = StatementFactory(person=cast.rep, status=Status.SUBMITTED)
    with pytest.raises(RuleError, match="Say why"):
        services.statement_return(statement=statement, by=cast.director, expected_version=1, note="  ")
    assert Statement.objects.get().status == Status.SUBMITTED


def test_the_whole_workflow_is_recorded_in_order(cast):
    statement = StatementFactory(person=cast.rep)
    statement = services.statement_submit(statement=statement, by=cast.manager, expected_version=1)
    statement = services.statement_return(statement=statement, by=cast.director, expected_version=2,
                                          note="BS-2026-0003 was amended down")
    statement = services.statement_submit(statement=statement, by=cast.manager, expected_version=3)
    statement = services.statement_approve(statement=statement, by=cast.director, expected_version=4)
    assert statement.locked
    statement = services.statement_mark_paid(statement=statement, by=cast.director, expected_version=5)
    steps = list(statement.steps.values_list("from_status", "to_status", "by__username"))
    assert steps == [("draft", "submitted", "manager"), ("submitted", "draft", "director"),
                     ("draft", "submitted", "manager"), ("submitted", "approved", "director"),
                     ("approved", "paid", "director")]
    assert statement.total == Decimal(100000)  # the workflow never touches the figures


# --- Plans ------------------------------------------------------------------------------------------


def _bands(*pairs):
    return [services.BandRow(Decimal(start), Decimal(multiplier)) for start, multiplier in pairs]


def test_a_director_saves_a_plan_with_its_bands_and_rates(cast):
    coal = CommodityFactory()
    plan = IncentivePlan(name="Q4 sales", year=2026, quarter=4, positions=["rep"], percent_of_amount=Decimal(1))
    services.plan_save(plan=plan, bands=_bands((50, "1.0"), (100, "1.5"), (120, "2.0")),
                       rates=[services.RateRow(coal, Decimal("0.5"))], teams=[cast.rep.team], by=cast.director)
    assert list(plan.bands.values_list("from_percent", "multiplier")) == [
        (Decimal(50), Decimal("1.0")), (Decimal(100), Decimal("1.5")), (Decimal(120), Decimal("2.0"))]
    assert plan.rates.get().per_tonne == Decimal("0.5") and list(plan.teams.all()) == [cast.rep.team]
    assert plan.created_by == cast.director and plan.version == 1


@pytest.mark.parametrize("bands, problem", [
    ([], "at least one band"),
    ([(50, "1.0"), (50, "1.5")], "above the one before"),
    ([(100, "1.0"), (50, "1.5")], "above the one before"),
    ([(50, "-1")], "0 or more"),
])
def test_bad_bands_are_refused_and_nothing_is_saved(cast, bands, problem):
    plan = IncentivePlan(name="Q4 sales", year=2026, quarter=4, positions=["rep"])
    with pytest.raises(services.PlanInvalid, match=problem):
        services.plan_save(plan=plan, bands=_bands(*bands), rates=[], teams=[], by=cast.director)
    assert not IncentivePlan.objects.exists()


def test_only_a_director_saves_a_plan(cast):
    plan = IncentivePlan(name="Q4 sales", year=2026, quarter=4, positions=["rep"])
    with pytest.raises(RuleError):
        services.plan_save(plan=plan, bands=_bands((50, 1)), rates=[], teams=[], by=cast.manager)
    assert not IncentivePlan.objects.exists()


def test_a_stale_plan_form_is_refused(cast):
    plan = IncentivePlanFactory()
    services.plan_save(plan=IncentivePlan.objects.get(pk=plan.pk), bands=_bands((50, 1)), rates=[], teams=[],
                       by=cast.director, expected_version=1)
    with pytest.raises(services.StaleRecord):
        services.plan_save(plan=IncentivePlan.objects.get(pk=plan.pk), bands=_bands((60, 1)), rates=[], teams=[],
                           by=cast.director, expected_version=1)
    assert list(plan.bands.values_list("from_percent", flat=True)) == [Decimal(50)]


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.APPROVED, Status.PAID])
def test_a_plan_with_a_statement_past_draft_is_locked(cast, status):
    plan = IncentivePlanFactory(percent_of_amount=Decimal(1))
    StatementFactory(plan=plan, person=cast.rep, status=status)
    plan.percent_of_amount = Decimal(2)
    with pytest.raises(RuleError, match="Copy it to the next quarter"):
        services.plan_save(plan=plan, bands=_bands((50, 1)), rates=[], teams=[], by=cast.director,
                           expected_version=1)
    assert IncentivePlan.objects.get().percent_of_amount == Decimal(1)


def test_copy_to_the_next_quarter_carries_every_term(cast):
    plan = IncentivePlanFactory(name="Sales", year=2026, quarter=4, cap=Decimal(200000))
    plan.teams.set([cast.rep.team])
    PlanRateFactory(plan=plan, per_tonne=Decimal("0.8"))
    copy = services.plan_copy_to_next_quarter(plan=plan, by=cast.director)
    assert (copy.year, copy.quarter, copy.name, copy.cap) == (2027, 1, "Sales", Decimal(200000))
    assert list(copy.bands.values_list("from_percent", "multiplier")) == list(
        plan.bands.values_list("from_percent", "multiplier"))
    assert copy.rates.get().per_tonne == Decimal("0.8") and list(copy.teams.all()) == [cast.rep.team]
    with pytest.raises(RuleError, match="exists for 2027 Q1"):
        services.plan_copy_to_next_quarter(plan=plan, by=cast.director)
    with pytest.raises(RuleError):
        services.plan_copy_to_next_quarter(plan=copy, by=cast.manager)
