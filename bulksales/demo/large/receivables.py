"""Receivables of `seed_demo --size large`, written in bulk: a provisional invoice on every B/L and a final
one on every final value (numbered as a credit note when the final value is below the provisional), one
line each as the services write them, at the rate in force on the issue day; and the payments: most
invoices paid in full a few days after their due date, one in ten in part, one in twenty not at all, so
the overdue amounts age in every bucket. The invoice number sequences continue from the last numbers."""

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from bulksales.demo.bulk import next_id
from bulksales.demo.large.pipeline import _rate_on
from bulksales.demo.large.seed import LargeSeed
from pipeline.execution.models import Shipment
from pipeline.models import ExchangeRate
from pipeline.receivables import money
from pipeline.receivables.models import Invoice, InvoiceLine, InvoiceSequence, Payment, PaymentAllocation

PAID_IN_PART, UNPAID = 0.10, 0.05


def _rates() -> dict[str, list[tuple[date, Decimal]]]:
    rates: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    for currency, valid_from, rate in ExchangeRate.objects.order_by("currency", "valid_from").values_list(
            "currency", "valid_from", "rate"):
        rates[currency].append((valid_from, rate))
    return rates


def seed_receivables_large(seed: LargeSeed) -> None:
    rng = random.Random(20261215)
    today = seed.today
    rates = _rates()
    shipments = (Shipment.objects.filter(bl_date__isnull=False)
                 .values_list("pk", "deal_id", "deal__owner_id", "deal__customer_id", "deal__currency",
                              "deal__price_per_tonne", "deal__payment_days", "bl_date", "bl_tonnes", "final_quantity",
                              "final_price", "final_value", "finalised_at")
                 .order_by("bl_date", "pk"))
    invoice_id, line_id = next_id(Invoice), next_id(InvoiceLine)
    sequences: dict[tuple[str, int], int] = defaultdict(int)
    invoices, lines, to_pay = [], [], []
    # Each invoice's balances, as the services keep them: the payments allocated, the credits against it.
    allocated: dict[int, Decimal] = defaultdict(Decimal)
    credited: dict[int, Decimal] = defaultdict(Decimal)

    def number(series: str, day: date) -> str:
        sequences[series, day.year] += 1
        return f"{series}-{day.year}-{sequences[series, day.year]:04d}"

    def add(row: tuple, kind: str, issued: date, due: date, against: int | None,
            drafts: list[tuple]) -> tuple[int, str]:
        """Write an invoice of `drafts` (kind, reference, tonnes, price, amount); its id and number."""
        nonlocal invoice_id, line_id
        shipment_id, deal_id, owner, customer, currency = row[:5]
        amount = sum((draft[-1] for draft in drafts), Decimal(0))
        rate = _rate_on(rates, currency, issued)
        given = number("CN" if amount < 0 else "INV", issued)
        invoices.append((invoice_id, deal_id, shipment_id, kind, given, issued, due, currency, amount, rate,
                         money.cents(amount * rate), against, "", owner))
        for position, draft in enumerate(drafts, start=1):
            lines.append((line_id, invoice_id, position, *draft))
            line_id += 1
        if amount < 0 and against is not None:
            credited[against] += amount
        if amount > 0:
            to_pay.append((invoice_id, customer, currency, due, amount, owner))
        invoice_id += 1
        return invoice_id - 1, given

    for row in shipments:
        (*_who, price, days, bl_date, bl_tonnes, final_quantity, final_price, final_value, finalised_at) = row
        assert bl_date is not None and bl_tonnes is not None  # loaded, as the query asks
        issued = min(bl_date + timedelta(days=rng.randint(0, 2)), today)
        provisional = money.cargo_value(bl_tonnes, price)
        due = money.due_date(kind=money.Kind.PROVISIONAL, issued_on=issued, bl_date=bl_date, payment_days=days)
        first, first_number = add(row, money.Kind.PROVISIONAL, issued, due, None,
                                  [(InvoiceLine.Kind.CARGO, "", bl_tonnes, price, provisional)])
        if finalised_at is not None and final_value is not None:
            issued = min(timezone.localdate(finalised_at) + timedelta(days=rng.randint(1, 3)), today)
            due = money.due_date(kind=money.Kind.FINAL, issued_on=issued, bl_date=bl_date, payment_days=days)
            # The large seed's final values are at the contract price (neutral assays): one cargo line.
            add(row, money.Kind.FINAL, issued, due, first,
                [(InvoiceLine.Kind.CARGO, "", final_quantity, final_price, final_value),
                 (InvoiceLine.Kind.LESS_INVOICE, first_number, None, None, -provisional)])
    payments, allocations = [], []
    payment_id = next_id(Payment)
    for invoice, customer, currency, due, amount, owner in to_pay:
        fate = rng.random()
        if fate < UNPAID or due >= today and fate < 0.7:
            continue
        paid = money.cents(amount * Decimal("0.6")) if fate < UNPAID + PAID_IN_PART else amount
        received = min(due + timedelta(days=rng.choice([0, 0, 1, 3, 7])), today)
        rate = _rate_on(rates, currency, received)
        payments.append((payment_id, customer, received, paid, currency, rate, money.cents(paid * rate),
                         f"SWIFT {received:%y%m%d}{payment_id % 1000:03d}", "", owner, seed.now))
        allocations.append((payment_id, invoice, paid))
        allocated[invoice] += paid
        payment_id += 1
    seed.insert(Invoice, ["id", "deal", "shipment", "kind", "number", "issued_on", "due_on", "currency", "amount",
                          "rate_to_base", "amount_base", "against", "note", "issued_by", "allocated", "credited",
                          "open_amount"],
                [(*row, allocated[row[0]], credited[row[0]], money.open_amount(
                    row[8], allocated[row[0]], credited[row[0]], against_an_invoice=row[11] is not None))
                 for row in invoices])
    seed.insert(InvoiceLine, ["id", "invoice", "position", "kind", "reference", "quantity_tonnes", "unit_price",
                              "amount"], lines)
    seed.insert(Payment, ["id", "customer", "received_on", "amount", "currency", "rate_to_base", "amount_base",
                          "bank_reference", "note", "recorded_by", "recorded_at"], payments)
    seed.insert(PaymentAllocation, ["payment", "invoice", "amount"], allocations)
    # The large seed runs on a database without customers, so without invoices: the sequences are new.
    InvoiceSequence.objects.bulk_create(InvoiceSequence(series=series, year=year, last=last)
                                        for (series, year), last in sequences.items())
    seed.analyze(Invoice, InvoiceLine, Payment, PaymentAllocation)
