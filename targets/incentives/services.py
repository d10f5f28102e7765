"""Writes of the incentive plans and of the commission statements' workflow: each checks its rule, saves
atomically over the version the user read (optimistic locking) and records what it did."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from accounts import access
from accounts.choices import display
from accounts.models import Team, User
from accounts.services import RuleError
from customers.models import Commodity

from ..periods import next_quarter, quarter_label
from .models import IncentivePlan, PlanBand, PlanRate, Statement, StatementStep
from .selectors import plan_is_locked

Status = Statement.Status


class StaleRecord(RuleError):
    """Someone else saved the plan or moved the statement since this user opened it."""


# --- Plans -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BandRow:
    from_percent: Decimal
    multiplier: Decimal


@dataclass(frozen=True)
class RateRow:
    commodity: Commodity
    per_tonne: Decimal


@dataclass(frozen=True)
class PlanProblem:
    """A mistake in a plan: on a field of the plan (`rows` empty), or on row `index` of "bands" or "rates"."""

    message: str
    rows: str = ""
    index: int = 0
    field: str | None = None


class PlanInvalid(RuleError):
    def __init__(self, problems: list[PlanProblem]) -> None:
        super().__init__("; ".join(problem.message for problem in problems))
        self.problems = problems


def plan_problems(bands: list[BandRow], rates: list[RateRow]) -> list[PlanProblem]:
    """The bands start at a threshold and rise; multipliers and rates are not negative; a commodity has
    one rate."""
    problems = []
    if not bands:
        problems.append(PlanProblem(_("Give at least one band: below the lowest band's threshold nothing is "
                                      "earned."), rows="bands"))
    for index, band in enumerate(bands):
        if band.from_percent < 0:
            problems.append(PlanProblem(_("A band's threshold is 0 or more."), "bands", index,
                                        "from_percent"))
        if band.multiplier < 0:
            problems.append(PlanProblem(_("A multiplier is 0 or more."), "bands", index, "multiplier"))
        if index and band.from_percent <= bands[index - 1].from_percent:
            problems.append(PlanProblem(
                _("Each band starts above the one before it (%(before)s %%).")
                % {"before": f"{bands[index - 1].from_percent.normalize():f}"}, "bands", index, "from_percent"))
    seen: set[int] = set()
    for index, rate in enumerate(rates):
        if rate.per_tonne < 0:
            problems.append(PlanProblem(_("A rate per tonne is 0 or more."), "rates", index, "per_tonne"))
        if rate.commodity.pk in seen:
            problems.append(PlanProblem(_("%(commodity)s has a rate already.") % {"commodity": rate.commodity},
                                        "rates", index, "commodity"))
        seen.add(rate.commodity.pk)
    return problems


def _plan_claim(plan: IncentivePlan, expected_version: int) -> IncentivePlan:
    current = IncentivePlan.objects.select_for_update().get(pk=plan.pk)
    if current.version != expected_version:
        raise StaleRecord(_("Someone else changed this plan while you were editing it. Your input is below; "
                            "check the plan's current terms and save again."))
    return current


@transaction.atomic
def plan_save(*, plan: IncentivePlan, bands: list[BandRow], rates: list[RateRow], teams: Iterable[Team], by: User,
              expected_version: int | None = None) -> IncentivePlan:
    """Create a plan, or save new terms over the version the director read, with its bands and rates as a
    whole. A plan with a statement past draft is not changed (its figures are facts)."""
    if not access.can_decide_commission(by):
        raise RuleError(_("Only a director sets incentive plans."))
    if plan.pk is not None:
        current = _plan_claim(plan, expected_version if expected_version is not None else plan.version)
        if plan_is_locked(current):
            raise RuleError(_("Statements of this plan have been submitted or approved: its terms are the ground "
                              "of their figures and stay as they are. Copy it to the next quarter to change them."))
        plan.version = current.version + 1
        plan.created_by_id = current.created_by_id
    else:
        plan.created_by = by
    if problems := plan_problems(bands, rates):
        raise PlanInvalid(problems)
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        raise PlanInvalid([PlanProblem(_("A plan of this name exists for %(quarter)s already.")
                                       % {"quarter": quarter_label(plan.year, plan.quarter)}, field="name")]) from None
    plan.teams.set(list(teams))
    # The rows are few: replaced as a whole, which keeps the thresholds' uniqueness simple.
    plan.bands.all().delete()
    PlanBand.objects.bulk_create(PlanBand(plan=plan, from_percent=band.from_percent, multiplier=band.multiplier)
                                 for band in bands)
    plan.rates.all().delete()
    PlanRate.objects.bulk_create(PlanRate(plan=plan, commodity=rate.commodity, per_tonne=rate.per_tonne)
                                 for rate in rates)
    return plan


@transaction.atomic
def plan_copy_to_next_quarter(*, plan: IncentivePlan, by: User) -> IncentivePlan:
    """The plan's terms, bands, rates and teams as a new plan of the same name for the next quarter: how a
    locked plan's terms are carried forward and changed."""
    if not access.can_decide_commission(by):
        raise RuleError(_("Only a director sets incentive plans."))
    year, quarter = next_quarter(plan.year, plan.quarter)
    if IncentivePlan.objects.filter(name=plan.name, year=year, quarter=quarter).exists():
        raise RuleError(_("A plan of this name exists for %(quarter)s already.")
                        % {"quarter": quarter_label(year, quarter)})
    teams = list(plan.teams.all())
    bands = list(plan.bands.all())
    rates = list(plan.rates.all())
    copy = IncentivePlan.objects.create(
        name=plan.name, year=year, quarter=quarter, positions=list(plan.positions), basis=plan.basis,
        percent_of_amount=plan.percent_of_amount, new_customer_bonus=plan.new_customer_bonus,
        satisfaction_floor=plan.satisfaction_floor, gate_reduction_percent=plan.gate_reduction_percent,
        cap=plan.cap, override_percent=plan.override_percent, created_by=by)
    copy.teams.set(teams)
    PlanBand.objects.bulk_create(PlanBand(plan=copy, from_percent=band.from_percent, multiplier=band.multiplier)
                                 for band in bands)
    PlanRate.objects.bulk_create(PlanRate(plan=copy, commodity_id=rate.commodity_id, per_tonne=rate.per_tonne)
                                 for rate in rates)
    return copy


