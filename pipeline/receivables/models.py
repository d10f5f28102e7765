"""A signed contract's invoices (发票) with their lines, credit and debit notes (贷项/借项通知单), and the
payments received (回款) with the invoices each one settles. Figures come from money.py.

An issued invoice is a fact: it is never edited; a mistake is corrected by a credit or debit note
against it. Amounts are signed by their effect on what the customer owes: an invoice or debit note
is positive, a credit note negative (a final invoice is negative when the provisional one billed more
than the cargo's final value: it is then numbered and shown as a credit note)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.bounds import business_range_constraint, validate_business_date
from accounts.choices import display
from accounts.models import Digits
from customers.models import Complaint, Customer
from pipeline.execution.models import TONNES, Shipment
from pipeline.models import MONEY, Deal

from . import money

RATE = Digits(max_digits=14, decimal_places=6)


class Invoice(models.Model):
    class Kind(models.TextChoices):
        PREPAYMENT = money.Kind.PREPAYMENT, _("Prepayment invoice")
        PROVISIONAL = money.Kind.PROVISIONAL, _("Provisional invoice")
        FINAL = money.Kind.FINAL, _("Final invoice")
        CREDIT_NOTE = money.Kind.CREDIT_NOTE, _("Credit note")
        DEBIT_NOTE = money.Kind.DEBIT_NOTE, _("Debit note")

    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("contract"))
    # None for a prepayment, billed before any cargo is loaded.
    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, null=True, blank=True, related_name="invoices",
                                 verbose_name=_("shipment"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    number = models.CharField(_("number"), max_length=20, unique=True)
    issued_on = models.DateField(_("issued on"), validators=[validate_business_date])
    due_on = models.DateField(_("due on"), validators=[validate_business_date])
    currency = models.CharField(_("currency"), max_length=3)
    amount = models.DecimalField(_("amount"), **MONEY)
    # The rate in force on the issue date, and the amount in the base currency at it.
    rate_to_base = models.DecimalField(_("rate to the base currency"), **RATE)
    amount_base = models.DecimalField(_("amount in base currency"), **MONEY)
    # The invoice a credit or debit note (or a final invoice's balance) adjusts.
    against = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="adjustments",
                                verbose_name=_("adjusts"))
    # The settled claim a credit or debit note is issued for.
    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="invoices", verbose_name=_("complaint"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("issued by"))
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)
    # Derived figures, like a running balance: kept by the services that write what they are made of
    # (services.invoice_balances_refresh, in the same transaction), never typed in. `allocated`: the payments
    # allocated to it; `credited`: the credit notes against it (negative); `open_amount`: what is still owed,
    # amount - allocated + credited, or 0 on a credit note against an invoice (it counts in that invoice's).
    # Stored because the ageing and overdue figures summed them per invoice over every invoice.
    allocated = models.DecimalField(pgettext_lazy("invoice", "received"), default=Decimal(0), editable=False, **MONEY)
    credited = models.DecimalField(_("credited"), default=Decimal(0), editable=False, **MONEY)
    open_amount = models.DecimalField(_("outstanding"), default=Decimal(0), editable=False, **MONEY)

    class Meta:
        ordering = ["issued_on", "pk"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        indexes = [models.Index(fields=["deal", "kind"]), models.Index(fields=["due_on"]),
                   models.Index(fields=["issued_on"]),
                   # The open invoices by due date (ageing, overdue): a small part of all of them.
                   models.Index(fields=["due_on"], include=["open_amount", "rate_to_base", "deal", "id"],
                                condition=Q(open_amount__gt=0), name="invoice_open_by_due"),
                   # The API lists the newest first: read in order from an index, not sorted from every row.
                   models.Index(fields=["-issued_at", "-id"], name="invoice_newest_first")]
        constraints = [
            models.UniqueConstraint(fields=["shipment"], condition=Q(kind=money.Kind.FINAL),
                                    name="one_final_invoice_per_shipment"),
            models.UniqueConstraint(fields=["complaint"], condition=Q(complaint__isnull=False),
                                    name="one_note_per_complaint"),
            models.CheckConstraint(condition=Q(kind=money.Kind.CREDIT_NOTE, amount__lt=0)
                                   | Q(kind=money.Kind.FINAL)
                                   | Q(kind__in=[money.Kind.PREPAYMENT, money.Kind.PROVISIONAL,
                                                 money.Kind.DEBIT_NOTE], amount__gt=0),
                                   name="invoice_amount_signed_by_kind"),
            models.CheckConstraint(condition=Q(due_on__gte=F("issued_on")), name="invoice_due_after_issue"),
            models.CheckConstraint(condition=Q(rate_to_base__gt=0), name="invoice_rate_positive"),
            models.CheckConstraint(condition=Q(allocated__gte=0, credited__lte=0), name="invoice_settled_signed"),
            business_range_constraint("invoice", "issued_on"),
            business_range_constraint("invoice", "due_on"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_credit(self) -> bool:
        """A credit note, or a final invoice that owes the customer money back: shown as a credit note."""
        return self.amount < 0

    @property
    def title(self) -> str:
        if self.kind == self.Kind.FINAL and self.is_credit:
            return str(_("Credit note (final invoice)"))
        return display(self, "kind")


class OwedTally(models.Model):
    """What customers owe that falls due on one day: the open invoices (open_amount > 0) due then, and their open
    amounts in the base currency at each invoice's rate, unrounded. Kept by the database itself (triggers on the
    invoices' table, migration 0004) on every insert, update and delete of an invoice, in the same transaction:
    the director's ageing sums these few hundred days instead of 13,500 open invoices (3.6 ms of the dashboard).
    A day may hold 0 once its invoices are paid. Never written by the application; `manage.py pipeline_tally`
    checks it."""

    due_on = models.DateField(unique=True)
    invoices = models.IntegerField(default=0)
    # open_amount (2 places) times rate_to_base (6 places), summed exactly: rounded to the cent once, as the sum
    # of the invoices themselves is.
    owed_base = models.DecimalField(max_digits=30, decimal_places=8, default=Decimal(0))

    def __str__(self) -> str:
        return f"{self.due_on}: {self.invoices}"


class InvoiceLine(models.Model):
    """One line of an invoice: the cargo at its price, a quality adjustment, or a deduction of what an
    earlier invoice billed. The words are chosen from `kind` when shown, in the reader's language."""

    class Kind(models.TextChoices):
        CARGO = "cargo", _("Cargo")
        ADJUSTMENT = "adjustment", _("Price adjustment")
        LESS_INVOICE = "less_invoice", _("Less invoice")
        LESS_PREPAYMENT = "less_prepayment", _("Less prepayment")
        PREPAYMENT = "prepayment", _("Prepayment")
        CLAIM = "claim", _("Claim settled")

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # What the line is about: a parameter and its result, an invoice number, a complaint number; on a cargo
    # line, the moisture its tonnes were dried by when priced per dry tonne (empty: wet tonnes).
    reference = models.CharField(_("reference"), max_length=120, blank=True)
    quantity_tonnes = models.DecimalField(_("quantity (t)"), null=True, blank=True, **TONNES)
    unit_price = models.DecimalField(_("price per tonne"), max_digits=16, decimal_places=6, null=True, blank=True)
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        ordering = ["invoice", "position"]
        constraints = [models.UniqueConstraint(fields=["invoice", "position"], name="one_invoice_line_per_position")]


