"""The arithmetic of getting paid: when an invoice falls due, what each invoice of a shipment bills,
how a payment settles the open invoices, what is still owed and how late, and days sales outstanding.

Pure functions on Decimals, worked by hand in tests/test_receivables_money.py. Amounts are signed by
their effect on what the customer owes: an invoice or a debit note is positive, a credit note negative.
Money is rounded half up to the cent at the end of a line, as pricing.line_value does.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from pipeline.execution.pricing import CENT, HUNDRED, line_value

ZERO = Decimal(0)
TENTH = Decimal("0.1")


class Kind:
    """The kinds of invoice (the values stored in Invoice.kind)."""

    PREPAYMENT = "prepayment"  # a share of the contract value, before loading (T/T with a deposit)
    PROVISIONAL = "provisional"  # on the B/L figures
    FINAL = "final"  # on the final quality and quantity, less what was billed before
    CREDIT_NOTE = "credit_note"
    DEBIT_NOTE = "debit_note"


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, ROUND_HALF_UP)


def due_date(*, kind: str, issued_on: date, bl_date: date | None = None, payment_days: int = 0,
             laycan_start: date | None = None) -> date:
    """When an invoice falls due under the contract's terms.

    A prepayment is due before loading: by the laycan's first day (on issue when that is past). An
    invoice on a cargo is due `payment_days` after the B/L date (usance L/C, open-account credit),
    at sight when that is 0; a credit or debit note on issue. Never before the invoice is issued."""
    if kind == Kind.PREPAYMENT:
        due = laycan_start or issued_on
    elif kind in (Kind.CREDIT_NOTE, Kind.DEBIT_NOTE) or not payment_days:
        due = issued_on
    else:
        due = (bl_date or issued_on) + timedelta(days=payment_days)
    return max(due, issued_on)


def cargo_value(tonnes: Decimal, price: Decimal) -> Decimal:
    """Tonnes x price per tonne, to the cent: the provisional invoice's B/L tonnes at the contract price."""
    return line_value(tonnes, price)


def prepayment_amount(contract_value: Decimal, percent: Decimal) -> Decimal:
    """The share of the contract value invoiced before loading."""
    return cents(contract_value * percent / HUNDRED)


def prepayment_shares(prepaid: Decimal, liftings: int) -> list[Decimal]:
    """How a prepayment is deducted from the contract's shipments: an equal share each, to the cent,
    the last taking what rounding left over so that the shares add up to the prepayment."""
    share = cents(prepaid / liftings)
    return [share] * (liftings - 1) + [prepaid - share * (liftings - 1)]


def balance(value: Decimal, deductions: Sequence[Decimal]) -> Decimal:
    """What an invoice bills: the cargo's value less what was billed for it before (the provisional
    invoices net of the credit notes against them, the prepayment's share). A negative balance is
    owed back to the customer: the final invoice is then issued as a credit note."""
    return value - sum(deductions, ZERO)


def open_amount(amount: Decimal, allocated: Decimal = ZERO, credited: Decimal = ZERO, *,
                against_an_invoice: bool = False) -> Decimal:
    """What is still owed on an invoice: its amount, less the payments allocated to it, plus the credit
    notes against it (negative amounts). Nothing on a credit against an invoice (a credit note, a final
    invoice's credit balance): that counts in the open amount of the invoice it adjusts."""
    if amount < 0 and against_an_invoice:
        return ZERO
    return amount - allocated + credited


@dataclass(frozen=True)
class OpenItem:
    """An invoice a payment may settle: its id, due date and open amount."""

    key: int
    due_on: date
    open: Decimal


@dataclass(frozen=True)
class Allocation:
    key: int
    amount: Decimal


def allocate_fifo(amount: Decimal, items: Sequence[OpenItem]) -> tuple[list[Allocation], Decimal]:
    """Spread a payment over the open invoices, the oldest due first (then the oldest issued, by id):
    the allocations and the remainder left on account."""
    allocations = []
    left = amount
    for item in sorted(items, key=lambda item: (item.due_on, item.key)):
        if left <= 0:
            break
        if item.open <= 0:
            continue
        settled = min(left, item.open)
        allocations.append(Allocation(item.key, settled))
        left -= settled
    return allocations, left


def days_overdue(due_on: date, today: date) -> int:
    """Days past the due date; 0 until the day after it."""
    return max((today - due_on).days, 0)


class Bucket:
    """The ageing buckets of an open amount, by days past due."""

    CURRENT = "current"  # not yet due
    DAYS_1_30 = "1_30"
    DAYS_31_60 = "31_60"
    DAYS_61_90 = "61_90"
    OVER_90 = "over_90"

    ALL = (CURRENT, DAYS_1_30, DAYS_31_60, DAYS_61_90, OVER_90)
    # The last day past due of each bucket but the last (the selectors' SQL uses the same bounds).
    LAST_DAY = {DAYS_1_30: 30, DAYS_31_60: 60, DAYS_61_90: 90}


def ageing_bucket(due_on: date, today: date) -> str:
    late = days_overdue(due_on, today)
    if late == 0:
        return Bucket.CURRENT
    for bucket, last_day in Bucket.LAST_DAY.items():
        if late <= last_day:
            return bucket
    return Bucket.OVER_90


def days_sales_outstanding(outstanding: Decimal, credit_sales: Decimal, days: int) -> Decimal | None:
    """DSO = outstanding receivables / credit sales of the period x days in the period, to a tenth of
    a day; None without sales in the period. Nothing outstanding, or a balance in the customer's favour (a final
    invoice below the provisional one paid in full), is 0 days: not fewer, which would read as better than paid."""
    if credit_sales <= 0:
        return None
    if outstanding <= 0:
        return Decimal("0.0")
    return (outstanding / credit_sales * days).quantize(TENTH, ROUND_HALF_UP)
