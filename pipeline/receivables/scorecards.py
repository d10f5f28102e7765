"""What the scorecards (targets.kpis) count of getting paid over a period, by seller: the cash collected, and
what was owed and overdue on a day, in the base currency.

Who it counts for: an invoice's money counts for the seller credited with its contract's sale
(`deal.credited_to`, like the tonnes delivered and the cargo claims), so a transferred contract's
collections stay with who sold it. Money received and not allocated to an invoice (held on account) has
no contract: it counts for the customer's owner."""

import decimal
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connections, router
from django.db.models import ExpressionWrapper, F, QuerySet

from pipeline.models import Deal

from .models import Invoice, Payment, PaymentAllocation
from .selectors import AMOUNT, with_allocated

# Each invoice's amount still owed on a day: what it owes now (its stored `open_amount`), plus the payments
# received after that day, less the credit notes issued after it; 0 on a credit note against an invoice (it
# counts in that invoice's). So only the payments and notes since the earliest day are read: summing every one
# since the first invoice took 0.7 s at 160,000 invoices. An invoice that owes nothing now and has had neither
# since then owed nothing on any of the days, and is left out. The later payments and notes are summed once per
# invoice, for every day asked about at once, in derived tables joined to the invoices, then summed per seller and
# customer, and per seller. {paid}, {credited}, {open}, {owed} and {owed_by_seller} repeat for each day (the n-th
# day's placeholders are named by its position n).
_OWED_BY_SELLER = """
SELECT by_customer.credited_to_id{owed_by_seller}
FROM (
SELECT deal.credited_to_id{owed}
FROM (
    SELECT invoice.deal_id, invoice.rate_to_base, invoice.due_on{open}
    FROM {invoice_table} invoice
    LEFT JOIN (SELECT allocation.invoice_id{paid}
               FROM {allocation_table} allocation JOIN {payment_table} payment ON payment.id = allocation.payment_id
               WHERE payment.received_on > %s{paid_sold_by} GROUP BY allocation.invoice_id) paid
           ON paid.invoice_id = invoice.id
    LEFT JOIN (SELECT note.against_id{credited} FROM {invoice_table} note
               WHERE note.against_id IS NOT NULL AND note.amount < 0 AND note.issued_on > %s{credited_sold_by}
               GROUP BY note.against_id) credited
           ON credited.against_id = invoice.id
    WHERE invoice.issued_on <= %s{sold_by}
      AND (invoice.open_amount <> 0 OR paid.invoice_id IS NOT NULL OR credited.against_id IS NOT NULL)
) owed
JOIN {deal_table} deal ON deal.id = owed.deal_id
WHERE deal.credited_to_id IS NOT NULL
GROUP BY deal.credited_to_id, deal.customer_id
) by_customer
GROUP BY by_customer.credited_to_id
"""
# Only some sellers' invoices (a refresh after a change): the invoices of the deals credited to them.
_SOLD_BY = " AND {column} IN (SELECT sold.id FROM {deal_table} sold WHERE sold.credited_to_id IN ({sellers}))"
_INVOICE_SOLD_BY = (" AND {column} IN (SELECT sold.id FROM {invoice_table} sold JOIN {deal_table} sold_deal"
                    " ON sold_deal.id = sold.deal_id WHERE sold_deal.credited_to_id IN ({sellers}))")
_PAID = ", SUM(CASE WHEN payment.received_on > %s THEN allocation.amount END) AS paid{n}"
_CREDITED = ", SUM(CASE WHEN note.issued_on > %s THEN note.amount END) AS credited{n}"
_OPEN = """, CASE WHEN invoice.issued_on > %s THEN NULL
                WHEN invoice.amount < 0 AND invoice.against_id IS NOT NULL THEN 0
                ELSE invoice.open_amount + COALESCE(paid.paid{n}, 0) - COALESCE(credited.credited{n}, 0)
           END AS open{n}"""
