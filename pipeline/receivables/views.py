"""Receivables pages: an invoice with its lines, payments and notes; issuing a contract's invoices and a
settled claim's credit note; recording a payment. Scoped like the contract or the customer they belong
to: 404 outside it, 403 on a change by someone who may only look."""

from collections.abc import Callable

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access
from accounts.models import in_reader_language
from accounts.pages import AuthenticatedRequest
from accounts.services import RuleError
from accounts.sql import joins_as_written
from customers import selectors as customer_selectors
from pipeline import selectors as pipeline_selectors
from pipeline.execution.selectors import shipments_visible_to
from pipeline.models import Deal, Outcome, SpecParameter

from . import money, selectors, services
from .forms import CorrectionForm, PaymentForm
from .models import Invoice, InvoiceLine
from .panels import badge


def _invoices(request: AuthenticatedRequest) -> QuerySet[Invoice]:
    return selectors.invoices_visible_to(request.user).select_related(
        "deal__customer", "deal__commodity", "shipment", "against", "complaint", "issued_by")


SENT_FORMS_KEPT = 24 * 3600  # seconds a payment form's token is remembered


def _issue(request: AuthenticatedRequest, deal: Deal, issue: Callable[[], Invoice], back: str) -> HttpResponse:
    """Issue an invoice of `deal` by `issue()` for who may; on a refusal, its reason on the page `back`."""
    if not selectors.can_invoice(request.user, deal):
        raise PermissionDenied
    try:
        invoice = issue()
    except RuleError as error:
        messages.error(request, str(error))
        return redirect(back)
    return _issued(request, invoice)


def _issued(request: AuthenticatedRequest, invoice: Invoice) -> HttpResponse:
    messages.success(request, _("%(title)s %(number)s was issued.") % {"title": invoice.title,
                                                                       "number": invoice.number})
    return redirect("receivables:invoice", pk=invoice.pk)


def line_text(line: InvoiceLine, invoice: Invoice, names: dict[str, tuple[str, str]], dry: bool = False) -> str:
    """An invoice line's words in the reader's language: "59,640 t x 95.80 USD/t", "Less invoice INV-...";
    `dry` when the invoice's cargo is billed per dry metric tonne, which its price adjustments are too."""
    currency = invoice.currency
    if line.kind == InvoiceLine.Kind.CARGO and line.quantity_tonnes is not None and line.unit_price is not None:
        if line.reference:  # the moisture the tonnes were dried by: a price per dry metric tonne
            return _("%(tonnes)s dmt x %(price)s %(currency)s/dmt (dry at %(moisture)s %% moisture)") % {
                "tonnes": f"{line.quantity_tonnes.normalize():,f}", "price": f"{line.unit_price:,.2f}",
                "currency": currency, "moisture": line.reference}
        return _("%(tonnes)s t x %(price)s %(currency)s/t") % {"tonnes": f"{line.quantity_tonnes.normalize():,f}",
                                                              "price": f"{line.unit_price:,.2f}", "currency": currency}
    if line.kind == InvoiceLine.Kind.ADJUSTMENT and line.quantity_tonnes is not None and line.unit_price is not None:
        code, _space, result = line.reference.partition(" ")
        name, unit = names.get(code, (code, ""))
        text = (_("Price adjustment, %(parameter)s %(result)s: %(tonnes)s dmt x %(change)s %(currency)s/dmt") if dry
                else _("Price adjustment, %(parameter)s %(result)s: %(tonnes)s t x %(change)s %(currency)s/t"))
        return text % {
            "parameter": name, "result": f"{result} {unit}".strip(), "tonnes": f"{line.quantity_tonnes.normalize():,f}",
            "change": f"{line.unit_price:,.2f}", "currency": currency}
    if invoice.kind in (Invoice.Kind.CREDIT_NOTE, Invoice.Kind.DEBIT_NOTE) and line.kind != InvoiceLine.Kind.CLAIM:
        return _("Correction of invoice %(number)s") % {"number": line.reference}
    texts: dict[str, str] = {
        InvoiceLine.Kind.LESS_INVOICE: _("Less invoice %(reference)s"),
        InvoiceLine.Kind.LESS_PREPAYMENT: _("Less prepayment invoice %(reference)s"),
        InvoiceLine.Kind.PREPAYMENT: _("Prepayment: %(reference)s %% of the contract value"),
        InvoiceLine.Kind.CLAIM: _("Claim settled: complaint %(reference)s"),
    }
    return texts.get(line.kind, "%(reference)s") % {"reference": line.reference}


def _invoice_page(request: AuthenticatedRequest, invoice: Invoice, form: CorrectionForm | None = None) -> HttpResponse:
    deal = invoice.deal
    can_correct = selectors.can_invoice(request.user, deal) and invoice.amount > 0
    names = {parameter.code: (in_reader_language(parameter.name, parameter.name_zh), parameter.unit)
             for parameter in SpecParameter.objects.filter(specification=deal.specification_id)}
    lines = list(invoice.lines.all())
    dry = any(line.kind == InvoiceLine.Kind.CARGO and line.reference for line in lines)
    return render(request, "receivables/invoice_detail.html", {
        "invoice": invoice, "deal": deal,
        "lines": [(line_text(line, invoice, names, dry), line) for line in lines],
        "allocations": list(invoice.allocations.select_related("payment").order_by("payment__received_on", "pk")),
        "notes": list(invoice.adjustments.order_by("issued_on", "pk")),
        "badge": badge(invoice, timezone.localdate()),
        "form": form or (CorrectionForm() if can_correct else None),
    })


