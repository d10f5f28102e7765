"""Computing commission statements: lines a person can check by hand against the plan, reruns that
update a draft and never an approved statement, and clawbacks that recover once what changed since."""

import datetime
import itertools
from decimal import Decimal as D

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Position
from pipeline.receivables.models import PaymentAllocation
from targets.incentives.compute import plan_facts, statements_compute
from targets.incentives.models import Basis, IncentivePlan, PlanBand, PlanRate, Statement, StatementLine
from targets.models import Scorecard

from .factories import CustomerFactory, DealFactory, RepTargetFactory, TeamTargetFactory, UserFactory
from .factories.customers import CommodityFactory
from .factories.execution import ShipmentFactory
from .factories.receivables import InvoiceFactory, PaymentFactory

Kind, Reason = StatementLine.Kind, StatementLine.Reason
BANDS = [(D(0), D(0)), (D(50), D("1.0")), (D(100), D("1.5")), (D(120), D("2.0"))]
JAN, FEB, MAR, MAY = (datetime.date(2026, month, 10) for month in (1, 2, 3, 5))
numbers = itertools.count(1)


def make_plan(cast, *, year=2026, quarter=1, bands=BANDS, **fields) -> IncentivePlan:
    fields.setdefault("positions", ["rep", "account_manager", "manager"])
    fields.setdefault("percent_of_amount", D(1))
    plan = IncentivePlan.objects.create(name="Sales", year=year, quarter=quarter, created_by=cast.director, **fields)
    for from_percent, multiplier in bands:
        PlanBand.objects.create(plan=plan, from_percent=from_percent, multiplier=multiplier)
    return plan


def sign(person, amount, on, *, customer=None, tonnes=D(10_000), **fields):
    """A contract signed by `person` for `amount` CNY (rate 1)."""
    customer = customer or CustomerFactory(owner=person)
    return DealFactory(owner=person, customer=customer, outcome="won", stage="follow_up", signed_on=on,
                       contract_number=f"BS-{next(numbers):05d}", quantity_tonnes=tonnes,
                       price_per_tonne=D(amount) / tonnes, currency="CNY", rate_to_base=D(1), amount_base=D(amount),
                       **fields)


def target(person, amount, *, quarter=1):
    team_target = TeamTargetFactory(team=person.team, year=2026, quarter=quarter, sales_amount=amount)
    return RepTargetFactory(team_target=team_target, rep=person, sales_amount=amount)


def statement_of(person, plan) -> Statement:
    return Statement.objects.get(person=person, plan=plan)


def lines(person, plan, kind=None) -> list[StatementLine]:
    found = statement_of(person, plan).lines.all()
    return list(found.filter(kind=kind) if kind else found)


def approve(statement: Statement) -> None:
    Statement.objects.filter(pk=statement.pk).update(status=Statement.Status.APPROVED)


def test_a_quarter_of_sales_earns_band_by_band_in_signing_order(cast):
    # WORKED_EXAMPLES §7: a 10,000,000 target; 13,000,000 signed in four contracts earns 100,000.
    plan = make_plan(cast)
    target(cast.rep, D(10_000_000))
    sign(cast.rep, 4_000_000, JAN)
    straddling = sign(cast.rep, 3_000_000, FEB, tonnes=D(30_000))
    sign(cast.rep, 5_000_000, datetime.date(2026, 1, 20))
    sign(cast.rep, 1_000_000, MAR)
    sign(cast.rep, 9_000_000, MAY)  # the next quarter
    lost = sign(cast.rep, 2_000_000, MAR)
    lost.outcome = "lost"
    lost.save()
    assert statements_compute(plan) == 5  # both reps, the account manager and both managers
    contracts = lines(cast.rep, plan, Kind.CONTRACT)
    assert [line.earned for line in contracts] == [D(0), D("40000.00"), D("40000.00"), D("20000.00")]
    line = contracts[2]
    assert (line.deal, line.contract_number, line.tonnes, line.amount) == (
        straddling, straddling.contract_number, D(30_000), D(3_000_000))
    assert line.bands == [
        {"from": "50", "to": "100", "amount": "1000000.00", "tonnes": "10000.00", "multiplier": "1.000",
         "earned": "10000.00"},
        {"from": "100", "to": "120", "amount": "2000000.00", "tonnes": "20000.00", "multiplier": "1.500",
         "earned": "30000.00"}]
    assert line.multiplier == D("1.333")
    statement = statement_of(cast.rep, plan)
    assert statement.total == D("100000.00") == sum(line.earned for line in contracts)
    assert (statement.credited_amount, statement.target_amount, statement.attainment) == (
        D(13_000_000), D(10_000_000), D("1.3"))
    assert statement.status == Statement.Status.DRAFT
    assert statement_of(cast.account_manager, plan).total == 0