_OWED = """, SUM(owed.open{n} * owed.rate_to_base) AS owes{n},
       SUM(CASE WHEN owed.open{n} > 0 AND owed.due_on < %s THEN owed.open{n} * owed.rate_to_base END) AS overdue{n}"""
# A customer in credit with a seller (paid more than it owes them) owes that seller nothing: its credit is not
# counted against what other customers owe (which would show their debts as less than they are, and a seller's
# days sales outstanding as shorter).
_OWED_BY_CUSTOMERS = """, SUM(CASE WHEN by_customer.owes{n} > 0 THEN by_customer.owes{n}
                WHEN by_customer.owes{n} IS NOT NULL THEN 0 END),
       SUM(by_customer.overdue{n})"""

_BACKEND_DECIMAL = decimal.Context(prec=15).create_decimal_from_float  # as Django reads SQLite's sums


def _decimal(value: Any) -> Decimal | None:
    """A sum as the ORM would answer it: PostgreSQL's numeric as is, SQLite's float to 15 digits."""
    if value is None or isinstance(value, Decimal):
        return value
    return _BACKEND_DECIMAL(value)


def owed_by_seller(days: Sequence[date], sellers: Sequence[int] | None = None,
                   ) -> dict[date, dict[int, dict[str, Decimal | None]]]:
    """On each of `days`, by credited seller (only `sellers`, when given): what was owed (`outstanding`: on
    every invoice issued by then, each customer's net of its credit and never below nothing) and the part of it
    past due (`overdue`: on the invoices owing something after their due date). One query, from the invoices'
    stored balances (`Invoice.open_amount`); a seller owed nothing on any of the days may be left out."""
    if sellers is not None and not sellers:
        return {day: {} for day in days}
    # Where the ORM would read invoices: the replica inside `accounts.replica.on_replica`.
    connection = connections[router.db_for_read(Invoice)]
    quote = connection.ops.quote_name
    first, last = min(days), max(days)
    numbered = list(enumerate(days))
    tables = {"invoice_table": quote(Invoice._meta.db_table), "deal_table": quote(Deal._meta.db_table)}
    marks = ", ".join(["%s"] * len(sellers or ()))

    def sold_by(template: str, column: str) -> str:
        return "" if sellers is None else template.format(column=column, sellers=marks, **tables)

    sql = _OWED_BY_SELLER.format(
        owed_by_seller="".join(_OWED_BY_CUSTOMERS.format(n=n) for n, _day in numbered),
        owed="".join(_OWED.format(n=n) for n, _day in numbered),
        open="".join(_OPEN.format(n=n) for n, _day in numbered),
        paid="".join(_PAID.format(n=n) for n, _day in numbered),
        credited="".join(_CREDITED.format(n=n) for n, _day in numbered),
        paid_sold_by=sold_by(_INVOICE_SOLD_BY, "allocation.invoice_id"),
        credited_sold_by=sold_by(_INVOICE_SOLD_BY, "note.against_id"), sold_by=sold_by(_SOLD_BY, "invoice.deal_id"),
        allocation_table=quote(PaymentAllocation._meta.db_table), payment_table=quote(Payment._meta.db_table),
        **tables)
    # In the order of the placeholders: the outer sums', the open amounts', the later payments', the later credit
    # notes', the invoices'.
    only = list(sellers or ())
    params: list[date | int] = [*days, *days, *days, first, *only, *days, first, *only, last, *only]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    owed: dict[date, dict[int, dict[str, Decimal | None]]] = {day: {} for day in days}
    for seller, *sums in rows:
        for n, day in numbered:
            owed[day][seller] = {"outstanding": _decimal(sums[2 * n]), "overdue": _decimal(sums[2 * n + 1])}
    return owed


def invoiced(start: date, end: date) -> QuerySet[Invoice]:
    """The invoices (and credit and debit notes) issued in [start, end]."""
    return Invoice.objects.filter(issued_on__range=(start, end))


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

