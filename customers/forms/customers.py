"""Forms of the customer pages; every choice is narrowed to what the user may see."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.widgets import DateInput

from .. import selectors
from ..models import Commodity, Contact, Customer, SatisfactionSurvey, Tier, TierPolicy
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

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = selectors.possible_owners(user)
        if self.instance.pk:
            # An owner changes only by a recorded transfer (on the customer's page).
            del self.fields["owner"]
        else:
            # form.initial holds the unsaved instance's empty owner, which would win over a field's initial.
            self.initial["owner"] = user.pk
        self.similar: list[Customer] = []

    def clean_registration_number(self):
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

    def clean(self):
        cleaned = super().clean()
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
    def clean(self):
        seen = set()
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            commodity = form.cleaned_data.get("commodity")
            if commodity in seen:
                raise ValidationError(_("Each commodity once, please: %(name)s is listed twice."),
                                      params={"name": commodity})
            if commodity:
                seen.add(commodity)

    def volumes(self) -> list[tuple]:
        return [
            (form.cleaned_data["commodity"], form.cleaned_data["estimated_annual_tonnes"])
            for form in self.forms
            if form.cleaned_data.get("commodity") and not (self.can_delete and self._should_delete_form(form))
        ]


VolumeFormSet = forms.formset_factory(VolumeForm, formset=_VolumeFormSet, extra=2, can_delete=True)


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "title", "mobile", "email", "wechat_id", "is_primary"]

    def __init__(self, *args, country: str = "CN", **kwargs):
        super().__init__(*args, **kwargs)
        self.country = country

    def clean_mobile(self):
        mobile = self.cleaned_data["mobile"].strip()
        return normalise_phone(mobile, self.country) if mobile else ""

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("mobile") or cleaned.get("email") or cleaned.get("wechat_id")) and not self.errors:
            raise ValidationError(_("Give at least one way to reach this contact: mobile, email or WeChat."))
        return cleaned


class FirstContactForm(ContactForm):
    """The primary contact, asked for with a new customer; it may be left empty."""

    class Meta(ContactForm.Meta):
        fields = ["name", "title", "mobile", "email", "wechat_id"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="contact", **kwargs)
        self.fields["name"].required = False

    def has_content(self) -> bool:
        return any(self.cleaned_data.get(field) for field in self.Meta.fields)

    def clean(self):
        cleaned = forms.ModelForm.clean(self)
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

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = customer.contacts.all()
        self.fields["surveyed_on"].initial = timezone.localdate()
        for name in ["product_quality", "delivery", "service"]:
            self.fields[name].widget = forms.Select(choices=[("", "—")] + [(i, str(i)) for i in range(1, 6)])
        self.fields["recommend"].widget = forms.Select(choices=[("", "—")] + [(i, str(i)) for i in range(0, 11)])

    def clean_surveyed_on(self):
        day = self.cleaned_data["surveyed_on"]
        if day > timezone.localdate():
            raise ValidationError(_("A survey cannot be dated in the future."))
        return day
