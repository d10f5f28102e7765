"""The director's quality specifications (质量指标): a grade, its parameters and its price rules,
checked as a whole and saved in one transaction."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from accounts.services import RuleError

from .models import Deal, Outcome, PriceRule, Specification, SpecParameter


@dataclass(frozen=True)
class ParameterRow:
    """One parameter as the director entered it; `pk` is None for a new one."""

    code: str
    name: str
    name_zh: str = ""
    unit: str = ""
    typical: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    position: int = 0
    pk: int | None = None


@dataclass(frozen=True)
class RuleRow:
    """One price rule, naming its parameter by code so that a rule can come with a new parameter."""

    parameter: str
    kind: str
    basis: Decimal
    side: str = PriceRule.Side.BELOW
    step: Decimal = Decimal(1)
    amount: Decimal = Decimal(0)
    whole_steps: bool = False
    pk: int | None = None


@dataclass(frozen=True)
class Problem:
    """What is wrong with one row (`rows` "parameters" or "rules", `index` in the list), or the whole."""

    message: str
    rows: str = ""
    index: int = -1
    field: str | None = None


class SpecificationInvalid(RuleError):
    """The grade was refused; each problem names the row and field it is about, for the form."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(" ".join(problem.message for problem in problems))


# --- Reads ---------------------------------------------------------------------------------------


def _count(records: QuerySet) -> Coalesce:
    """How many of `records` point to the outer grade, as a subquery (two joins would multiply rows)."""
    counted = records.filter(specification=OuterRef("pk")).order_by().values("specification").annotate(n=Count("pk"))
    return Coalesce(Subquery(counted.values("n"), output_field=IntegerField()), 0)


def specifications_listed() -> list[Specification]:
    """Every grade with its commodity, number of parameters and of signed contracts: two queries. The signed
    contracts are counted in one grouped read (a count per grade, over the 100,000 signed of each, took 170 ms)."""
    signed = dict(Deal.objects.filter(outcome=Outcome.WON).exclude(specification=None).order_by()
                  .values("specification").annotate(n=Count("pk")).values_list("specification", "n"))
    listed: list[Specification] = list(Specification.objects.select_related("commodity")
                  .annotate(parameter_count=_count(SpecParameter.objects.all())).order_by("commodity__name", "name"))
    for specification in listed:
        specification.signed_count = signed.get(specification.pk, 0)
    return listed


def is_under_contract(specification: Specification) -> bool:
    """A signed contract sells this grade: its assays are recorded against the parameters' codes."""
    return bool(specification.pk) and Deal.objects.filter(specification=specification,
                                                          outcome=Outcome.WON).exists()


# --- The rules -----------------------------------------------------------------------------------


def parameter_problems(parameters: list[ParameterRow]) -> list[Problem]:
    problems = []
    seen: set[str] = set()
    for index, row in enumerate(parameters):
        if row.code in seen:
            problems.append(Problem(_("Another parameter of this grade has the code %(code)s.") % {"code": row.code},
                                    "parameters", index, "code"))
        seen.add(row.code)
        if row.minimum is not None and row.maximum is not None and row.minimum > row.maximum:
            problems.append(Problem(_("The lower rejection limit cannot be above the upper one."),
                                    "parameters", index, "maximum"))
        if row.typical is not None and (row.minimum is not None and row.typical < row.minimum
                                        or row.maximum is not None and row.typical > row.maximum):
            problems.append(Problem(_("The typical value lies outside the rejection limits."),
                                    "parameters", index, "typical"))
    return problems


def rule_problems(rules: list[RuleRow], codes: set[str]) -> list[Problem]:
    problems = []
    for index, rule in enumerate(rules):
        if rule.parameter not in codes:
            problems.append(Problem(_("%(code)s is not a parameter of this grade.") % {"code": rule.parameter},
                                    "rules", index, "parameter"))
        if rule.kind == PriceRule.Kind.PRO_RATA and not rule.basis:
            problems.append(Problem(_("A pro-rata rule divides by its basis: give the typical value, not zero."),
                                    "rules", index, "basis"))
        if rule.kind == PriceRule.Kind.PER_STEP and not rule.amount:
            problems.append(Problem(_("A rule per step needs the price change per step (negative for a penalty)."),
                                    "rules", index, "amount"))
        if rule.step <= 0:
            problems.append(Problem(_("The step must be above zero."), "rules", index, "step"))
    return problems


def _terms(rule: RuleRow | PriceRule, code: str) -> tuple:
    """A rule as the terms it sets, values compared as numbers (1.5 and 1.5000 are the same)."""
    return (code, rule.kind, Decimal(rule.basis).normalize(), rule.side, Decimal(rule.step).normalize(),
            Decimal(rule.amount).normalize(), rule.whole_steps)


