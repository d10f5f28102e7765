"""Receivables' parts of the pages below it (registered in ReceivablesConfig.ready): a signed contract's
invoices and figures on the deal page, a customer's balance on the customer page, and the credit note a
settled claim calls for on the complaint page."""

from dataclasses import dataclass
from datetime import date

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from accounts.pages import AuthenticatedRequest
from customers.models import Complaint, Customer
from pipeline import selectors as pipeline_selectors
from pipeline.execution.models import Shipment
from pipeline.models import Deal, Outcome

from . import selectors, services
from .models import Invoice

PAYMENTS_LISTED = 5  # the customer's latest payments on its page


@dataclass(frozen=True)
class Badge:
    css: str
    label: str


def badge(invoice: Invoice, today: date) -> Badge:
    """An invoice's standing as its badge shows it."""
    status = selectors.status_of(invoice, today)
    if status == selectors.Status.OVERDUE:
        late = (today - invoice.due_on).days
        return Badge("text-bg-danger", ngettext("Overdue %(days)d day", "Overdue %(days)d days", late) % {"days": late})
    return {
        selectors.Status.OPEN: Badge("text-bg-light border", pgettext("invoice", "Open")),
        selectors.Status.PART_PAID: Badge("text-bg-warning", _("Part paid")),
        selectors.Status.PAID: Badge("text-bg-success", _("Paid")),
        selectors.Status.CREDIT: Badge("text-bg-info", _("Credit")),
        selectors.Status.CREDITED: Badge("text-bg-secondary", _("Cancelled by credit note")),
    }[status]


@dataclass(frozen=True)
class Action:
    """An invoice a contract calls for next: its kind and the shipment it bills (none for a prepayment)."""

    kind: str
    shipment: Shipment | None = None


def next_invoices(deal: Deal, invoices: list[Invoice], shipments: list[Shipment]) -> list[Action]:
    """What the contract's terms and shipments call for that is not issued yet, from the rows already read:
    the prepayment under T/T with a deposit, a provisional invoice on each B/L, a final one on each final value."""
    actions = []
    if services.calls_for_prepayment(deal) and not any(each.kind == Invoice.Kind.PREPAYMENT for each in invoices):
        actions.append(Action(Invoice.Kind.PREPAYMENT))
    for shipment in shipments:
        own = [each for each in invoices if each.shipment_id == shipment.pk]
        if any(each.kind == Invoice.Kind.FINAL for each in own):
            continue
        if shipment.finalised_at:
            actions.append(Action(Invoice.Kind.FINAL, shipment))
            continue
        corrections = {each.pk: sum((note.amount for note in invoices if note.against_id == each.pk
                                     and note.kind in services.NOTES and note.complaint_id is None), each.amount)
                       for each in own if each.kind == Invoice.Kind.PROVISIONAL}
        if shipment.bl_tonnes is not None and shipment.bl_date and not any(left > 0 for left in corrections.values()):
            actions.append(Action(Invoice.Kind.PROVISIONAL, shipment))
    return actions


def deal_receivables_panel(request: AuthenticatedRequest, deal: Deal) -> str:
    """The contract's invoices with their standing, its figures, and the invoices it calls for next: the same
    three queries however many invoices and shipments."""
    if deal.outcome != Outcome.WON:
        return ""
    today = timezone.localdate()
    invoices = list(deal.invoices.select_related("shipment").order_by("issued_on", "pk"))
    can_issue = selectors.can_invoice(request.user, deal)
    actions = next_invoices(deal, invoices, list(deal.shipments.all())) if can_issue else []
    return render_to_string("receivables/_deal_panel.html", {
        "deal": deal, "figures": selectors.deal_figures(deal, today), "dso_days": selectors.DSO_DAYS,
        "rows": [(invoice, badge(invoice, today)) for invoice in invoices], "actions": actions,
    }, request=request)


def customer_receivables_panel(request: AuthenticatedRequest, customer: Customer) -> str:
    """What the customer owes, per currency, its overdue balance and latest payments, as far as the user sees
    its contracts: four queries; nothing for who sees none of its money."""
    user = request.user
    if not pipeline_selectors.can_sell(user):
        return ""
    figures = selectors.customer_figures(user, customer)
    payments = list(selectors.with_allocated(selectors.payments_visible_to(user).filter(customer=customer).only(
        "received_on", "amount", "currency", "bank_reference"))[:PAYMENTS_LISTED])
    can_record = selectors.can_record_payment(user, customer)
    if not figures.per_currency and not payments and not can_record:
        return ""
    return render_to_string("receivables/_customer_panel.html", {
        "customer": customer, "figures": figures, "payments": payments, "can_record": can_record,
        "dso_days": selectors.DSO_DAYS,
    }, request=request)


def customer_overdue_flag(request: AuthenticatedRequest, customer: Customer) -> str:
    """The receivables tab's badge on the customer page: whether an invoice the user sees is past due and unpaid."""
    if not selectors.invoices_visible_to(request.user, customer).filter(
            selectors.overdue_q(timezone.localdate())).exists():
        return ""
    return _("Overdue")


def complaint_credit_panel(request: AuthenticatedRequest, complaint: Complaint) -> str:
    """A claim settled by a credit note or a discount: its credit note, or the button to issue it, for who sees
    the contract it is about."""
    if not services.claim_settled_by_credit(complaint):
        return ""
    target = services.claim_note_target(complaint)
    if target is None or not pipeline_selectors.deals_visible_to(request.user).filter(pk=target.deal.pk).exists():
        return ""
    note = Invoice.objects.filter(complaint=complaint).first()
    return render_to_string("receivables/_complaint_panel.html", {
        "complaint": complaint, "target": target, "note": note,
        "can_issue": note is None and selectors.can_invoice(request.user, target.deal),
    }, request=request)