# --- The statement's workflow: draft → submitted → approved (locked) → paid ----------------------------


def _move(statement: Statement, *, by: User, expected_version: int, from_status: str, to_status: str,
          note: str = "") -> Statement:
    """Move the statement from `from_status` to `to_status` if nobody moved it since `expected_version`,
    and record the step."""
    current = Statement.objects.select_for_update().get(pk=statement.pk)
    if current.version != expected_version:
        raise StaleRecord(_("Someone else changed this statement since you opened it: check it and try again."))
    if current.status != from_status:
        raise RuleError(_("This statement is %(status)s: it cannot move to %(to)s from there.")
                        % {"status": display(current, "status").lower(),
                           "to": Status(to_status).label.lower()})
    # A conditional update: a second request that passed the checks above in between changes nothing.
    moved = Statement.objects.filter(pk=current.pk, version=expected_version, status=from_status).update(
        status=to_status, version=F("version") + 1)
    if not moved:
        raise StaleRecord(_("Someone else changed this statement since you opened it: check it and try again."))
    StatementStep.objects.create(statement=current, from_status=from_status, to_status=to_status, by=by, note=note)
    current.refresh_from_db()
    return current


@transaction.atomic
def statement_submit(*, statement: Statement, by: User, expected_version: int, note: str = "") -> Statement:
    """The person's manager, or a director, puts the draft forward for approval."""
    if not access.can_submit_commission(by, statement.person):
        raise RuleError(_("A statement is submitted by the person's manager or a director, not by the person."))
    return _move(statement, by=by, expected_version=expected_version, from_status=Status.DRAFT,
                 to_status=Status.SUBMITTED, note=note)


@transaction.atomic
def statement_return(*, statement: Statement, by: User, expected_version: int, note: str) -> Statement:
    """A director sends a submitted statement back to draft, saying why."""
    if not access.can_decide_commission(by):
        raise RuleError(_("Only a director returns a submitted statement."))
    if not note.strip():
        raise RuleError(_("Say why the statement goes back, so that the manager knows what to check."))
    return _move(statement, by=by, expected_version=expected_version, from_status=Status.SUBMITTED,
                 to_status=Status.DRAFT, note=note.strip())


@transaction.atomic
def statement_approve(*, statement: Statement, by: User, expected_version: int, note: str = "") -> Statement:
    """A director approves a submitted statement: from then on it is a fact, never recomputed."""
    if not access.can_decide_commission(by):
        raise RuleError(_("Only a director approves a statement."))
    return _move(statement, by=by, expected_version=expected_version, from_status=Status.SUBMITTED,
                 to_status=Status.APPROVED, note=note)


@transaction.atomic
def statement_mark_paid(*, statement: Statement, by: User, expected_version: int, note: str = "") -> Statement:
    """A director records that payroll paid an approved statement."""
    if not access.can_decide_commission(by):
        raise RuleError(_("Only a director marks a statement paid."))
    return _move(statement, by=by, expected_version=expected_version, from_status=Status.APPROVED,
                 to_status=Status.PAID, note=note)

