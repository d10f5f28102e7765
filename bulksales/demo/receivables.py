"""Demo receivables for `seed_demo`: the signed demo contracts' payment terms (90 days on a usance L/C,
30 on open account, a 20 % deposit on T/T), their invoices issued as the cargo moved (the prepayment
after signing, the provisional invoice on each B/L, the final one on each final value, the credit notes
of the claims settled) and the payments received: most in full on time, some in part, some late and
some not at all, so that the overdue amounts fall in every ageing bucket. All through the receivables
services; deterministic (fixed seed)."""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from accounts.services import RuleError
from customers.models import Complaint, PaymentTerms
from pipeline.execution.models import Shipment
from pipeline.models import Deal, Outcome
from pipeline.receivables import money, services
from pipeline.receivables.models import Invoice, Payment
from pipeline.reminders import raise_reminders

# The days after the B/L an invoice falls due, and the deposit, by the contract's payment terms.
PAYMENT_DAYS = {PaymentTerms.LC_USANCE: 90, PaymentTerms.OPEN_ACCOUNT: 30}
DEPOSIT_PERCENT = Decimal(20)
BANKS = ["BOC", "ICBC", "CCB", "HSBC", "Citi", "SCB"]


def _set_terms() -> None:
    for terms, days in PAYMENT_DAYS.items():
        Deal.objects.filter(outcome=Outcome.WON, payment_terms=terms).update(payment_days=days)
    Deal.objects.filter(outcome=Outcome.WON, payment_terms=PaymentTerms.TT_DEPOSIT).update(
        prepayment_percent=DEPOSIT_PERCENT)


def _on_or_before(day: date, today: date) -> date:
    return min(day, today)


def _issue_invoices(rng: random.Random, today: date) -> None:
    deals = (Deal.objects.filter(outcome=Outcome.WON).select_related("owner", "customer").order_by("pk"))
    for deal in deals:
        assert deal.signed_on is not None  # a signed contract
        if services.calls_for_prepayment(deal):
            services.prepayment_issue(deal=deal, by=deal.owner,
                                      issued_on=_on_or_before(deal.signed_on + timedelta(days=3), today))
        for shipment in Shipment.objects.filter(deal=deal, bl_date__isnull=False).order_by("number"):
            assert shipment.bl_date is not None
            try:
                services.provisional_issue(shipment=shipment, by=deal.owner, issued_on=_on_or_before(
                    shipment.bl_date + timedelta(days=rng.randint(0, 2)), today))
            except RuleError:
                continue  # a deposit covering the B/L value: nothing to bill before the final invoice
        for shipment in Shipment.objects.filter(deal=deal, finalised_at__isnull=False).order_by("number"):
            assert shipment.finalised_at is not None
            services.final_issue(shipment=shipment, by=deal.owner, issued_on=_on_or_before(
                timezone.localdate(shipment.finalised_at) + timedelta(days=rng.randint(1, 3)), today))
    settled = (Complaint.objects.filter(settlement__in=services.SETTLED_BY_CREDIT, settled_amount__gt=0,
                                        status__in=[Complaint.Status.RESOLVED, Complaint.Status.CLOSED])
               .filter(Q(cargo_claim__isnull=False)).select_related("customer__owner").order_by("pk"))
    for complaint in settled:
        target = services.claim_note_target(complaint)
        if target is not None:
            resolved = timezone.localdate(complaint.resolved_at) if complaint.resolved_at else today
            services.claim_credit_note_issue(complaint=complaint, by=target.deal.owner,
                                             issued_on=_on_or_before(resolved + timedelta(days=2), today))


def _receive_payments(rng: random.Random, today: date) -> None:
    """Pay each invoice as its customer would: in full on time, a little late, in part, or not yet."""
    invoices = (Invoice.objects.filter(amount__gt=0).select_related("deal__customer__owner")
                .order_by("due_on", "pk"))
    for invoice in invoices:
        open_amount = invoice.open_amount
        if open_amount <= 0:
            continue
        fate, age = rng.random(), (today - invoice.due_on).days
        if age > 120 and fate < 0.96 or 0 < age <= 120 and fate >= 0.45 or age <= 0 and fate >= 0.7:
            part = False  # paid in full (an old invoice almost always, a recent one mostly)
        elif age > 120 or 0 < age <= 120 and fate >= 0.25:
            part = True  # paid in part: the rest is overdue
        else:
            continue  # not paid yet: not due, or overdue since its due date
        late = rng.choice([0, 0, 0, 1, 2, 5, 12])
        received = _on_or_before(invoice.due_on + timedelta(days=late), today)
        amount = money.cents(open_amount * Decimal(rng.choice(["0.5", "0.7", "0.9"]))) if part else open_amount
        customer = invoice.deal.customer
        services.payment_record(customer=customer, received_on=received, amount=amount, currency=invoice.currency,
                                bank_reference=f"{rng.choice(BANKS)} {received:%y%m%d}{rng.randint(100, 999)}",
                                allocations={invoice.pk: amount}, by=customer.owner)


def seed_receivables() -> None:
    if Invoice.objects.exists() or Payment.objects.exists():
        return
    rng = random.Random(20261214)
    today = timezone.localdate()
    _set_terms()
    _issue_invoices(rng, today)
    _receive_payments(rng, today)
    raise_reminders(now=timezone.now())  # the invoices overdue among them, on first sign-in