def test_a_per_tonne_rate_for_a_commodity(cast):
    coal = CommodityFactory()
    plan = make_plan(cast, percent_of_amount=D(0))
    PlanRate.objects.create(plan=plan, commodity=coal, per_tonne=D("1.5"))
    sign(cast.rep, 1_000_000, JAN, tonnes=D(12_000), commodity=coal)
    statements_compute(plan)
    [line] = lines(cast.rep, plan, Kind.CONTRACT)
    assert (line.per_tonne, line.earned) == (D("1.5"), D("18000.00"))  # no target: x1.0


def test_a_rerun_updates_the_draft_in_place_and_never_an_approved_statement(cast):
    plan = make_plan(cast)
    deal = sign(cast.rep, 1_000_000, JAN)
    statements_compute(plan)
    first = statement_of(cast.rep, plan)
    before = list(first.lines.values("kind", "deal", "amount", "earned", "bands"))
    statements_compute(plan)
    assert Statement.objects.filter(plan=plan).count() == 5
    assert statement_of(cast.rep, plan).pk == first.pk
    assert list(first.lines.values("kind", "deal", "amount", "earned", "bands")) == before
    # A second contract shows on the next run of a draft...
    sign(cast.rep, 500_000, FEB)
    statements_compute(plan)
    assert statement_of(cast.rep, plan).total == D("15000.00")
    # ...but an approved statement is a fact.
    approve(first)
    deal.amount_base = D(2_000_000)
    deal.save()
    assert statements_compute(plan) == 4
    assert statement_of(cast.rep, plan).total == D("15000.00")
    assert len(lines(cast.rep, plan)) == 2


def test_a_submitted_statement_is_left_as_it_is(cast):
    plan = make_plan(cast)
    statements_compute(plan)
    Statement.objects.filter(person=cast.rep).update(status=Statement.Status.SUBMITTED)
    sign(cast.rep, 1_000_000, JAN)
    statements_compute(plan)
    assert statement_of(cast.rep, plan).total == 0


def test_a_split_credits_seventy_thirty(cast):
    plan = make_plan(cast)
    sign(cast.rep, 1_000_000, JAN, co_seller=cast.account_manager, co_seller_share=D(30))
    statements_compute(plan)
    [rep_line] = lines(cast.rep, plan, Kind.CONTRACT)
    [am_line] = lines(cast.account_manager, plan, Kind.CONTRACT)
    assert (rep_line.share, rep_line.amount, rep_line.earned) == (D(70), D(700_000), D("7000.00"))
    assert (am_line.share, am_line.amount, am_line.earned) == (D(30), D(300_000), D("3000.00"))


def previous_and_next(cast, deal_amount=1_000_000, **deal_fields):
    """A contract earned 10,000 on Q1's approved statement; Q2's plan exists."""
    q1, q2 = make_plan(cast), make_plan(cast, quarter=2)
    deal = sign(cast.rep, deal_amount, JAN, **deal_fields)
    statements_compute(q1)
    approve(statement_of(cast.rep, q1))
    return q1, q2, deal