@access.sellers_only
def invoice_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    # The invoice by its key with its contract, customer, commodity, shipment, notes' invoice, complaint and issuer
    # joined in the order written (accounts.sql): PostgreSQL weighed the orders of the seven joins for 8 ms to run
    # the query in 1.
    with joins_as_written():
        invoice = access.get_visible_or_404(_invoices(request), pk=pk)
    return _invoice_page(request, invoice)


@access.sellers_only
@require_POST
def invoice_correct(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    invoice = access.get_visible_or_404(_invoices(request), pk=pk)
    if not selectors.can_invoice(request.user, invoice.deal):
        raise PermissionDenied
    form = CorrectionForm(request.POST)
    if form.is_valid():
        try:
            note = services.correction_issue(invoice=invoice, amount=form.cleaned_data["amount"],
                                             reason=form.cleaned_data["reason"], by=request.user)
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            return _issued(request, note)
    return _invoice_page(request, invoice, form)


@access.sellers_only
@require_POST
def shipment_invoice(request: AuthenticatedRequest, pk: int, kind: str) -> HttpResponse:
    """Issue a shipment's provisional (on its B/L) or final invoice (on its final value), dated today."""
    shipment = access.get_visible_or_404(shipments_visible_to(request.user).select_related("deal"), pk=pk)
    if kind not in (Invoice.Kind.PROVISIONAL, Invoice.Kind.FINAL):
        raise Http404
    issue = services.provisional_issue if kind == Invoice.Kind.PROVISIONAL else services.final_issue
    return _issue(request, shipment.deal, lambda: issue(shipment=shipment, by=request.user),
                  reverse("deals:detail", args=[shipment.deal_id]))


@access.sellers_only
@require_POST
def prepayment_invoice(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    deal: Deal = access.get_visible_or_404(pipeline_selectors.deals_visible_to(request.user)
                                           .filter(outcome=Outcome.WON), pk=pk)
    return _issue(request, deal, lambda: services.prepayment_issue(deal=deal, by=request.user),
                  reverse("deals:detail", args=[deal.pk]))


@access.sellers_only
@require_POST
def complaint_credit_note(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Issue the credit note of a claim settled by a credit note or a discount, on the contract it is about."""
    complaint = access.get_visible_or_404(customer_selectors.complaints_visible_to(request.user), pk=pk)
    target = services.claim_note_target(complaint)
    if target is None or not pipeline_selectors.deals_visible_to(request.user).filter(pk=target.deal.pk).exists():
        raise Http404
    return _issue(request, target.deal, lambda: services.claim_credit_note_issue(complaint=complaint, by=request.user),
                  reverse("complaints:detail", args=[complaint.pk]))


@access.sellers_only
def payment_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Record a payment from a customer, with what it settles of each open invoice: blank settles the oldest
    due first; "Spread oldest first" fills the amounts in for checking before saving."""
    customer = access.get_visible_or_404(customer_selectors.customers_visible_to(request.user), pk=pk)
    if not selectors.can_record_payment(request.user, customer):
        raise PermissionDenied
    invoices = list(selectors.open_invoices_of(request.user, customer))
    form = PaymentForm(request.POST or None, invoices=invoices)
    if request.method == "POST" and "spread" in request.POST:
        form = _spread(request, form, invoices)
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        sent = f"receivables:payment-form:{request.user.pk}:{data['token']}"
        if data["token"] and not cache.add(sent, True, timeout=SENT_FORMS_KEPT):
            form.add_error(None, _("This payment is recorded already: the form was sent twice. The customer's "
                                   "page lists its payments."))
            return render(request, "receivables/payment_form.html", {"form": form, "customer": customer})
        try:
            payment = services.payment_record(
                customer=customer, received_on=data["received_on"], amount=data["amount"], currency=data["currency"],
                rate_to_base=data["rate_to_base"], bank_reference=data["bank_reference"], note=data["note"],
                allocations=form.allocations(), by=request.user)
        except RuleError as error:
            cache.delete(sent)  # refused: the corrected form may be sent again
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The payment was recorded."))
            return redirect("receivables:payment", pk=payment.pk)
    return render(request, "receivables/payment_form.html", {"form": form, "customer": customer})


def _spread(request: AuthenticatedRequest, form: PaymentForm, invoices: list[Invoice]) -> PaymentForm:
    """The form again with the amount spread over the open invoices in its currency, the oldest due first."""
    form.is_valid()
    amount, currency = form.cleaned_data.get("amount"), form.cleaned_data.get("currency")
    if amount is None or not currency:
        return form
    data = request.POST.copy()
    data.pop("spread", None)
    items = [money.OpenItem(invoice.pk, invoice.due_on, invoice.open_amount)
             for invoice in invoices
             if invoice.currency == currency]
    spread = {allocation.key: allocation.amount for allocation in money.allocate_fifo(amount, items)[0]}
    for invoice in invoices:
        data[PaymentForm.allocation_name(invoice)] = f"{spread[invoice.pk]:.2f}" if invoice.pk in spread else ""
    return PaymentForm(data, invoices=invoices)


@access.sellers_only
def payment_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    payment = access.get_visible_or_404(selectors.with_allocated(selectors.payments_visible_to(request.user))
                                        .select_related("customer", "recorded_by"), pk=pk)
    visible = selectors.invoices_visible_to(request.user).filter(pk=OuterRef("invoice"))
    allocations = list(payment.allocations.select_related("invoice__deal").annotate(can_open=Exists(visible))
                       .order_by("invoice__due_on", "pk"))
    return render(request, "receivables/payment_detail.html", {"payment": payment, "allocations": allocations})
