"""What the scorecards (targets.kpis) count of getting paid over a period, as annotations for their
grouped queries: the cash collected, and what was owed and overdue on a day, in the base currency.

Who it counts for: an invoice's money counts for the seller credited with its contract's sale
(`deal.credited_to`, like the tonnes delivered and the cargo claims), so a transferred contract's
collections stay with who sold it. Money received and not allocated to an invoice (held on account) has
no contract: it counts for the customer's owner."""

from datetime import date
from typing import Any

from django.db.models import Case, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery, Sum, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce

from .models import Invoice, Payment, PaymentAllocation
from .selectors import AMOUNT, ZERO, with_allocated


def _sum_of(queryset: QuerySet[Any], group: str, value: Combinable) -> Coalesce:
    per_row = queryset.order_by().values(group).annotate(total=Sum(value, output_field=AMOUNT)).values("total")
    return Coalesce(Subquery(per_row, output_field=AMOUNT), ZERO)


def with_period_figures(invoices: QuerySet[Invoice], start: date, end: date) -> QuerySet[Invoice]:
    """Each invoice's `collected_base` (the payments received in [start, end] allocated to it, at each
    payment's rate) and `open_on_end` (what was still owed on it on `end`: its amount less the payments
    received by then, plus the credit notes issued by then; 0 on a credit note against an invoice, which
    counts in that invoice's). Three subqueries: a grouped query over them stays one query."""
    allocations = PaymentAllocation.objects.filter(invoice=OuterRef("pk"))
    collected = _sum_of(allocations.filter(payment__received_on__range=(start, end)), "invoice",
                        F("amount") * F("payment__rate_to_base"))
    paid_by_end = _sum_of(allocations.filter(payment__received_on__lte=end), "invoice", F("amount"))
    credited_by_end = _sum_of(Invoice.objects.filter(against=OuterRef("pk"), amount__lt=0, issued_on__lte=end),
                              "against", F("amount"))
    return invoices.annotate(
        collected_base=collected,
        open_on_end=Case(When(amount__lt=0, against__isnull=False, then=ZERO),
                         default=ExpressionWrapper(F("amount") - paid_by_end + credited_by_end, output_field=AMOUNT),
                         output_field=AMOUNT))


def overdue_on_end_q(end: date) -> Q:
    """Invoices (annotated by with_period_figures) owed something past their due date on `end`."""
    return Q(open_on_end__gt=0, due_on__lt=end)


def on_account_received(start: date, end: date) -> QuerySet[Payment]:
    """The payments received in [start, end], each with `on_account_base`: its part not allocated to an
    invoice, in the base currency at its rate."""
    return with_allocated(Payment.objects.filter(received_on__range=(start, end))).annotate(
        on_account_base=ExpressionWrapper(F("on_account") * F("rate_to_base"), output_field=AMOUNT))
