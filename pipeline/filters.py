"""The pipeline's list filters (deals, activities, research, the laycan calendar), narrowed to the user."""

from collections.abc import Collection
from datetime import date
from typing import Any

import django_filters
from django import forms
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.filters import FROM_DAY, TO_DAY, BusinessDateFilter, ReshapedFilterSet
from accounts.models import Team, User
from accounts.sql import not_read_in_order
from accounts.widgets import DateInput
from customers import selectors as customer_selectors
from customers.filters import OwnerScopedFilterSet, SortFilter
from customers.models import Commodity

from . import search, selectors
from .models import Activity, Deal, Incoterm, MarketResearch, Outcome, Port, Stage


def sort_value_searched(field: str, text: str) -> F | Coalesce:
    """A deal list's sort field's value, the list searched for `text` (the page's, and the API's cursor through
    DealViewSet): a contract's amount follows its commodity (coal is the cheapest cargo), and a search often names
    one (a grade, "NAR"; "煤"), so walking the amount index PostgreSQL expected the matches spread evenly along it
    and read 130,000 deals for 50 (a manager's 8,600 searched for "NAR", biggest first: 160 ms); searched, the
    amounts are sorted over what the search finds."""
    return not_read_in_order(field) if field == "amount_base" and search.cleaned(text) else F(field)


class DealFilter(OwnerScopedFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search", widget=forms.TextInput(
        attrs={"placeholder": _("Customer, grade, commodity or contract number")}))
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
    laycan_from = BusinessDateFilter(label=_("Laycan from"), method="laycan_after", widget=DateInput)
    laycan_to = BusinessDateFilter(label=_("Laycan to"), method="laycan_before", widget=DateInput)
    signing_from = BusinessDateFilter(label=_("Expected signing from"), field_name="expected_signing_date",
                                      lookup_expr="gte", widget=DateInput)
    signing_to = BusinessDateFilter(label=_("Expected signing to"), field_name="expected_signing_date",
                                    lookup_expr="lte", widget=DateInput)
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
        fields: list[str] = []

    def sort_value(self, field: str) -> F | Coalesce:
        """What the list sorts a field by (SortFilter): as searched (sort_value_searched)."""
        return sort_value_searched(field, self.form.cleaned_data.get("q") or "")

    def search(self, queryset: QuerySet[Deal], name: str, value: str) -> QuerySet[Deal]:
        # The search box's own matching, commodity included ("coal", "煤"), so its "see all" agrees.
        text = search.cleaned(value)
        return queryset.filter(search.deal_matches(text)) if text else queryset

    def at_port(self, queryset: QuerySet[Deal], name: str, value: Port) -> QuerySet[Deal]:
        return queryset.filter(Q(load_port=value) | Q(discharge_port=value))

    def laycan_after(self, queryset: QuerySet[Deal], name: str, value: date) -> QuerySet[Deal]:
        # Laycans that overlap the window: ending on or after its start.
        return queryset.filter(laycan_end__gte=value)

    def laycan_before(self, queryset: QuerySet[Deal], name: str, value: date) -> QuerySet[Deal]:
        return queryset.filter(laycan_start__lte=value)


class ActivityFilter(ReshapedFilterSet):
    q = django_filters.CharFilter(label=_("Customer"), method="customer_search",
                                  widget=forms.TextInput(attrs={"placeholder": _("Name or short name")}))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Activity.Kind.choices, empty_label=_("All"))
    owner = django_filters.ModelChoiceFilter(label=_("Logged by"), queryset=User.objects.none(),
                                             empty_label=_("All"))
    happened_after = BusinessDateFilter(label=FROM_DAY, field_name="happened_at", lookup_expr="date__gte",
                                        widget=DateInput)
    happened_before = BusinessDateFilter(label=TO_DAY, field_name="happened_at", lookup_expr="date__lte",
                                         widget=DateInput)
    next_step = django_filters.ChoiceFilter(
        label=_("Next step"), method="next_step_state", empty_label=_("All"),
        choices=[("open", _("Open")), ("overdue", _("Overdue")), ("done", _("Done"))],
    )

    takes_user = True  # the API's filter backend passes the signed-in user (bulksales.api.views)

    class Meta:
        model = Activity
        fields = ()

    def __init__(self, *args: Any, user: User, authors: Collection[int] | None = None, **kwargs: Any) -> None:
        """`authors`: the keys of the people whose activities the user sees, when the caller has read them
        (selectors.activities_seen_by_author)."""
        super().__init__(*args, **kwargs)
        # Only the people whose activities the user can see.
        people = (selectors.activity_authors_visible_to(user) if authors is None
                  else User.objects.filter(pk__in=list(authors)))
        self.filters["owner"].queryset = people.order_by("full_name").only(*User.NAME_COLUMNS)  # names only

    def customer_search(self, queryset: QuerySet[Activity], name: str, value: str) -> QuerySet[Activity]:
        value = value.strip()
        return queryset.filter(Q(customer__name__icontains=value) | Q(customer__short_name__icontains=value))

    def next_step_state(self, queryset: QuerySet[Activity], name: str, value: str) -> QuerySet[Activity]:
        open_steps = queryset.exclude(next_step="").filter(next_step_done=False)
        if value == "open":
            return open_steps
        if value == "overdue":
            return open_steps.filter(next_step_due__lt=timezone.localdate())
        if value == "done":
            return queryset.exclude(next_step="").filter(next_step_done=True)
        return queryset


class ResearchFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search", widget=forms.TextInput(
        attrs={"placeholder": _("Region, port, competitors or notes")}))
    commodity = django_filters.ModelChoiceFilter(label=_("Commodity"), queryset=Commodity.objects.order_by("name"),
                                                 empty_label=_("All"))
    method = django_filters.ChoiceFilter(label=_("Method"), choices=MarketResearch.Method.choices,
                                         empty_label=_("All"))
    researched_after = BusinessDateFilter(label=FROM_DAY, field_name="researched_on", lookup_expr="gte",
                                          widget=DateInput)
    researched_before = BusinessDateFilter(label=TO_DAY, field_name="researched_on", lookup_expr="lte",
                                           widget=DateInput)

    class Meta:
        model = MarketResearch
        fields = ()

    def search(self, queryset: QuerySet[MarketResearch], name: str, value: str) -> QuerySet[MarketResearch]:
        text = search.cleaned(value)
        return queryset.filter(search.research_matches(text)) if text else queryset


class LaycanFilter(django_filters.FilterSet):
    owner = django_filters.ModelChoiceFilter(label=_("Owner"), queryset=User.objects.none(), empty_label=_("All"))
    commodity = django_filters.ModelChoiceFilter(label=_("Commodity"), queryset=Commodity.objects.all(),
                                                 empty_label=_("All"))

    class Meta:
        model = Deal
        fields = ()

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["owner"].queryset = customer_selectors.owner_choices(user)

    def chosen(self, deals: QuerySet[Deal]) -> QuerySet[Deal]:
        """`deals` narrowed by the filters alone, as `qs` narrows the user's deals: for a question that narrows to
        what the user sees in its own way (the calendar's vessels: execution.selectors.shipment_laycans_in)."""
        if not self.is_bound:
            return deals
        self.errors  # noqa: B018 -- validates the form, as `qs` does, before its cleaned data are read
        return self.filter_queryset(deals)

