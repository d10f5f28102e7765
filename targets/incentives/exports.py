"""The statements' exports for payroll, as rows under their headers for accounts.exports (the safe export
helper): one row per line, or one per statement with its totals, over statements the caller has scoped."""

from collections.abc import Sequence
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.choices import display

from ..periods import quarter_label
from .models import Statement, StatementLine

CENT = Decimal("0.01")
# Cells as the model holds them (None for empty): the export helper makes each safe.
Table = tuple[list[str], list[Sequence[object]]]


def _person(statement: Statement) -> str:
    return str(statement.person)


def line_table(statements: QuerySet[Statement]) -> Table:
    """One row per line of the statements, in each statement's order: what payroll checks and pays."""
    headers = [_("Person"), _("Incentive plan"), _("Period"), _("Status"), _("Kind"), _("Contract number"),
               _("Customer"), _("Tonnes"), _("Amount"), _("Share (%)"), _("Commission (%)"), _("Per tonne"),
               _("Multiplier"), _("Earned"), _("Currency"), _("Reason")]
    lines = (StatementLine.objects.filter(statement__in=statements.values("pk"))
             .select_related("statement__person", "statement__plan")
             .order_by("statement__plan__year", "statement__plan__quarter", "statement__person__full_name",
                       "statement", "position", "pk"))
    rows: list[Sequence[object]] = []
    for line in lines.iterator(chunk_size=2000):
        statement = line.statement
        period = quarter_label(statement.plan.year, statement.plan.quarter)
        rows.append([_person(statement), statement.plan.name, period,
                     display(statement, "status"), display(line, "kind"), line.contract_number,
                     line.customer_name, line.tonnes, line.amount, line.share, line.percent, line.per_tonne,
                     line.multiplier, line.earned, statement.currency, display(line, "reason")])
    return headers, rows


def total_table(statements: QuerySet[Statement]) -> Table:
    """One row per statement: whose, which plan and quarter, the figures it was computed from and the total."""
    headers = [_("Person"), _("Team"), _("Incentive plan"), _("Period"), _("Status"), _("Amount target"),
               _("Credited sales"), _("Credited tonnes"), _("Attainment (%)"), _("Average satisfaction"),
               _("Total"), _("Currency")]
    rows: list[Sequence[object]] = [
        [_person(statement), statement.person.team and str(statement.person.team), statement.plan.name,
         quarter_label(statement.plan.year, statement.plan.quarter), display(statement, "status"),
         statement.target_amount, statement.credited_amount, statement.credited_tonnes,
         None if statement.attainment is None else (statement.attainment * 100).quantize(CENT),
         statement.satisfaction, statement.total, statement.currency]
        for statement in statements.select_related("person__team", "plan")
        .order_by("plan__year", "plan__quarter", "person__full_name", "pk").iterator(chunk_size=2000)
    ]
    return headers, rows