def test_a_contract_cancelled_after_approval_is_clawed_back_once_in_the_next_statement(cast):
    q1, q2, deal = previous_and_next(cast)
    approved = list(statement_of(cast.rep, q1).lines.values_list("kind", "earned"))
    deal.outcome = "lost"
    deal.save()
    statements_compute(q2)
    statements_compute(q2)  # a rerun of the draft does not add a second one
    [clawback] = lines(cast.rep, q2, Kind.CLAWBACK)
    assert (clawback.deal, clawback.reason, clawback.earned, clawback.recovers) == (
        deal, Reason.LOST, D("-10000.00"), statement_of(cast.rep, q1))
    assert statement_of(cast.rep, q2).total == D("-10000.00")
    # The approved statement is unchanged, and the next quarter recovers nothing more.
    assert list(statement_of(cast.rep, q1).lines.values_list("kind", "earned")) == approved
    assert statement_of(cast.rep, q1).total == D("10000.00")
    approve(statement_of(cast.rep, q2))
    q3 = make_plan(cast, quarter=3)
    statements_compute(q3)
    assert lines(cast.rep, q3, Kind.CLAWBACK) == []


def test_a_contract_amended_down_claws_back_the_difference(cast):
    q1, q2, deal = previous_and_next(cast)
    deal.amount_base = D(800_000)
    deal.save()
    statements_compute(q2)
    [clawback] = lines(cast.rep, q2, Kind.CLAWBACK)
    assert (clawback.reason, clawback.amount, clawback.earned) == (Reason.AMENDED_DOWN, D(-200_000), D("-2000.00"))
    # Cancelled later still: only what was not recovered yet comes back.
    approve(statement_of(cast.rep, q2))
    deal.outcome = "lost"
    deal.save()
    q3 = make_plan(cast, quarter=3)
    statements_compute(q3)
    [clawback] = lines(cast.rep, q3, Kind.CLAWBACK)
    assert (clawback.reason, clawback.earned) == (Reason.LOST, D("-8000.00"))


def test_credit_moved_to_a_second_seller_is_clawed_back(cast):
    q1, q2, deal = previous_and_next(cast)
    deal.co_seller, deal.co_seller_share = cast.account_manager, D(30)
    deal.save()
    statements_compute(q2)
    [clawback] = lines(cast.rep, q2, Kind.CLAWBACK)
    assert (clawback.reason, clawback.earned, clawback.share) == (Reason.CREDIT_MOVED, D("-3000.00"), D(70))


def test_the_satisfaction_gate_reduces_the_variable_part(cast):
    plan = make_plan(cast, satisfaction_floor=D("3.5"), gate_reduction_percent=D(20))
    sign(cast.rep, 1_000_000, JAN)
    sign(cast.account_manager, 1_000_000, JAN)
    for person, mark in ((cast.rep, D("3.20")), (cast.account_manager, D("3.80"))):
        Scorecard.objects.create(subject=Scorecard.Subject.REP, subject_id=person.pk, period=Scorecard.Period.QUARTER,
                                 period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 3, 31),
                                 satisfaction=mark)
    statements_compute(plan)
    [gate] = lines(cast.rep, plan, Kind.GATE)
    assert (gate.amount, gate.percent, gate.earned) == (D(10_000), D(20), D("-2000.00"))
    assert statement_of(cast.rep, plan).total == D("8000.00")
    assert statement_of(cast.rep, plan).satisfaction == D("3.20")
    assert lines(cast.account_manager, plan, Kind.GATE) == []


def test_the_cap_limits_the_quarter_but_not_a_clawback(cast):
    q1, q2, deal = previous_and_next(cast)
    q2.cap = D(5_000)
    q2.save()
    sign(cast.rep, 2_000_000, MAY)
    deal.outcome = "lost"
    deal.save()
    statements_compute(q2)
    kinds = [(line.kind, line.earned) for line in lines(cast.rep, q2)]
    assert kinds == [(Kind.CONTRACT, D("20000.00")), (Kind.CAP, D("-15000.00")), (Kind.CLAWBACK, D("-10000.00"))]
    assert statement_of(cast.rep, q2).total == D("-5000.00")


