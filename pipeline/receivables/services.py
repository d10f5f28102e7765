"""Writes of receivables: issuing a contract's invoices from its shipments' figures, the credit note a
settled claim calls for, corrections, and payments with the invoices they settle.

Each checks who may write and what the contract allows, and raises a translated RuleError the form
shows. An issued invoice is a fact: it is never edited, a mistake is corrected by a credit or debit
note against it. Numbers are taken from a locked sequence per series and year, so two people issuing
at once get two numbers in turn."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.changes import figures_changed
from accounts.models import User
from accounts.services import RuleError
from customers.models import Complaint, Customer, PaymentTerms
from pipeline.execution.models import CargoClaim, Shipment
from pipeline.execution.pricing import billed_dry_tonnes, line_value
from pipeline.execution.selectors import load_port_moisture, priced_dry, results_of, valuation
from pipeline.models import MOISTURE, Deal, Outcome
from pipeline.selectors import counted_for, rate_for

from . import money
from .models import Invoice, InvoiceLine, InvoiceSequence, Payment, PaymentAllocation
from .selectors import can_invoice, can_record_payment, computed_balances, open_invoices_of

Kind = Invoice.Kind
Line = InvoiceLine.Kind
# The number series: invoices, credit notes, debit notes (a final invoice with a credit balance is numbered
# as a credit note, which it is).
INVOICES, CREDIT_NOTES, DEBIT_NOTES = "INV", "CN", "DN"
NOTES = (Kind.CREDIT_NOTE, Kind.DEBIT_NOTE)
SETTLED_BY_CREDIT = (Complaint.Settlement.CREDIT_NOTE, Complaint.Settlement.DISCOUNT)


def next_number(series: str, year: int) -> str:
    """The next number of a series in a year, e.g. INV-2026-0001; the sequence row is locked until the
    transaction ends (a concurrent creation of the year's row is retried by get_or_create)."""
    sequence, _created = InvoiceSequence.objects.select_for_update().get_or_create(series=series, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{series}-{year}-{sequence.last:04d}"


def _series(kind: str, amount: Decimal) -> str:
    if kind == Kind.DEBIT_NOTE:
        return DEBIT_NOTES
    return CREDIT_NOTES if amount < 0 else INVOICES


def invoices_hold_the_cancel(deal: Deal) -> str | None:
    """An issued invoice is a fact: a contract invoiced is not cancelled under it."""
    if Invoice.objects.filter(deal=deal).exists():
        return _("Invoices have been issued under this contract: it cannot be cancelled.")
    return None


@dataclass(frozen=True)
class Draft:
    """An invoice line before it is issued."""

    kind: str
    amount: Decimal
    reference: str = ""
    quantity: Decimal | None = None
    unit_price: Decimal | None = None


def _check_issuer(by: User, deal: Deal) -> None:
    if deal.outcome != Outcome.WON:
        raise RuleError(_("Only a signed contract is invoiced."))
    if not can_invoice(by, deal):
        raise RuleError(_("Only the contract's owner, their manager or a director issues its invoices."))


def _issue_day(by: User, deal: Deal, issued_on: date | None) -> date:
    """Who may issue the contract's invoice, and on which day: today unless given, never in the future."""
    _check_issuer(by, deal)
    issued_on = issued_on or timezone.localdate()
    if issued_on > timezone.localdate():
        raise RuleError(_("An invoice is issued today or on a day past, not in the future."))
    return issued_on


def invoice_balances_refresh(invoice_ids: Iterable[int | None]) -> None:
    """Recompute the stored `allocated`, `credited` and `open_amount` of these invoices from their payments and
    credit notes, in the caller's transaction. Each service that writes an allocation or a note against an
    invoice calls it. The invoices are locked first: a concurrent write to them waits for this transaction,
    and the sums, read by the next statement, see what was committed before the lock was granted."""
    ids = sorted({pk for pk in invoice_ids if pk is not None})
    if not ids:
        return
    list(Invoice.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    Invoice.objects.filter(pk__in=ids).update(**computed_balances())


def _issue(*, deal: Deal, kind: str, issued_on: date, due_on: date, lines: list[Draft], by: User,
           shipment: Shipment | None = None, against: Invoice | None = None, complaint: Complaint | None = None,
           note: str = "") -> Invoice:
    amount = sum((line.amount for line in lines), Decimal(0))
    rate = rate_for(deal.currency, issued_on)
    invoice = Invoice.objects.create(
        deal=deal, shipment=shipment, kind=kind, number=next_number(_series(kind, amount), issued_on.year),
        issued_on=issued_on, due_on=due_on, currency=deal.currency, amount=amount, rate_to_base=rate,
        amount_base=money.cents(amount * rate), against=against, complaint=complaint, note=note.strip(),
        issued_by=by, open_amount=money.open_amount(amount, against_an_invoice=against is not None))
    InvoiceLine.objects.bulk_create(
        InvoiceLine(invoice=invoice, position=position, kind=line.kind, reference=line.reference,
                    quantity_tonnes=line.quantity, unit_price=line.unit_price, amount=line.amount)
        for position, line in enumerate(lines, start=1))
    if against is not None and amount < 0:
        # A credit (a note, or a final invoice's credit balance) takes what it credits off the invoice it adjusts.
        invoice_balances_refresh([against.pk])
    figures_changed(days=[issued_on], people=counted_for(deal))  # invoiced, owed and overdue, DSO
    return invoice


# --- Prepayment, provisional and final invoices ------------------------------------------------------


def contract_value(deal: Deal) -> Decimal:
    return line_value(deal.quantity_tonnes, deal.price_per_tonne)


def prepayment_invoice(deal: Deal) -> Invoice | None:
    return deal.invoices.filter(kind=Kind.PREPAYMENT).order_by("pk").first()


def calls_for_prepayment(deal: Deal) -> bool:
    return deal.payment_terms == PaymentTerms.TT_DEPOSIT and deal.prepayment_percent > 0


@transaction.atomic
def prepayment_issue(*, deal: Deal, by: User, issued_on: date | None = None) -> Invoice:
    """Bill the contract's deposit before loading (T/T with a deposit): its share of the contract value."""
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    issued_on = _issue_day(by, deal, issued_on)
    if not calls_for_prepayment(deal):
        raise RuleError(_("The contract's terms call for no prepayment (T/T with a deposit and its percentage)."))
    if prepayment_invoice(deal) is not None:
        raise RuleError(_("The contract's prepayment is invoiced already."))
    amount = money.prepayment_amount(contract_value(deal), deal.prepayment_percent)
    return _issue(deal=deal, kind=Kind.PREPAYMENT, issued_on=issued_on, by=by,
                  due_on=money.due_date(kind=Kind.PREPAYMENT, issued_on=issued_on, laycan_start=deal.laycan_start),
                  lines=[Draft(Line.PREPAYMENT, amount, reference=f"{deal.prepayment_percent.normalize():f}")])


def _prepayment_share(deal: Deal, shipment: Shipment) -> tuple[Invoice, Decimal] | None:
    """The prepayment invoice and the share of it this shipment deducts (an equal share per lifting)."""
    prepayment = prepayment_invoice(deal)
    if prepayment is None:
        return None
    net = prepayment.amount + (prepayment.adjustments.filter(complaint__isnull=True, kind__in=NOTES)
                               .aggregate(total=Sum("amount"))["total"] or Decimal(0))
    shares = money.prepayment_shares(net, deal.liftings)
    return prepayment, shares[min(shipment.number, deal.liftings) - 1]


def _lock_shipment(shipment: Shipment) -> tuple[Shipment, Deal]:
    current = Shipment.objects.select_for_update().select_related("deal").get(pk=shipment.pk)
    return current, current.deal


def standing_provisionals(shipment: Shipment) -> list[Invoice]:
    """The shipment's provisional invoices not cancelled, each with `billed`: its amount with the corrections
    against it (credit and debit notes not for a claim, nor the final invoice's balance)."""
    corrections = Sum("adjustments__amount", filter=Q(adjustments__complaint__isnull=True,
                                                      adjustments__kind__in=NOTES))
    provisionals = list(shipment.invoices.filter(kind=Kind.PROVISIONAL).annotate(corrected=corrections)
                        .order_by("pk"))
    for invoice in provisionals:
        invoice.billed = invoice.amount + (invoice.corrected or Decimal(0))  # type: ignore[attr-defined]
    return [invoice for invoice in provisionals if invoice.billed > 0]  # type: ignore[attr-defined]


@transaction.atomic
def provisional_issue(*, shipment: Shipment, by: User, issued_on: date | None = None) -> Invoice:
    """Bill a loaded cargo on its B/L: the B/L tonnes at the contract price, less its share of a prepayment;
    one per shipment unless a credit note cancelled it."""
    shipment, deal = _lock_shipment(shipment)
    issued_on = _issue_day(by, deal, issued_on)
    if shipment.bl_tonnes is None or shipment.bl_date is None:
        raise RuleError(_("A provisional invoice is made on the B/L: record its date and quantity first."))
    if shipment.invoices.filter(kind=Kind.FINAL).exists():
        raise RuleError(_("This shipment has its final invoice: a provisional one no longer applies."))
    if standing_provisionals(shipment):
        raise RuleError(_("This shipment has a provisional invoice already: cancel it by a credit note to "
                          "issue another."))
    quantity, moisture = shipment.bl_tonnes, ""
    if priced_dry(deal):
        # Per dry tonne: the B/L's wet tonnes dried by the load port's moisture, which the final assay may revise.
        measured = load_port_moisture(shipment)
        if measured is None:
            raise RuleError(_("This contract is priced per dry tonne: record the load port assay with its "
                              "moisture first, to bill the B/L tonnes dry."))
        quantity, moisture = billed_dry_tonnes(shipment.bl_tonnes, measured), _percent(measured)
    lines = [Draft(Line.CARGO, money.cargo_value(quantity, deal.price_per_tonne), reference=moisture,
                   quantity=quantity, unit_price=deal.price_per_tonne)]
    prepaid = _prepayment_share(deal, shipment)
    if prepaid is not None:
        lines.append(Draft(Line.LESS_PREPAYMENT, -prepaid[1], reference=prepaid[0].number))
    if sum(line.amount for line in lines) <= 0:
        raise RuleError(_("The prepayment covers this cargo's B/L value: there is nothing to bill until the "
                          "final invoice."))
    return _issue(deal=deal, kind=Kind.PROVISIONAL, shipment=shipment, issued_on=issued_on, lines=lines, by=by,
                  due_on=money.due_date(kind=Kind.PROVISIONAL, issued_on=issued_on, bl_date=shipment.bl_date,
                                        payment_days=deal.payment_days))


def _percent(value: Decimal) -> str:
    """A moisture as a cargo line's reference, which marks its tonnes dry ("8.5")."""
    return f"{value.normalize():f}"


def _final_lines(shipment: Shipment, deal: Deal) -> list[Draft]:
    """The cargo at the contract price and the quality adjustments, adding up to the confirmed final value:
    each adjustment rounded at the end of its line, the last one taking what rounding left."""
    assert shipment.final_quantity is not None and shipment.final_value is not None  # finalised
    quantity = shipment.final_quantity
    worth = valuation(shipment)
    measured = results_of(worth.assay).get(MOISTURE) if worth.assay is not None and priced_dry(deal) else None
    moisture = _percent(measured) if measured is not None else ""
    lines = [Draft(Line.CARGO, line_value(quantity, deal.price_per_tonne), reference=moisture, quantity=quantity,
                   unit_price=deal.price_per_tonne)]
    adjustments = worth.adjusted.lines if worth.adjusted is not None else ()
    for index, adjustment in enumerate(adjustments):
        so_far = sum((line.amount for line in lines), Decimal(0))
        last = index == len(adjustments) - 1
        amount = shipment.final_value - so_far if last else line_value(quantity, adjustment.change)
        lines.append(Draft(Line.ADJUSTMENT, amount, reference=f"{adjustment.parameter} "
                           f"{adjustment.result.normalize():,f}", quantity=quantity, unit_price=adjustment.change))
    if not adjustments and lines[0].amount != shipment.final_value:
        # No adjustment but a different value (a dry-tonne basis): the cargo line is the final value itself.
        lines = [Draft(Line.CARGO, shipment.final_value, reference=moisture, quantity=quantity,
                       unit_price=shipment.final_price)]
    return lines


@transaction.atomic
def final_issue(*, shipment: Shipment, by: User, issued_on: date | None = None) -> Invoice:
    """Bill a cargo on its confirmed final value, less what its provisional invoice and its share of the
    prepayment billed; a negative balance is owed back, and numbered as a credit note."""
    shipment, deal = _lock_shipment(shipment)
    issued_on = _issue_day(by, deal, issued_on)
    if shipment.finalised_at is None or shipment.final_value is None:
        raise RuleError(_("A final invoice is made once the shipment's final value is confirmed."))
    if shipment.invoices.filter(kind=Kind.FINAL).exists():
        raise RuleError(_("This shipment has its final invoice already: correct it by a credit or debit note."))
    lines = _final_lines(shipment, deal)
    provisionals = standing_provisionals(shipment)
    lines += [Draft(Line.LESS_INVOICE, -invoice.billed, reference=invoice.number)  # type: ignore[attr-defined]
              for invoice in provisionals]
    prepaid = _prepayment_share(deal, shipment)
    if prepaid is not None:
        lines.append(Draft(Line.LESS_PREPAYMENT, -prepaid[1], reference=prepaid[0].number))
    against = provisionals[-1] if provisionals else (prepaid[0] if prepaid else None)
    return _issue(deal=deal, kind=Kind.FINAL, shipment=shipment, issued_on=issued_on, lines=lines, by=by,
                  against=against,
                  due_on=money.due_date(kind=Kind.FINAL, issued_on=issued_on, bl_date=shipment.bl_date,
                                        payment_days=deal.payment_days))


# --- Credit and debit notes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimNote:
    """What a settled claim's credit note adjusts: the contract, its shipment if tied to one, the invoice."""

    deal: Deal
    shipment: Shipment | None
    against: Invoice | None


def claim_note_target(complaint: Complaint) -> ClaimNote | None:
    """The contract a settled claim is credited on: the shipment it is tied to (CargoClaim), else the signed
    contract of the customer it names; None when neither is found."""
    claim = CargoClaim.objects.filter(complaint=complaint).select_related("shipment__deal").first()
    if claim is not None:
        shipment: Shipment | None = claim.shipment
        deal = claim.shipment.deal
        invoices = Invoice.objects.filter(shipment=shipment)
    else:
        number = complaint.contract_number.strip()
        found = Deal.objects.filter(customer=complaint.customer_id, outcome=Outcome.WON,
                                    contract_number__iexact=number).first() if number else None
        if found is None:
            return None
        shipment, deal = None, found
        invoices = Invoice.objects.filter(deal=deal)
    # The invoice of the cargo billed last: the final one unless it was a credit balance, else the provisional.
    against = (invoices.filter(amount__gt=0, kind__in=[Kind.FINAL, Kind.PROVISIONAL])
               .order_by("-issued_on", "-pk").first())
    return ClaimNote(deal, shipment, against)


def claim_settled_by_credit(complaint: Complaint) -> bool:
    return (complaint.status in (Complaint.Status.RESOLVED, Complaint.Status.CLOSED)
            and complaint.settlement in SETTLED_BY_CREDIT and bool(complaint.settled_amount))


@transaction.atomic
def claim_credit_note_issue(*, complaint: Complaint, by: User, issued_on: date | None = None) -> Invoice:
    """The credit note for a claim settled by a credit note or a price discount: the settled amount, against
    the cargo's invoice; one per complaint."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if not claim_settled_by_credit(complaint):
        raise RuleError(_("Only a claim resolved by a credit note or a price discount, with the amount settled, "
                          "is credited."))
    target = claim_note_target(complaint)
    if target is None:
        raise RuleError(_("This claim names no signed contract of the customer: tie it to its shipment first."))
    issued_on = _issue_day(by, target.deal, issued_on)
    if Invoice.objects.filter(complaint=complaint).exists():
        raise RuleError(_("This claim's credit note is issued already."))
    if complaint.claimed_currency and complaint.claimed_currency != target.deal.currency:
        raise RuleError(_("The claim is settled in %(claim)s and the contract is invoiced in %(contract)s: "
                          "record the settled amount in the contract's currency.")
                        % {"claim": complaint.claimed_currency, "contract": target.deal.currency})
    assert complaint.settled_amount is not None
    return _issue(deal=target.deal, kind=Kind.CREDIT_NOTE, shipment=target.shipment, issued_on=issued_on,
                  due_on=issued_on, by=by, against=target.against, complaint=complaint,
                  lines=[Draft(Line.CLAIM, -complaint.settled_amount, reference=f"#{complaint.pk}")])


@transaction.atomic
def correction_issue(*, invoice: Invoice, amount: Decimal, reason: str, by: User,
                     issued_on: date | None = None) -> Invoice:
    """Correct an issued invoice: a credit note (a negative amount) or a debit note (positive) against it,
    with the reason. A credit note cannot take back more than the invoice billed net of earlier credits."""
    invoice = Invoice.objects.select_for_update().select_related("deal").get(pk=invoice.pk)
    issued_on = _issue_day(by, invoice.deal, issued_on)
    if invoice.amount <= 0:
        raise RuleError(_("A credit note is not corrected: issue a note against the invoice it adjusts."))
    if not amount:
        raise RuleError(_("Give the amount to credit (negative) or to debit (positive)."))
    if not reason.strip():
        raise RuleError(_("Say why the invoice is corrected."))
    if issued_on < invoice.issued_on:
        raise RuleError(_("A note is issued on or after the invoice it corrects."))
    credited = invoice.adjustments.filter(amount__lt=0).aggregate(total=Sum("amount"))["total"] or Decimal(0)
    if amount < 0 and -amount > invoice.amount + credited:
        raise RuleError(_("A credit note takes back at most what the invoice billed net of earlier credits, "
                          "%(amount)s %(currency)s.") % {"amount": f"{invoice.amount + credited:,.2f}",
                                                         "currency": invoice.currency})
    kind = Kind.CREDIT_NOTE if amount < 0 else Kind.DEBIT_NOTE
    return _issue(deal=invoice.deal, kind=kind, shipment=invoice.shipment, issued_on=issued_on, by=by,
                  due_on=money.due_date(kind=kind, issued_on=issued_on), against=invoice, note=reason,
                  lines=[Draft(Line.LESS_INVOICE if amount < 0 else Line.ADJUSTMENT, amount, reference=invoice.number)])


# --- Payments -------------------------------------------------------------------------------------------


def fifo_allocations(user: User, customer: Customer, amount: Decimal, currency: str) -> dict[int, Decimal]:
    """How a payment settles the customer's open invoices in its currency, the oldest due first."""
    items = [money.OpenItem(invoice.pk, invoice.due_on, invoice.open_amount)
             for invoice in open_invoices_of(user, customer).filter(currency=currency)]
    allocations, _left = money.allocate_fifo(amount, items)
    return {allocation.key: allocation.amount for allocation in allocations}


@transaction.atomic
def payment_record(*, customer: Customer, received_on: date, amount: Decimal, currency: str, by: User,
                   rate_to_base: Decimal | None = None, bank_reference: str = "", note: str = "",
                   allocations: dict[int, Decimal] | None = None) -> Payment:
    """Record money received and the invoices it settles (FIFO when none are given); the rest stays on
    account. The customer is locked, so that two payments recorded at once cannot both settle the same
    open amount."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if not can_record_payment(by, customer):
        raise RuleError(_("Only the customer's owner, their manager or a director records its payments."))
    if amount <= 0:
        raise RuleError(_("A payment received is a positive amount."))
    if received_on > timezone.localdate():
        raise RuleError(_("A payment is recorded once received, not in the future."))
    currency = currency.upper()
    if currency == settings.BASE_CURRENCY:
        rate_to_base = Decimal(1)
    elif rate_to_base is None:
        rate_to_base = rate_for(currency, received_on)  # no rate known: the RuleError asks for one
    if rate_to_base <= 0:
        raise RuleError(_("The exchange rate is a positive number."))
    if allocations is None:
        allocations = fifo_allocations(by, customer, amount, currency)
    allocations = {pk: value for pk, value in allocations.items() if value}
    if any(value < 0 for value in allocations.values()):
        raise RuleError(_("An amount allocated to an invoice is positive."))
    if sum(allocations.values(), Decimal(0)) > amount:
        raise RuleError(_("The amounts allocated add up to more than the payment."))
    # Locked, so that what is open on them is not credited meanwhile.
    invoices = {invoice.pk: invoice for invoice in Invoice.objects.select_for_update(of=("self",))
                .filter(pk__in=allocations).select_related("deal").order_by("pk")}
    for pk, value in allocations.items():
        invoice = invoices.get(pk)
        if invoice is None or invoice.deal.customer_id != customer.pk:
            raise RuleError(_("A payment settles only its customer's invoices."))
        if invoice.currency != currency:
            raise RuleError(_("Invoice %(number)s is in %(invoice)s and the payment in %(payment)s: record the "
                              "payment in the invoice's currency.")
                            % {"number": invoice.number, "invoice": invoice.currency, "payment": currency})
        if value > invoice.open_amount:
            raise RuleError(_("%(amount)s is more than is open on invoice %(number)s (%(open)s).")
                            % {"amount": f"{value:,.2f}", "number": invoice.number,
                               "open": f"{invoice.open_amount:,.2f}"})
    payment = Payment.objects.create(customer=customer, received_on=received_on, amount=amount, currency=currency,
                                     rate_to_base=rate_to_base, amount_base=money.cents(amount * rate_to_base),
                                     bank_reference=bank_reference.strip(), note=note.strip(), recorded_by=by)
    PaymentAllocation.objects.bulk_create(PaymentAllocation(payment=payment, invoice_id=pk, amount=value)
                                          for pk, value in allocations.items())
    invoice_balances_refresh(allocations)
    # Cash collected: the contracts' sellers' for what settles their invoices, the customer's owner's on account.
    figures_changed(days=[received_on], people=[customer.owner_id, *(
        person for invoice in invoices.values()
        for person in (invoice.deal.owner_id, invoice.deal.credited_to_id, invoice.deal.co_seller_id))])
    return payment
