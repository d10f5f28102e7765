"""The receivables' exports as rows under their headers, for accounts.exports (the safe export helper): the
invoices, the payments received and the ageing per customer, over querysets the caller has scoped."""

from collections.abc import Sequence
from datetime import date

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.exports import Cell

from . import money
from .ageing import LABELS, ageing_by_customer
from .models import Invoice, Payment
from .selectors import with_allocated

Table = tuple[list[str], list[Sequence[Cell]]]


def invoice_table(invoices: QuerySet[Invoice], today: date) -> Table:
    """One row per invoice or note, the oldest issued first: what it billed, what is open and how late."""
    headers = [_("Invoice number"), _("Kind"), _("Customer"), _("Contract"), pgettext("invoice", "Issued on"),
               _("Due on"), _("Currency"), _("Amount"), _("Amount owed"), _("Days overdue")]
    rows: list[Sequence[Cell]] = []
    for invoice in invoices.select_related("deal__customer").order_by("issued_on", "pk"):
        open_amount = invoice.open_amount
        rows.append([invoice.number, invoice.title, invoice.deal.customer.name, invoice.deal.contract_number,
                     invoice.issued_on, invoice.due_on, invoice.currency, invoice.amount, open_amount,
                     money.days_overdue(invoice.due_on, today) if open_amount > 0 else 0])
    return headers, rows


def payment_table(payments: QuerySet[Payment]) -> Table:
    """One row per payment received, the latest first: how much of it settles invoices, how much is on
    account."""
    headers = [pgettext("payment", "Received on"), _("Customer"), _("Amount"), _("Currency"),
               _("Rate to the base currency"), _("Bank reference"), _("Allocated to invoices"), _("On account")]
    rows: list[Sequence[Cell]] = [
        [payment.received_on, payment.customer.name, payment.amount, payment.currency, payment.rate_to_base,
         payment.bank_reference, money.cents(payment.allocated),  # type: ignore[attr-defined]
         money.cents(payment.on_account)]  # type: ignore[attr-defined]
        for payment in with_allocated(payments).select_related("customer").order_by("-received_on", "-pk")
    ]
    return headers, rows


def ageing_table(invoices: QuerySet[Invoice], today: date) -> Table:
    """One row per customer owing something, the largest balance first: its open amount per ageing bucket,
    in the base currency at each invoice's rate."""
    currency = settings.BASE_CURRENCY
    headers = [_("Customer"), *[f"{label} ({currency})" for label in LABELS.values()], f"{_('Total')} ({currency})"]
    rows: list[Sequence[Cell]] = [
        [row["deal__customer__name"], *[money.cents(row[f"amount_{bucket}"]) for bucket in LABELS],
         money.cents(row["total"])]
        for row in ageing_by_customer(invoices, today)
    ]
    return headers, rows
