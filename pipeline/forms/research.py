"""The market research form."""

import re
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.bounds import BusinessDateField
from accounts.forms.fields import field_of
from accounts.widgets import DateInput
from customers.models import Commodity

from ..models import MarketResearch, Port


class ResearchForm(forms.ModelForm):
    researched_on = BusinessDateField(label=_("Date"), widget=DateInput)
    region = forms.CharField(label=_("Region or port"), max_length=120,
                             help_text=_("e.g. Shandong steel mills, or North China ports"))
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="USD",
                               help_text=_("Three letters, e.g. USD or CNY."))
    competitors = forms.CharField(label=_("Competitors and their offers"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text=_("Who else offers, and at what price and terms."))
    supply_demand = forms.CharField(label=_("Supply and demand notes"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 3}))

    class Meta:
        model = MarketResearch
        fields = ("commodity", "researched_on", "method", "region", "port", "price_low", "price_high", "currency",
                  "competitors", "supply_demand")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Commodities and ports are the company's shared lists, not anyone's records.
        commodity = field_of(self, "commodity", forms.ModelChoiceField)
        commodity.queryset, commodity.empty_label = Commodity.objects.order_by("name"), _("Choose a commodity")
        port = field_of(self, "port", forms.ModelChoiceField)
        port.queryset, port.empty_label = Port.objects.order_by("name"), _("No single port")
        self.fields["port"].help_text = _("If the prices were seen at one port.")
        if self.instance.pk is None:
            self.fields["researched_on"].initial = timezone.localdate()
        for name in ("price_low", "price_high"):
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "min": "0.01", "step": "0.01"})

    def clean_researched_on(self) -> date:
        researched_on = self.cleaned_data["researched_on"]
        if researched_on > timezone.localdate():
            raise ValidationError(_("Market research cannot be dated in the future."))
        return researched_on

    def _clean_price(self, name: str) -> Decimal | None:
        price = self.cleaned_data[name]
        if price is not None and price <= 0:
            raise ValidationError(_("A price must be more than zero."))
        return price

    def clean_price_low(self) -> Decimal | None:
        return self._clean_price("price_low")

    def clean_price_high(self) -> Decimal | None:
        return self._clean_price("price_high")

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"].strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise ValidationError(_("Enter a three-letter currency code, e.g. USD or CNY."))
        return currency

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        low, high = cleaned.get("price_low"), cleaned.get("price_high")
        if low is not None and high is not None and high < low:
            self.add_error("price_high", _("The highest price cannot be below the lowest."))
        return cleaned
