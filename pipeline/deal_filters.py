"""The deal list's filters, narrowed to the user."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.filters import BusinessDateFilter
from accounts.models import Team, User
from customers.filters import OwnerScopedFilterSet, SortFilter
from customers.models import Commodity

from .models import Deal, Incoterm, Outcome, Port, Stage

DATE = forms.DateInput(attrs={"type": "date"})


class DealFilter(OwnerScopedFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search", widget=forms.TextInput(
        attrs={"placeholder": _("Customer, grade or contract number")}))
    stage = django_filters.ChoiceFilter(label=_("Stage"), choices=Stage.choices, empty_label=_("All"))
    outcome = django_filters.ChoiceFilter(label=_("Outcome"), choices=Outcome.choices, empty_label=_("All"))
    owner = django_filters.ModelChoiceFilter(label=_("Owner"), queryset=User.objects.none(), empty_label=_("All"))
    team = django_filters.ModelChoiceFilter(label=_("Team"), field_name="owner__team", queryset=Team.objects.none(),
                                            empty_label=_("All"))
    commodity = django_filters.ModelChoiceFilter(label=_("Commodity"), queryset=Commodity.objects.all(),
                                                 empty_label=_("All"))
    incoterm = django_filters.ChoiceFilter(label=_("Incoterm"), choices=Incoterm.choices, empty_label=_("All"))
    port = django_filters.ModelChoiceFilter(label=_("Port"), queryset=Port.objects.all(), method="at_port",
                                            empty_label=_("All"))
    laycan_from = BusinessDateFilter(label=_("Laycan from"), method="laycan_after", widget=DATE)
    laycan_to = BusinessDateFilter(label=_("Laycan to"), method="laycan_before", widget=DATE)
    signing_from = BusinessDateFilter(label=_("Expected signing from"), field_name="expected_signing_date",
                                      lookup_expr="gte", widget=DATE)
    signing_to = BusinessDateFilter(label=_("Expected signing to"), field_name="expected_signing_date",
                                    lookup_expr="lte", widget=DATE)
    amount_min = django_filters.NumberFilter(label=_("Amount from (base currency)"), field_name="amount_base",
                                             lookup_expr="gte")
    amount_max = django_filters.NumberFilter(label=_("Amount to (base currency)"), field_name="amount_base",
                                             lookup_expr="lte")
    sort = SortFilter(
        label=_("Sort by"), empty_label=_("Recently updated"),
        fields=[("amount_base", "amount"), ("laycan_start", "laycan"), ("expected_signing_date", "signing"),
                ("customer__name", "customer")],
        field_labels={"amount_base": _("Amount"), "laycan_start": _("Laycan"),
                      "expected_signing_date": _("Expected signing date"), "customer__name": _("Customer")},
    )

    class Meta:
        model = Deal
        fields = []

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(customer__name__icontains=value) | Q(customer__short_name__icontains=value)
                               | Q(grade__icontains=value) | Q(contract_number__icontains=value))

    def at_port(self, queryset, name, value):
        return queryset.filter(Q(load_port=value) | Q(discharge_port=value))

    def laycan_after(self, queryset, name, value):
        # Laycans that overlap the window: ending on or after its start.
        return queryset.filter(laycan_end__gte=value)

    def laycan_before(self, queryset, name, value):
        return queryset.filter(laycan_start__lte=value)
