"""Reads of receivables: which invoices and payments a user sees, what is open on each invoice, and the
figures of a contract and a customer (invoiced, received, outstanding, overdue, DSO), by aggregates in
the database.

For the pages built on these (reminders, scorecards, dashboards, the customer list, exports):
- `invoices_visible_to(user)`: the invoices of the contracts the user sees (customer service: none).
- `payments_visible_to(user)`: the payments of the customers whose deals the user sees.
- An invoice's `allocated`, `credited` and `open_amount` (amount less the payments allocated, plus the credit
  notes against it) are stored columns kept by the services; `computed_balances()` is how they are computed
  from the rows, and `balance_drift(invoices)` the invoices where the two differ.
- `overdue_q(today)`: the invoices open and past their due date.
- `ageing_q(bucket, today)`: those of one ageing bucket of money.Bucket (current: not yet due).
- `deal_figures(deal, today)` and `customer_figures(user, customer, today)`: the figures of a contract
  (its currency) and of a customer (one row per currency, and the base-currency total).
- `with_overdue_balance(customers, today)`: customers with `overdue_base`, their overdue balance in the
  base currency at each invoice's rate, as a subquery (the customer list's column).
- `can_invoice(user, deal)` and `can_record_payment(user, customer)`: who writes.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from django.db.models import (
    Case,
    DecimalField,
    Expression,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Round
from django.utils import timezone

from accounts import access
from accounts.access import RecordKind
from accounts.models import User
from accounts.sql import InFirstRead
from customers import selectors as customer_selectors
from customers.models import Customer
from pipeline import selectors as pipeline_selectors
from pipeline.execution.selectors import can_record_execution
from pipeline.models import Deal

from . import money
from .models import Invoice, Payment, PaymentAllocation

AMOUNT = DecimalField(max_digits=16, decimal_places=2)
ZERO = Value(Decimal(0), output_field=AMOUNT)
# Days sales outstanding is counted over the last 90 days (a quarter): see dso_of.
DSO_DAYS = 90


def invoices_visible_to(user: User, customer: Customer | None = None) -> QuerySet[Invoice]:
    """An invoice is seen by whoever sees its contract (with `customer`: of that customer's contracts)."""
    return pipeline_selectors.of_visible_deals(user, Invoice.objects.all(), customer)


def payments_visible_to(user: User) -> QuerySet[Payment]:
    """A payment is the customer's: seen by whoever sees the customer's deals (its owner, their manager,
    the director; customer service sees no money of the contracts). A seller's own customers, a hundred or so, are
    read first (see InFirstRead): through the join to each payment's customer, PostgreSQL walked everyone's
    payments newest first for a page of theirs (the API's first page as a rep: 8,515 payments read, 8 ms)."""
    if user.is_authenticated and not user.is_manager and not access.sees_everyone(user):
        customers = access.owned_by_visible(user, Customer.objects.all(), RecordKind.DEAL)
        return Payment.objects.filter(InFirstRead("customer_id", customers.order_by().values("pk")))
    return access.owned_by_visible(user, Payment.objects.all(), RecordKind.DEAL, owner_field="customer__owner")


def can_invoice(user: User, deal: Deal) -> bool:
    """Who issues a contract's invoices and notes: those who record its execution (who may change it)."""
    return can_record_execution(user, deal)


def can_record_payment(user: User, customer: Customer) -> bool:
    """Who records a customer's payments: a seller who may change the customer (its owner, their manager,
    the director), the same people who change its deals."""
    return access.can_sell(user) and customer_selectors.can_change_customer(user, customer)


def allocated_sql() -> Coalesce:
    """The payments allocated to the invoice of the outer query."""
    per_invoice = (PaymentAllocation.objects.filter(invoice=OuterRef("pk")).order_by().values("invoice")
                   .annotate(total=Sum("amount")).values("total"))
    return Coalesce(Subquery(per_invoice, output_field=AMOUNT), ZERO)


def credited_sql() -> Coalesce:
    """The credit notes (negative amounts, the final invoice's credit balance too) against the invoice."""
    per_invoice = (Invoice.objects.filter(against=OuterRef("pk"), amount__lt=0).order_by().values("against")
                   .annotate(total=Sum("amount")).values("total"))
    return Coalesce(Subquery(per_invoice, output_field=AMOUNT), ZERO)


def computed_balances() -> dict[str, Expression]:
    """An invoice's `allocated`, `credited` and `open_amount` computed from its payments and credit notes, as
    the stored columns hold them (services.invoice_balances_refresh writes these; the drift check compares).
    A credit note against an invoice counts in that invoice's open amount, not its own (0); one against none
    is a credit (negative) of its own. A correlated lookup per invoice: for a few invoices, not a list."""
    # Rounded to the cent in SQL: SQLite sums decimals as floats, and 5,748,000.00 - 5,000,000.00 - 748,000.00
    # must be nothing open, not 4e-10.
    return {"allocated": Round(allocated_sql(), 2, output_field=AMOUNT),
            "credited": Round(credited_sql(), 2, output_field=AMOUNT),
            "open_amount": Case(When(amount__lt=0, against__isnull=False, then=ZERO),
                                default=Round(F("amount") - allocated_sql() + credited_sql(), 2, output_field=AMOUNT),
                                output_field=AMOUNT)}


def balance_drift(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """The invoices whose stored balances differ from those computed from their rows (none, unless a row was
    written around the services)."""
    computed = {f"computed_{name}": expression for name, expression in computed_balances().items()}
    return invoices.annotate(**computed).exclude(allocated=F("computed_allocated"), credited=F("computed_credited"),
                                                 open_amount=F("computed_open_amount"))


def overdue_q(today: date) -> Q:
    """Invoices with money still owed past their due date."""
    return Q(open_amount__gt=0, due_on__lt=today)


def ageing_q(bucket: str, today: date) -> Q:
    """Open invoices in one ageing bucket (money.Bucket)."""
    return Q(open_amount__gt=0) & due_in_bucket_q(bucket, today)


def due_in_bucket_q(bucket: str, today: date) -> Q:
    """The invoices whose due date falls in one ageing bucket, open or not (for invoices already narrowed to
    the open ones)."""
    if bucket == money.Bucket.CURRENT:
        return Q(due_on__gte=today)
    bounds = [0, *money.Bucket.LAST_DAY.values()]
    buckets = list(money.Bucket.LAST_DAY)
    if bucket == money.Bucket.OVER_90:
        return Q(due_on__lt=today - timedelta(days=bounds[-1]))
    index = buckets.index(bucket)
    # Past due by more than the last bucket's last day, and at most this bucket's.
    return Q(due_on__lt=today - timedelta(days=bounds[index]), due_on__gte=today - timedelta(days=bounds[index + 1]))


@dataclass(frozen=True)
class Figures:
    """What a contract or a customer owes in one currency."""

    currency: str
    invoiced: Decimal  # net of credit notes
    received: Decimal  # the payments allocated to the invoices
    outstanding: Decimal
    overdue: Decimal
    dso: Decimal | None  # days, over the last DSO_DAYS; None without invoices in that period
    # Owed to the customer on invoices paid beyond their final value (a final invoice below the provisional one),
    # not yet applied to what they owe on others: counted in `outstanding`, which it lowers.
    credit: Decimal = Decimal(0)


def _figure_sums(today: date) -> dict[str, Coalesce]:
    """The sums a contract's or a customer's figures are made of, per currency."""
    since = today - timedelta(days=DSO_DAYS)
    return {"invoiced": Coalesce(Sum("amount"), ZERO), "received": Coalesce(Sum("allocated"), ZERO),
            "outstanding": Coalesce(Sum("open_amount"), ZERO),
            "overdue": Coalesce(Sum("open_amount", filter=overdue_q(today)), ZERO),
            "credit": Coalesce(Sum("open_amount", filter=Q(open_amount__lt=0)), ZERO),
            "period_sales": Coalesce(Sum("amount", filter=Q(issued_on__gt=since, issued_on__lte=today)), ZERO)}


def _figures_of(currency: str, sums: Mapping[str, Any]) -> Figures:
    return Figures(currency, sums["invoiced"], sums["received"], sums["outstanding"], sums["overdue"],
                   money.days_sales_outstanding(sums["outstanding"], sums["period_sales"], DSO_DAYS),
                   credit=-sums["credit"])


def _figures(invoices: QuerySet[Invoice], currency: str, today: date) -> Figures:
    return _figures_of(currency, invoices.aggregate(**_figure_sums(today)))


def deal_figures(deal: Deal, today: date | None = None) -> Figures:
    """The contract's figures in its currency: one query."""
    return _figures(Invoice.objects.filter(deal=deal), deal.currency, today or timezone.localdate())


@dataclass(frozen=True)
class CustomerFigures:
    per_currency: list[Figures]
    on_account: list[tuple[str, Decimal]]  # payments not allocated, per currency
    overdue_base: Decimal  # in the base currency, at each invoice's rate


def customer_figures(user: User, customer: Customer, today: date | None = None) -> CustomerFigures:
    """The customer's figures over the invoices and payments the user sees: two queries."""
    today = today or timezone.localdate()
    invoices = invoices_visible_to(user, customer)
    rows = list(invoices.order_by().values("currency").annotate(
        **_figure_sums(today),
        overdue_base=Coalesce(Sum(F("open_amount") * F("rate_to_base"), filter=overdue_q(today),
                                  output_field=AMOUNT), ZERO))
        .order_by("currency"))
    per_currency = [_figures_of(row["currency"], row) for row in rows]
    unallocated = (payments_visible_to(user).filter(customer=customer)
                   .annotate(allocated=_allocated_of_payment())
                   .order_by().values("currency")
                   .annotate(left=Round(Sum(F("amount") - F("allocated")), 2, output_field=AMOUNT))
                   .filter(left__gt=0).order_by("currency"))
    overdue_base = sum((row["overdue_base"] for row in rows), Decimal(0))
    return CustomerFigures(per_currency, [(row["currency"], row["left"]) for row in unallocated],
                           money.cents(overdue_base))


@cache  # built once per process: it depends on nothing a request gives (as execution's `_execution_state`)
def _allocated_of_payment() -> Coalesce:
    per_payment = (PaymentAllocation.objects.filter(payment=OuterRef("pk")).order_by().values("payment")
                   .annotate(total=Sum("amount")).values("total"))
    return Coalesce(Subquery(per_payment, output_field=AMOUNT), ZERO)


def with_allocated(payments: QuerySet[Payment]) -> QuerySet[Payment]:
    """Each payment's `allocated` to invoices and `on_account` (the rest)."""
    return payments.annotate(allocated=_allocated_of_payment()).annotate(
        on_account=Round(F("amount") - F("allocated"), 2, output_field=AMOUNT))


def with_overdue_balance(customers: QuerySet[Customer], today: date) -> QuerySet[Customer]:
    """Each customer's `overdue_base`: what is owed past due on all its invoices, in the base currency at each
    invoice's rate (0 when nothing is), as one subquery. The caller scopes the customers; the balance is the
    customer's whole (a seller who sees the customer sees its standing)."""
    overdue = (Invoice.objects.filter(overdue_q(today), deal__customer=OuterRef("pk"))
               .order_by().values("deal__customer")
               .annotate(total=Sum(F("open_amount") * F("rate_to_base"), output_field=AMOUNT)).values("total"))
    return customers.annotate(overdue_base=Coalesce(Subquery(overdue, output_field=AMOUNT), ZERO))


# --- What the pages show ----------------------------------------------------------------------------


class Status:
    """An invoice's standing, for its badge."""

    OPEN = "open"
    PART_PAID = "part_paid"
    PAID = "paid"
    OVERDUE = "overdue"
    CREDIT = "credit"  # a credit note, or an invoice credited beyond what it billed
    CREDITED = "credited"  # settled by credit notes alone, nothing paid: cancelled


def status_of(invoice: Invoice, today: date) -> str:
    """From its stored balances."""
    if invoice.amount < 0 or invoice.open_amount < 0:
        return Status.CREDIT
    if invoice.open_amount == 0:
        return Status.PAID if invoice.allocated else Status.CREDITED
    if invoice.due_on < today:
        return Status.OVERDUE
    if invoice.allocated:
        return Status.PART_PAID
    return Status.OPEN


def open_invoices_of(user: User, customer: Customer) -> QuerySet[Invoice]:
    """The customer's invoices still owed something that the user sees, the oldest due first (FIFO)."""
    return (invoices_visible_to(user, customer).filter(open_amount__gt=0).select_related("deal")
            .order_by("due_on", "pk"))
