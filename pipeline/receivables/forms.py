"""Forms of the receivables pages: a correction of an invoice, and a payment with what it settles of
each open invoice. Rules live in services.py; these only check what a form can see on its own."""

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.bounds import BusinessDateField
from accounts.forms.fields import field_of
from accounts.widgets import DateInput
from pipeline.forms.deals import currency_choices

from .models import Invoice

AMOUNT = {"max_digits": 16, "decimal_places": 2}


class CorrectionForm(forms.Form):
    """A credit note (negative) or a debit note (positive) against an issued invoice."""

    amount = forms.DecimalField(label=_("Amount"), help_text=_("Negative: a credit note; positive: a debit note."),
                                max_digits=16, decimal_places=2)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class PaymentForm(forms.Form):
    """A payment received, and an amount settled per open invoice of the customer (blank: oldest due first)."""

    received_on = BusinessDateField(label=pgettext_lazy("payment", "Received on"), widget=DateInput)
    amount = forms.DecimalField(label=_("Amount"), min_value=Decimal("0.01"), max_digits=16, decimal_places=2)
    currency = forms.ChoiceField(label=_("Currency"), choices=())
    rate_to_base = forms.DecimalField(label=_("Rate to the base currency"), required=False, max_digits=14,
                                      decimal_places=6, min_value=Decimal("0.000001"),
                                      help_text=_("Blank: the rate in force on the day received."))
    bank_reference = forms.CharField(label=_("Bank reference"), max_length=60, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    # One per form shown: the same form sent twice (a double click, a resend) records one payment.
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=32)

    def __init__(self, *args: Any, invoices: list[Invoice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invoices = invoices
        self.fields["token"].initial = uuid.uuid4().hex
        field_of(self, "currency", forms.ChoiceField).choices = currency_choices()
        self.fields["received_on"].initial = timezone.localdate()
        self.fields["rate_to_base"].help_text = _("Units of %(base)s per unit of the payment's currency; blank: "
                                                  "the rate in force on the day received.") % {
            "base": settings.BASE_CURRENCY}
        if invoices:
            self.fields["currency"].initial = invoices[0].currency
        for invoice in invoices:
            self.fields[self.allocation_name(invoice)] = forms.DecimalField(
                label=invoice.number, required=False, min_value=Decimal(0), max_digits=16, decimal_places=2)

    @staticmethod
    def allocation_name(invoice: Invoice) -> str:
        return f"invoice_{invoice.pk}"

    def rows(self) -> list[tuple[Invoice, forms.BoundField]]:
        return [(invoice, self[self.allocation_name(invoice)]) for invoice in self.invoices]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        currency, amount = cleaned.get("currency"), cleaned.get("amount")
        total = Decimal(0)
        for invoice in self.invoices:
            name = self.allocation_name(invoice)
            value = cleaned.get(name)
            if not value:
                continue
            total += value
            open_amount = invoice.open_amount
            if currency and invoice.currency != currency:
                self.add_error(name, _("This invoice is in %(currency)s.") % {"currency": invoice.currency})
            elif value > open_amount:
                self.add_error(name, _("More than is open on it (%(open)s).") % {"open": f"{open_amount:,.2f}"})
        if amount is not None and total > amount:
            self.add_error(None, _("The amounts allocated add up to %(total)s, more than the payment.")
                           % {"total": f"{total:,.2f}"})
        return cleaned

    def allocations(self) -> dict[int, Decimal] | None:
        """The amounts given per invoice; None when all are blank (the service then settles oldest due first)."""
        given = {invoice.pk: self.cleaned_data[self.allocation_name(invoice)] for invoice in self.invoices
                 if self.cleaned_data.get(self.allocation_name(invoice))}
        return given or None