def _limits(row: ParameterRow | SpecParameter) -> tuple:
    return tuple(None if value is None else Decimal(value).normalize()
                 for value in (row.typical, row.minimum, row.maximum))


def contract_problems(specification: Specification, parameters: list[ParameterRow],
                      rules: list[RuleRow]) -> list[Problem]:
    """A grade sold under a signed contract is part of its terms: its commodity, price basis, every
    parameter code its assays use, the limits and the price rules stay as they are (the contracts are
    valued on them). Names, order and whether it is still offered may change."""
    if not is_under_contract(specification):
        return []
    problems = []
    stored = Specification.objects.get(pk=specification.pk)
    if stored.commodity_id != specification.commodity_id:
        problems.append(Problem(_("Signed contracts sell this grade: its commodity cannot change."), field="commodity"))
    if stored.price_basis != specification.price_basis:
        problems.append(Problem(_("Signed contracts sell this grade: its price basis cannot change."),
                                field="price_basis"))
    existing = {parameter.code: parameter for parameter in specification.parameters.all()}
    for index, row in enumerate(parameters):
        if row.code in existing and _limits(row) != _limits(existing[row.code]):
            problems.append(Problem(_("Signed contracts are valued on this limit: it cannot change. Add a new grade "
                                      "with the new limits instead."), "parameters", index, "typical"))
    stored_rules = {_terms(rule, rule.parameter.code) for rule in specification.price_rules.select_related("parameter")}
    if {_terms(rule, rule.parameter) for rule in rules} != stored_rules:
        problems.append(Problem(_("Signed contracts are valued on these price rules: they cannot change. Add a new "
                                  "grade with the new rules instead.")))
    kept = {row.code for row in parameters}
    for code in (specification.parameters.exclude(code__in=kept).order_by("position")
                 .values_list("code", flat=True)):
        problems.append(Problem(
            _("Signed contracts sell this grade and their assays refer to the parameter %(code)s: it cannot be "
              "removed or renamed. Mark the grade not offered any more and add a new one instead.") % {"code": code}))
    return problems


# --- The write -----------------------------------------------------------------------------------


def specification_save(*, specification: Specification, parameters: list[ParameterRow],
                       rules: list[RuleRow]) -> Specification:
    """Save the grade with exactly these parameters and rules (rows left out are deleted), or nothing."""
    with transaction.atomic():
        if specification.pk:
            Specification.objects.select_for_update().filter(pk=specification.pk).first()
        problems = (parameter_problems(parameters) + rule_problems(rules, {row.code for row in parameters})
                    + contract_problems(specification, parameters, rules))
        if problems:
            raise SpecificationInvalid(problems)
        duplicate = (Specification.objects.filter(commodity_id=specification.commodity_id,
                                                  name__iexact=specification.name.strip())
                     .exclude(pk=specification.pk))
        if duplicate.exists():
            raise SpecificationInvalid([Problem(_("This commodity already has this grade."), field="name")])
        try:
            specification.save()
            saved = _save_parameters(specification, parameters)
            _save_rules(specification, rules, saved)
        except IntegrityError:  # another director saved the same grade a moment ago
            raise SpecificationInvalid([Problem(_("Someone else changed this grade at the same time. "
                                                  "Open it again and redo your changes."))]) from None
    return specification


def _own(records: QuerySet, specification: Specification, pk: int | None):
    """The row's record, only if it belongs to this grade (a pk from the form is not trusted)."""
    if pk is None:
        return None
    found = records.filter(specification=specification, pk=pk).first()
    if found is None:
        raise SpecificationInvalid([Problem(_("A row of the form does not belong to this grade. "
                                              "Open the grade again and redo your changes."))])
    return found


def _save_parameters(specification: Specification, rows: list[ParameterRow]) -> dict[str, SpecParameter]:
    kept_pks = [row.pk for row in rows if row.pk]
    # Rules of a removed parameter go with it (cascade); deletions first, so that a freed code can be reused.
    specification.parameters.exclude(pk__in=kept_pks).delete()
    saved = {}
    for row in rows:
        parameter = (_own(SpecParameter.objects.all(), specification, row.pk)
                     or SpecParameter(specification=specification))
        for name in ("code", "name", "name_zh", "unit", "typical", "minimum", "maximum", "position"):
            setattr(parameter, name, getattr(row, name))
        parameter.save()
        saved[parameter.code] = parameter
    return saved


def _save_rules(specification: Specification, rows: list[RuleRow], parameters: dict[str, SpecParameter]) -> None:
    specification.price_rules.exclude(pk__in=[row.pk for row in rows if row.pk]).delete()
    for row in rows:
        rule = _own(PriceRule.objects.all(), specification, row.pk) or PriceRule(specification=specification)
        rule.parameter = parameters[row.parameter]
        for name in ("kind", "basis", "side", "step", "amount", "whole_steps"):
            setattr(rule, name, getattr(row, name))
        rule.save()
