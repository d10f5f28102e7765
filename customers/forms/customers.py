"""Forms of the customer pages; every choice is narrowed to what the user may see."""

from datetime import date
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.forms.formsets import DELETION_FIELD_NAME
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.forms.fields import field_of
from accounts.models import User
from accounts.widgets import DateInput

from .. import selectors
from ..models import Commodity, Contact, Customer, SatisfactionSurvey, Tier, TierPolicy
from ..services import Volume
from ..validators import normalise_phone, validate_registration_number


class CustomerForm(forms.ModelForm):
    confirm_not_duplicate = forms.BooleanField(
        label=_("This is a different company: save it anyway"), required=False, widget=forms.HiddenInput
    )

    class Meta:
        model = Customer
        fields = [
            "name", "short_name", "registration_number", "country", "province", "city", "address", "kind",
            "status", "lead_source", "payment_terms", "owner", "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "owner", forms.ModelChoiceField).queryset = selectors.possible_owners(user)
        if self.instance.pk:
            # An owner changes only by a recorded transfer (on the customer's page).
            del self.fields["owner"]
        else:
            # form.initial holds the unsaved instance's empty owner, which would win over a field's initial.
            self.initial["owner"] = user.pk
        self.similar: list[Customer] = []

    def clean_registration_number(self) -> str:
        number = self.cleaned_data["registration_number"].strip().upper().replace(" ", "")
        taken = Customer.objects.filter(registration_number=number).exclude(pk=self.instance.pk).select_related(
            "owner").first() if number else None
        if taken:
            # Across the whole company: the owner's name is shown so the two people can talk.
            raise ValidationError(
                _("A customer with this registration number already exists: %(name)s, owned by %(owner)s."),
                params={"name": taken.name, "owner": taken.owner},
            )
        return number

    def unconfirmed_similar(self) -> list[Customer]:
        """After validation: the customers with a very similar name (kept in `similar` for the page to
        list), unless the user confirmed this is a different company."""
        self.similar = selectors.similar_customers(self.cleaned_data["name"], exclude_pk=self.instance.pk)
        return [] if self.cleaned_data.get("confirm_not_duplicate") else self.similar

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        number, country = cleaned.get("registration_number"), cleaned.get("country")
        if number and country:
            try:
                validate_registration_number(number, str(country))
            except ValidationError as error:
                self.add_error("registration_number", error)
        return cleaned


class VolumeForm(forms.Form):
    commodity = forms.ModelChoiceField(label=_("Commodity"), queryset=Commodity.objects.all())
    estimated_annual_tonnes = forms.IntegerField(label=_("Estimated annual volume (t)"), min_value=0,
                                                 max_value=100_000_000)


class _VolumeFormSet(forms.BaseFormSet):
    def _kept_forms(self) -> list[forms.Form]:
        """The rows not ticked for deletion."""
        return [form for form in self.forms
                if not (self.can_delete and form.cleaned_data.get(DELETION_FIELD_NAME, False))]

    def clean(self) -> None:
        seen = set()
        for form in self._kept_forms():
            commodity = form.cleaned_data.get("commodity")
            if commodity in seen:
                raise ValidationError(_("Each commodity once, please: %(name)s is listed twice."),
                                      params={"name": commodity})
            if commodity:
                seen.add(commodity)

    def volumes(self) -> list[Volume]:
        return [
            (form.cleaned_data["commodity"], form.cleaned_data["estimated_annual_tonnes"])
            for form in self._kept_forms()
            if form.cleaned_data.get("commodity")
        ]


# formset_factory makes a subclass of the formset it is given; its stub says only "a BaseFormSet".
VolumeFormSet = cast(
    type[_VolumeFormSet], forms.formset_factory(VolumeForm, formset=_VolumeFormSet, extra=2, can_delete=True)
)


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "title", "mobile", "email", "wechat_id", "is_primary"]

    def __init__(self, *args: Any, country: str = "CN", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.country = country

    def clean_mobile(self) -> str:
        mobile = self.cleaned_data["mobile"].strip()
        return normalise_phone(mobile, self.country) if mobile else ""

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if not (cleaned.get("mobile") or cleaned.get("email") or cleaned.get("wechat_id")) and not self.errors:
            raise ValidationError(_("Give at least one way to reach this contact: mobile, email or WeChat."))
        return cleaned


class FirstContactForm(ContactForm):
    """The primary contact, asked for with a new customer; it may be left empty."""

    class Meta(ContactForm.Meta):
        fields = ["name", "title", "mobile", "email", "wechat_id"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="contact", **kwargs)
        self.fields["name"].required = False

    def has_content(self) -> bool:
        return any(self.cleaned_data.get(field) for field in self.Meta.fields)

    def clean(self) -> dict[str, Any]:
        forms.ModelForm.clean(self)
        cleaned = self.cleaned_data
        if any(cleaned.get(field) for field in ["title", "mobile", "email", "wechat_id"]) and not cleaned.get("name"):
            self.add_error("name", _("Give the contact's name."))
        return cleaned


class TierForm(forms.Form):
    tier = forms.ChoiceField(label=_("Tier"), choices=Tier.choices)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class TierPolicyForm(forms.ModelForm):
    class Meta:
        model = TierPolicy
        fields = ["min_signed_amount", "min_signed_tonnes", "max_contact_gap_days", "service_strategy",
                  "service_strategy_zh"]
        widgets = {
            "service_strategy": forms.Textarea(attrs={"rows": 3}),
            "service_strategy_zh": forms.Textarea(attrs={"rows": 3}),
        }


class CommodityForm(forms.ModelForm):
    class Meta:
        model = Commodity
        fields = ["name", "name_zh"]


class SurveyForm(forms.ModelForm):
    class Meta:
        model = SatisfactionSurvey
        fields = ["contact", "surveyed_on", "method", "product_quality", "delivery", "service", "recommend", "comment"]
        widgets = {
            "surveyed_on": DateInput,
            "comment": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "contact", forms.ModelChoiceField).queryset = customer.contacts.all()
        self.fields["surveyed_on"].initial = timezone.localdate()
        for name in ["product_quality", "delivery", "service"]:
            self.fields[name].widget = forms.Select(choices=[("", "—")] + [(i, str(i)) for i in range(1, 6)])
        self.fields["recommend"].widget = forms.Select(choices=[("", "—")] + [(i, str(i)) for i in range(0, 11)])

    def clean_surveyed_on(self) -> date:
        day = self.cleaned_data["surveyed_on"]
        if day > timezone.localdate():
            raise ValidationError(_("A survey cannot be dated in the future."))
        return day