class InvoiceSequence(models.Model):
    """The last number given in each series and year: locked while the next one is taken."""

    series = models.CharField(max_length=3)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="one_sequence_per_series_and_year")]


class Payment(models.Model):
    """Money received from a customer; the part not allocated to an invoice is held on account."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="payments",
                                 verbose_name=_("customer"))
    received_on = models.DateField(_("received on"), validators=[validate_business_date])
    amount = models.DecimalField(_("amount"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    rate_to_base = models.DecimalField(_("rate to the base currency"),
                                       validators=[MinValueValidator(Decimal("0.000001"))], **RATE)
    amount_base = models.DecimalField(_("amount in base currency"), **MONEY)
    bank_reference = models.CharField(_("bank reference"), max_length=60, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = _("payment received")
        verbose_name_plural = _("payments received")
        # The API lists the newest first: read in order from an index, not sorted from every row.
        indexes = [models.Index(fields=["customer", "received_on"]),
                   models.Index(fields=["-recorded_at", "-id"], name="payment_newest_first")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(rate_to_base__gt=0), name="payment_rate_positive"),
            business_range_constraint("payment", "received_on"),
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {self.received_on:%Y-%m-%d} · {self.amount:,.2f} {self.currency}"


class PaymentAllocation(models.Model):
    """The part of a payment that settles one invoice, in the invoice's (and the payment's) currency."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations",
                                verbose_name=_("invoice"))
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        ordering = ["payment", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["payment", "invoice"], name="one_allocation_per_invoice_and_payment"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
        ]