def test_a_managers_override_on_the_teams_sales_by_the_teams_attainment(cast):
    plan = make_plan(cast, override_percent=D("0.5"))
    TeamTargetFactory(team=cast.rep.team, year=2026, quarter=1, sales_amount=D(20_000_000))
    sign(cast.rep, 12_000_000, JAN)
    sign(cast.account_manager, 3_000_000, FEB)
    sign(cast.other_rep, 7_000_000, FEB)  # another team's
    statements_compute(plan)
    # 15,000,000 of 20,000,000: 10,000,000 below 50 % earns nothing, 5,000,000 x1.0 at 0.5 % = 25,000.
    [override] = lines(cast.manager, plan, Kind.OVERRIDE)
    assert (override.team, override.amount, override.earned) == (cast.rep.team, D(15_000_000), D("25000.00"))
    assert lines(cast.rep, plan, Kind.OVERRIDE) == []
    [other] = lines(cast.other_manager, plan, Kind.OVERRIDE)
    assert other.earned == D("35000.00")  # no team target: x1.0


def test_a_bonus_per_new_customer(cast):
    plan = make_plan(cast, new_customer_bonus=D(5_000))
    known = CustomerFactory(owner=cast.rep)
    sign(cast.rep, 1_000, datetime.date(2025, 11, 3), customer=known)
    sign(cast.rep, 1_000, JAN, customer=known)
    new = CustomerFactory(owner=cast.rep)
    sign(cast.rep, 1_000, JAN, customer=new)
    sign(cast.rep, 1_000, FEB, customer=new)  # its second contract
    statements_compute(plan)
    [bonus] = lines(cast.rep, plan, Kind.NEW_CUSTOMER)
    assert (bonus.customer, bonus.earned) == (new, D(5_000))


def test_the_shipped_basis_counts_the_bl_tonnes_of_the_quarter(cast):
    plan = make_plan(cast, basis=Basis.SHIPPED)
    deal = sign(cast.rep, 1_000_000, datetime.date(2025, 12, 1), tonnes=D(10_000))
    ShipmentFactory(deal=deal, bl_date=FEB, bl_tonnes=D(4_000))
    statements_compute(plan)
    [line] = lines(cast.rep, plan, Kind.CONTRACT)
    assert (line.tonnes, line.amount, line.earned) == (D(4_000), D(400_000), D("4000.00"))


def test_the_paid_basis_counts_the_cash_collected_in_the_quarter(cast):
    plan = make_plan(cast, basis=Basis.PAID)
    deal = sign(cast.rep, 1_000_000, datetime.date(2025, 12, 1), tonnes=D(10_000))
    invoice = InvoiceFactory(deal=deal, currency="CNY", amount=D(1_000_000), rate_to_base=D(1))
    for received_on, amount in ((FEB, D(250_000)), (MAR, D(350_000)), (MAY, D(400_000))):
        payment = PaymentFactory(customer=deal.customer, received_on=received_on, amount=amount, currency="CNY",
                                 rate_to_base=D(1))
        PaymentAllocation.objects.create(payment=payment, invoice=invoice, amount=amount)
    statements_compute(plan)
    [line] = lines(cast.rep, plan, Kind.CONTRACT)
    assert (line.tonnes, line.amount, line.earned) == (D(6_000), D(600_000), D("6000.00"))


def test_the_queries_do_not_grow_with_the_people(cast, django_assert_max_num_queries):
    plan = make_plan(cast, override_percent=D(1), new_customer_bonus=D(100), satisfaction_floor=D(3),
                     gate_reduction_percent=D(10))
    team = cast.rep.team
    TeamTargetFactory(team=team, year=2026, quarter=1, sales_amount=D(20_000_000))

    def reads() -> int:
        with CaptureQueriesContext(connection) as queries:
            plan_facts(plan)
        return len(queries)

    sign(cast.rep, 1_000_000, JAN)
    few = reads()
    for _index in range(10):
        rep = UserFactory(team=team, position=Position.REP)
        sign(rep, 1_000_000, JAN)
    assert reads() == few
    # Then each statement is one transaction of a constant few writes.
    with django_assert_max_num_queries(few + 15 * 7):
        assert statements_compute(plan) == 15

