"""The activity form, short enough to fill in on a phone after a visit; every choice is narrowed to
what the user may see."""

from datetime import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext

from accounts.bounds import BusinessDateField, BusinessDateTimeField
from accounts.choices import display
from accounts.forms.fields import ModelMultipleChoiceField, field_of
from accounts.models import User
from accounts.widgets import DateInput, DateTimeInput
from customers import selectors as customer_selectors
from customers.models import Contact, Customer

from .. import selectors
from ..activities import FUTURE_ALLOWANCE
from ..models import Activity, Deal


class DealChoiceField(forms.ModelChoiceField):
    """A deal as the activity form lists it: what, how much and how far along (the customer is chosen above)."""

    def label_from_instance(self, obj: Deal) -> str:
        grade = f" {obj.grade}" if obj.grade else ""
        tonnes = f"{obj.quantity_tonnes:,.0f} {pgettext('unit', 't')}"
        return f"{obj.commodity}{grade} · {tonnes} · {display(obj, 'stage')}"


class ActivityForm(forms.ModelForm):
    """Deal and contact are checked against everything the user may choose, so that a deal or a contact
    of another customer gets a clear message; the lists shown hold only the chosen customer's."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Activity.Kind.choices, initial=Activity.Kind.VISIT,
                             widget=forms.RadioSelect)
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none(),
                                      empty_label=_("Choose a customer"))
    deal = DealChoiceField(label=_("Deal"), queryset=Deal.objects.none(), required=False, empty_label=_("No deal"))
    contacts = ModelMultipleChoiceField(
        label=_("Contacts"), queryset=Contact.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    happened_at = BusinessDateTimeField(label=_("When"), widget=DateTimeInput)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(
        attrs={"rows": 3, "placeholder": _("What was discussed, in a few lines")}))
    outcome = forms.CharField(label=_("Outcome"), max_length=300, required=False, widget=forms.TextInput(
        attrs={"placeholder": _("e.g. will send their Q1 tender in January")}))
    next_step = forms.CharField(label=_("Next step"), max_length=300, required=False, widget=forms.TextInput(
        attrs={"placeholder": _("e.g. send a revised CFR offer")}))
    next_step_due = BusinessDateField(label=_("Next step due"), required=False, widget=DateInput)
    next_step_done = forms.BooleanField(label=_("Next step done"), required=False)

    class Meta:
        model = Activity
        fields = ("kind", "customer", "deal", "contacts", "happened_at", "summary", "outcome", "next_step",
                  "next_step_due", "next_step_done")

    def __init__(self, *args: Any, user: User, customer: Customer | None = None, deal: Deal | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Opened from a customer's (or a deal's) page: the customer is given, not chosen.
        self.fixed_customer = customer
        field_of(self, "customer", forms.ModelChoiceField).queryset = customer_selectors.customers_visible_to(user)
        # What the user may link at all; `offer_choices_of` shows only the chosen customer's.
        self.visible_deals = selectors.deals_visible_to(user).select_related("commodity", "customer")
        self.visible_contacts = customer_selectors.contacts_visible_to(user).select_related("customer")
        field_of(self, "deal", DealChoiceField).queryset = self.visible_deals
        field_of(self, "contacts", ModelMultipleChoiceField).queryset = self.visible_contacts
        self._large_touch_targets()
        if customer is not None:
            self.fields["customer"].widget = forms.HiddenInput()
            self.initial["customer"] = customer.pk  # over the instance's own, on an edit
        else:
            # Choosing a customer reloads its deals and contacts in place (htmx; without it, they follow on submit).
            self.fields["customer"].widget.attrs.update({
                "hx-get": reverse("activities:create"), "hx-target": "#activity-links", "hx-select": "#activity-links",
                "hx-swap": "outerHTML",
            })
        if deal is not None:
            self.fields["deal"].initial = deal.pk
        if self.instance.pk is None:
            del self.fields["next_step_done"]
            self.fields["happened_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        if not self.is_bound:
            self.offer_choices_of(customer or (self.instance.customer if self.instance.customer_id else None))

    def _large_touch_targets(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple)):
                continue
            large = "form-select-lg" if isinstance(widget, forms.Select) else "form-control-lg"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {large}".strip()

    def offer_choices_of(self, customer: Customer | None) -> None:
        """Show only `customer`'s deals and contacts (none until a customer is chosen)."""
        self.chosen_customer = customer
        deals, contacts = self.visible_deals, self.visible_contacts
        field_of(self, "deal", DealChoiceField).queryset = deals.filter(customer=customer) if customer else deals.none()
        field_of(self, "contacts", ModelMultipleChoiceField).queryset = (
            contacts.filter(customer=customer) if customer else contacts.none())

    def clean_happened_at(self) -> datetime:
        happened_at = self.cleaned_data["happened_at"]
        if happened_at > timezone.now() + FUTURE_ALLOWANCE:
            raise ValidationError(_("An activity cannot be more than a day in the future."))
        return happened_at

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        customer, deal = cleaned.get("customer"), cleaned.get("deal")
        if customer and deal and deal.customer_id != customer.pk:
            self.add_error("deal", _("This deal is with %(other)s, not %(customer)s: choose one of this customer's "
                                     "deals.") % {"other": deal.customer, "customer": customer})
        strangers = [contact.name for contact in cleaned.get("contacts", []) if customer and
                     contact.customer_id != customer.pk]
        if strangers:
            self.add_error("contacts", ngettext(
                "%(contacts)s is not a contact of %(customer)s.", "%(contacts)s are not contacts of %(customer)s.",
                len(strangers)) % {"contacts": ", ".join(strangers), "customer": customer})
        next_step, due = cleaned.get("next_step", ""), cleaned.get("next_step_due")
        if due and not next_step:
            self.add_error("next_step", _("Say what the next step is, or leave its due date empty."))
        happened_at = cleaned.get("happened_at")
        if due and happened_at and due < timezone.localtime(happened_at).date():
            self.add_error("next_step_due", _("The next step cannot be due before the activity took place."))
        self.offer_choices_of(customer)
        return cleaned
