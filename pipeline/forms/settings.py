"""Forms of the director's pipeline lists: ports, exchange rates and reasons for losing."""

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from accounts.bounds import BusinessDateField
from accounts.widgets import DateInput

from ..models import ExchangeRate, LostReason, Port


class _BilingualNameForm(forms.ModelForm):
    """Both names unique whatever their case, so "qingdao" cannot sit beside "Qingdao"."""

    def _unique_name(self, field: str) -> str:
        value = self.cleaned_data[field].strip()
        if value and (self._meta.model.objects.filter(**{f"{field}__iexact": value})
                      .exclude(pk=self.instance.pk).exists()):
            raise forms.ValidationError(_("%(name)s is already on the list."), code="unique", params={"name": value})
        return value

    def clean_name(self) -> str:
        return self._unique_name("name")

    def clean_name_zh(self) -> str:
        return self._unique_name("name_zh")


class PortForm(_BilingualNameForm):
    # No max_length here: "Australia" deserves the message below, not a count of characters.
    country = forms.CharField(label=_("Country"), help_text=_("Two-letter code, e.g. AU, CN"))

    class Meta:
        model = Port
        fields = ("name", "name_zh", "country")

    def clean_country(self) -> str:
        code = self.cleaned_data["country"].strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise forms.ValidationError(
                _("Give the country as its two-letter code, e.g. AU for Australia or CN for China."),
                code="format",
            )
        if code not in countries:
            raise forms.ValidationError(_("%(code)s is not a country code."), code="unknown", params={"code": code})
        return code


class LostReasonForm(_BilingualNameForm):
    class Meta:
        model = LostReason
        fields = ("name", "name_zh")


class ExchangeRateForm(forms.Form):
    """A new rate; a plain form so that a second rate for the same day gets one clear message."""

    currency = forms.CharField(label=_("Currency"), help_text=_("Three-letter code, e.g. USD"))
    rate = forms.DecimalField(label=_("Rate to the base currency"), max_digits=14, decimal_places=6,
                              min_value=Decimal("0.000001"))
    valid_from = BusinessDateField(label=_("Valid from"), widget=DateInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rate"].help_text = _("How many %(base)s one unit of the currency buys, e.g. 7.1") % {
            "base": settings.BASE_CURRENCY}

    def clean_currency(self) -> str:
        code = self.cleaned_data["currency"].strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise forms.ValidationError(_("Give the currency as its three-letter code, e.g. USD or EUR."),
                                        code="format")
        if code == settings.BASE_CURRENCY:
            raise forms.ValidationError(
                _("%(code)s is the base currency: its rate is always 1."), code="base", params={"code": code})
        return code

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        currency, valid_from = cleaned.get("currency"), cleaned.get("valid_from")
        if currency and valid_from:
            rates = ExchangeRate.objects.filter(currency=currency)
            if rates.filter(valid_from=valid_from).exists():
                self.add_error("valid_from", forms.ValidationError(
                    _("%(currency)s already has a rate from %(date)s. Pick another day."),
                    code="duplicate", params={"currency": currency, "date": valid_from.isoformat()}))
            elif valid_from > timezone.localdate() and not rates.filter(valid_from__lte=timezone.localdate()).exists():
                # Deals are priced at the rate in force today, so a currency's first rate cannot wait.
                self.add_error("valid_from", forms.ValidationError(
                    _("%(currency)s has no rate yet: its first rate must apply from today or earlier."),
                    code="first_rate_in_future", params={"currency": currency}))
        return cleaned

    def to_rate(self) -> ExchangeRate:
        return ExchangeRate(currency=self.cleaned_data["currency"], rate=self.cleaned_data["rate"],
                            valid_from=self.cleaned_data["valid_from"])
