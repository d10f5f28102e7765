"""What the scorecards (targets.kpis) count of getting paid over a period, by seller: the cash collected, and
what was owed and overdue on a day, in the base currency.

Who it counts for: an invoice's money counts for the seller credited with its contract's sale
(`deal.credited_to`, like the tonnes delivered and the cargo claims), so a transferred contract's
collections stay with who sold it. Money received and not allocated to an invoice (held on account) has
no contract: it counts for the customer's owner."""

import decimal
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import ExpressionWrapper, F, QuerySet

from pipeline.models import Deal

from .models import Invoice, Payment, PaymentAllocation
from .selectors import AMOUNT, with_allocated

# Each invoice's amount still owed on a day: its amount less the payments received by then, plus the credit
# notes issued against it by then; 0 on a credit note against an invoice (it counts in that invoice's).
# The payments and credit notes are summed once per invoice in derived tables joined to the invoices: a
# correlated lookup per invoice and figure took seconds at a few hundred thousand invoices.
_OWED_BY_SELLER = """
SELECT deal.credited_to_id,
       SUM(owed.open_on_day * owed.rate_to_base),
       SUM(CASE WHEN owed.open_on_day > 0 AND owed.due_on < %s THEN owed.open_on_day * owed.rate_to_base END),
       SUM(CASE WHEN owed.issued_on >= %s THEN owed.amount_base END)
FROM (
    SELECT invoice.deal_id, invoice.rate_to_base, invoice.due_on, invoice.issued_on, invoice.amount_base,
           CASE WHEN invoice.amount < 0 AND invoice.against_id IS NOT NULL THEN 0
                ELSE invoice.amount - COALESCE(paid.total, 0) + COALESCE(credited.total, 0) END AS open_on_day
    FROM {invoice} invoice
    LEFT JOIN (SELECT allocation.invoice_id, SUM(allocation.amount) AS total
               FROM {allocation} allocation JOIN {payment} payment ON payment.id = allocation.payment_id
               WHERE payment.received_on <= %s GROUP BY allocation.invoice_id) paid
           ON paid.invoice_id = invoice.id
    LEFT JOIN (SELECT note.against_id, SUM(note.amount) AS total FROM {invoice} note
               WHERE note.against_id IS NOT NULL AND note.amount < 0 AND note.issued_on <= %s
               GROUP BY note.against_id) credited
           ON credited.against_id = invoice.id
    WHERE invoice.issued_on <= %s
) owed
JOIN {deal} deal ON deal.id = owed.deal_id
WHERE deal.credited_to_id IS NOT NULL
GROUP BY deal.credited_to_id
"""

_BACKEND_DECIMAL = decimal.Context(prec=15).create_decimal_from_float  # as Django reads SQLite's sums


def _decimal(value: Any) -> Decimal | None:
    """A sum as the ORM would answer it: PostgreSQL's numeric as is, SQLite's float to 15 digits."""
    if value is None or isinstance(value, Decimal):
        return value
    return _BACKEND_DECIMAL(value)


def owed_by_seller(start: date, day: date) -> dict[int, dict[str, Decimal | None]]:
    """By credited seller: what was owed on `day` (`outstanding`: every invoice issued by then), the part
    of it past due (`overdue`: invoices owing something after their due date), and what was invoiced from
    `start` to `day` (`invoiced`). One query."""
    quote = connection.ops.quote_name
    sql = _OWED_BY_SELLER.format(invoice=quote(Invoice._meta.db_table),
                                 allocation=quote(PaymentAllocation._meta.db_table),
                                 payment=quote(Payment._meta.db_table), deal=quote(Deal._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql, [day, start, day, day, day])  # in the order of the placeholders
        rows = cursor.fetchall()
    return {seller: {"outstanding": _decimal(owed), "overdue": _decimal(overdue), "invoiced": _decimal(invoiced)}
            for seller, owed, overdue, invoiced in rows}


def collected_allocations(start: date, end: date) -> QuerySet[PaymentAllocation]:
    """The payments received in [start, end] as allocated to invoices, each part with `collected_base`:
    in the base currency at its payment's rate."""
    return PaymentAllocation.objects.filter(payment__received_on__range=(start, end)).annotate(
        collected_base=ExpressionWrapper(F("amount") * F("payment__rate_to_base"), output_field=AMOUNT))


def on_account_received(start: date, end: date) -> QuerySet[Payment]:
    """The payments received in [start, end], each with `on_account_base`: its part not allocated to an
    invoice, in the base currency at its rate."""
    return with_allocated(Payment.objects.filter(received_on__range=(start, end))).annotate(
        on_account_base=ExpressionWrapper(F("on_account") * F("rate_to_base"), output_field=AMOUNT))

