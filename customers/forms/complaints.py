"""Forms of the complaint pages; every choice is narrowed to what the user may see."""

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.bounds import BusinessDateTimeField
from accounts.choices import display
from accounts.forms.fields import field_of
from accounts.models import User
from accounts.widgets import DateTimeInput

from .. import selectors
from ..complaints import CLOCK_SKEW, allowed_moves, is_reopening
from ..models import Complaint, Contact, Customer
from ..selectors import possible_assignees


class ContactChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, contact: Contact) -> str:
        return f"{contact.name} · {contact.customer}"


class ComplaintForm(forms.Form):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none())
    contact = ContactChoiceField(
        label=_("Contact"), queryset=Contact.objects.none(), required=False,
        help_text=_("Who at the customer raised it, if known."),
    )
    received_at = BusinessDateTimeField(label=_("Received"), widget=DateTimeInput)
    channel = forms.ChoiceField(label=_("Received through"), choices=Complaint.Channel.choices)
    category = forms.ChoiceField(label=_("Category"), choices=Complaint.Category.choices)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Complaint.Severity.choices, initial=Complaint.Severity.MEDIUM,
        help_text=_("Sets the deadlines to respond and to resolve: critical 4 hours and 2 days, high 8 hours and "
                    "5 days, medium 24 hours and 10 days, low 72 hours and 20 days."),
    )
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))
    contract_number = forms.CharField(label=_("Contract number"), max_length=60, required=False)
    claimed_amount = forms.DecimalField(label=_("Claimed amount"), max_digits=16, decimal_places=2, required=False)
    claimed_currency = forms.CharField(
        label=_("Currency"), max_length=3, required=False, help_text=_("Three letters, e.g. USD or CNY.")
    )
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=User.objects.none(),
                                      help_text=_("The customer service colleague who handles it."))

    def __init__(self, *args: Any, user: User, customer: Customer | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        customer_field = field_of(self, "customer", forms.ModelChoiceField)
        customer_field.empty_label = _("Choose a customer")
        contacts = selectors.contacts_visible_to(user).select_related("customer")
        if customer is not None:
            # Chosen first (from the customer's page, or by the search when there are too many to list): that
            # customer and its contacts only.
            customer_field.queryset = selectors.customers_visible_to(user).filter(pk=customer.pk)
            customer_field.initial = customer.pk
            contacts = contacts.filter(customer=customer)
        else:
            customer_field.queryset = selectors.customers_visible_to(user)
        contact_field = field_of(self, "contact", forms.ModelChoiceField)
        contact_field.queryset = contacts
        contact_field.empty_label = _("Not known")
        assignee_field = field_of(self, "assignee", forms.ModelChoiceField)
        assignee_field.queryset = possible_assignees()
        assignee_field.empty_label = _("Choose a colleague")
        if selectors.can_handle_complaints(user):
            assignee_field.initial = user.pk
        self.fields["received_at"].initial = timezone.localtime().replace(second=0, microsecond=0)

    def clean_received_at(self) -> datetime:
        received_at = self.cleaned_data["received_at"]
        if received_at > timezone.now() + CLOCK_SKEW:
            raise ValidationError(_("A complaint cannot be received in the future."))
        return received_at

    def clean_claimed_amount(self) -> Decimal | None:
        amount = self.cleaned_data["claimed_amount"]
        if amount is not None and amount <= 0:
            raise ValidationError(_("A claimed amount must be more than zero."))
        return amount

    def clean_claimed_currency(self) -> str:
        currency = self.cleaned_data["claimed_currency"].strip().upper()
        if currency and not re.fullmatch(r"[A-Z]{3}", currency):
            raise ValidationError(_("Enter a three-letter currency code, e.g. USD or CNY."))
        return currency

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        customer, contact = cleaned.get("customer"), cleaned.get("contact")
        if customer and contact and contact.customer_id != customer.pk:
            self.add_error(
                "contact",
                _("%(contact)s is not a contact of %(customer)s: choose one of its contacts or leave this empty.")
                % {"contact": contact.name, "customer": customer},
            )
        amount, currency = cleaned.get("claimed_amount"), cleaned.get("claimed_currency")
        if amount is not None and "claimed_currency" not in self.errors and not currency:
            self.add_error("claimed_currency", _("Give the currency of the claimed amount."))
        if amount is None and currency and "claimed_amount" not in self.errors:
            self.add_error("claimed_amount", _("Give the claimed amount, or leave the currency empty."))
        return cleaned


class ComplaintTransitionForm(forms.Form):
    # The status the user saw: a move chosen on a page that has since gone stale is refused.
    from_status = forms.ChoiceField(choices=Complaint.Status.choices, widget=forms.HiddenInput)
    to_status = forms.ChoiceField(label=_("New status"), choices=())
    text = forms.CharField(
        label=_("Resolution, reason or note"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when resolving (the resolution) and when reopening (the reason)."),
    )
    # How a claim was settled: recorded when resolving, money given back with its amount.
    settlement = forms.ChoiceField(label=_("Settled by"), choices=[("", "—"), *Complaint.Settlement.choices],
                                   required=False, help_text=_("When resolving a claim."))
    settled_amount = forms.DecimalField(
        label=_("Settled amount"), max_digits=16, decimal_places=2, min_value=0, required=False,
        help_text=_("In the claim's currency; required for a credit note or a price discount."))

    def __init__(self, *args: Any, complaint: Complaint, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_transition_%s")  # three forms share the detail page
        super().__init__(*args, **kwargs)
        self.complaint = complaint
        self.fields["from_status"].initial = complaint.status
        field_of(self, "to_status", forms.ChoiceField).choices = [
            (status, move_label(complaint.status, status)) for status in allowed_moves(complaint.status)
        ]
        if Complaint.Status.RESOLVED not in allowed_moves(complaint.status):
            del self.fields["settlement"], self.fields["settled_amount"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("from_status") != self.complaint.status:
            # Not a field error: the hidden field has nowhere to show it.
            raise ValidationError(
                _("This complaint changed while you were looking at it: it is now %(status)s. Check it and try again."),
                params={"status": display(self.complaint, "status")},
            )
        settled = self.cleaned_data
        settled.setdefault("settlement", "")
        settled.setdefault("settled_amount", None)
        if settled.get("to_status") != Complaint.Status.RESOLVED:
            settled["settlement"], settled["settled_amount"] = "", None  # settled only when resolved
        elif settled["settled_amount"] is None and settled["settlement"] in (Complaint.Settlement.CREDIT_NOTE,
                                                                            Complaint.Settlement.DISCOUNT):
            self.add_error("settled_amount", _("Give the amount of the credit note or price discount."))
        return cleaned


def move_label(from_status: str, to_status: str) -> str:
    if is_reopening(from_status, to_status):
        return str(_("Reopen (investigating)"))
    labels: dict[str, str] = {
        Complaint.Status.INVESTIGATING: str(_("Start investigating")),
        Complaint.Status.RESOLVED: str(_("Resolve")),
        Complaint.Status.CLOSED: str(_("Close")),
    }
    return labels.get(to_status, to_status)


class ComplaintCommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_comment_%s")
        super().__init__(*args, **kwargs)


class ComplaintAssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=User.objects.none())

    def __init__(self, *args: Any, complaint: Complaint, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_assign_%s")
        super().__init__(*args, **kwargs)
        assignee_field = field_of(self, "assignee", forms.ModelChoiceField)
        assignee_field.queryset = possible_assignees()
        assignee_field.initial = complaint.assignee_id
