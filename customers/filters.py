"""The customers app's list filters (customers, complaints); choice lists narrowed to the user in __init__."""

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import partial
from typing import Any

import django_filters
from django import forms
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.filters import BusinessDateFilter, ReshapedFilterSet, sort_order, with_tie_breaker
from accounts.models import Team, User
from accounts.widgets import DateInput

from . import search, selectors
from .list_columns import ListColumn
from .models import Commodity, Complaint, Customer, Tier


class SortFilter(django_filters.OrderingFilter):
    """A list's sort: one drop-down whose descending choices are translated when shown, not when imported
    (django-filter formats "%s (descending)" at import time, in English)."""

    def build_choices(self, fields: Mapping[str, str], labels: Mapping[str, str | Promise]
                      ) -> list[tuple[str, str | Promise]]:
        choices: list[tuple[str, str | Promise]] = []
        for field, param in fields.items():
            label = labels.get(field, param)
            choices += [(param, label), (f"-{param}", format_lazy(_("{label} (descending)"), label=label))]
        return choices

    def filter(self, qs: QuerySet[Any], value: list[str] | None) -> QuerySet[Any]:
        # "?sort=," parses to blank orderings: an order_by() of nothing would drop the list's own order.
        wanted = [param for param in value or () if param]
        if not wanted:
            return qs
        # What each field is sorted by: its FilterSet's choice where it makes one (pipeline.filters.DealFilter).
        sorted_by: Callable[[str], Any] = getattr(self.parent, "sort_value", None) or F
        return qs.order_by(*sort_order(qs.model, with_tie_breaker([self.get_ordering_value(param) for param in wanted]),
                                       value=sorted_by))


class OwnerScopedFilterSet(ReshapedFilterSet):
    """A list's filters whose "owner" and "team" choices are narrowed to what the user may see."""

    takes_user = True  # the API's filter backend passes the signed-in user (bulksales.api.views)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["owner"].queryset = selectors.owner_choices(user)
        self.filters["team"].queryset = access.teams_visible_to(user)


CUSTOMER_SORTS = [("name", "name"), ("tier", "tier"), ("status", "status"), ("owner__full_name", "owner"),
                  ("last_contacted_at", "last_contacted"), ("next_follow_up_on", "next_follow_up"),
                  ("created_at", "created")]
CUSTOMER_SORT_LABELS = {"name": _("Customer name"), "tier": _("Tier"), "status": _("Status"),
                        "owner__full_name": _("Owner"), "last_contacted_at": _("Last contacted"),
                        "next_follow_up_on": _("Next follow-up"), "created_at": _("Created")}


def _only(condition: Q, queryset: QuerySet[Customer], name: str, value: bool) -> QuerySet[Customer]:
    """A list column's check box: the rows its condition keeps, when ticked."""
    return queryset.filter(condition) if value else queryset


class CustomerFilter(OwnerScopedFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search", widget=forms.TextInput(
        attrs={"placeholder": _("Name, registration number or a contact")}))
    tier = django_filters.ChoiceFilter(label=_("Tier"), choices=Tier.choices, empty_label=_("All"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Customer.Status.choices, empty_label=_("All"))
    owner = django_filters.ModelChoiceFilter(label=_("Owner"), queryset=User.objects.none(), empty_label=_("All"))
    team = django_filters.ModelChoiceFilter(label=_("Team"), field_name="owner__team", queryset=Team.objects.none(),
                                            empty_label=_("All"))
    region = django_filters.CharFilter(label=_("Region"), method="in_region", widget=forms.TextInput(
        attrs={"placeholder": _("Province, city or country code")}))
    commodity = django_filters.ModelChoiceFilter(label=_("Commodity"), field_name="commodities",
                                                 queryset=Commodity.objects.all(), empty_label=_("All"))
    contacted_after = BusinessDateFilter(label=_("Last contacted after"), field_name="last_contacted_at",
                                         lookup_expr="date__gte", widget=DateInput)
    contacted_before = BusinessDateFilter(label=_("Last contacted before"), method="filter_contacted_before",
                                          widget=DateInput)
    overdue_contact = django_filters.BooleanFilter(
        label=_("Not contacted within its tier's cadence"), method="filter_overdue_contact",
        widget=forms.CheckboxInput)
    sort = SortFilter(label=_("Sort by"), empty_label=_("Customer name"), fields=CUSTOMER_SORTS,
                      field_labels=CUSTOMER_SORT_LABELS)

    class Meta:
        model = Customer
        fields: list[str] = []

    def __init__(self, *args: Any, user: User, columns: Sequence[ListColumn] = (), **kwargs: Any) -> None:
        """`columns`: those other apps add to the list (list_columns) that the user sees, already annotated
        on the queryset: their filters join the check boxes, their sorts the sort's choices."""
        super().__init__(*args, user=user, **kwargs)
        if not columns:
            return
        filters: dict[str, django_filters.Filter] = {
            name: each for name, each in self.filters.items() if name != "sort"}
        for column in columns:
            if column.filter_label is not None and column.filter_q is not None:
                filters[f"{column.key}_only"] = django_filters.BooleanFilter(
                    label=column.filter_label, method=partial(_only, column.filter_q), widget=forms.CheckboxInput)
        sortable = [column for column in columns if column.sortable]
        filters["sort"] = SortFilter(
            label=_("Sort by"), empty_label=_("Customer name"),
            fields=CUSTOMER_SORTS + [(column.key, column.key) for column in sortable],
            field_labels={**CUSTOMER_SORT_LABELS,
                          **{column.key: column.sort_label or column.header for column in sortable}})
        for each in filters.values():
            each.model, each.parent = Customer, self
        # In place, in this order: the check boxes before the sort.
        self.filters.clear()
        self.filters.update(filters)

    def search(self, queryset: QuerySet[Customer], name: str, value: str) -> QuerySet[Customer]:
        return selectors.customers_matching(queryset, value)

    def filter_overdue_contact(self, queryset: QuerySet[Customer], name: str, value: bool) -> QuerySet[Customer]:
        return queryset.filter(selectors.overdue_for_contact_q(timezone.now())) if value else queryset

    def in_region(self, queryset: QuerySet[Customer], name: str, value: str) -> QuerySet[Customer]:
        value = value.strip()
        return queryset.filter(Q(province__icontains=value) | Q(city__icontains=value) | Q(country__iexact=value))

    def filter_contacted_before(self, queryset: QuerySet[Customer], name: str, value: date) -> QuerySet[Customer]:
        # "Not contacted since" includes customers never contacted at all.
        return queryset.filter(Q(last_contacted_at__date__lt=value) | Q(last_contacted_at__isnull=True))


class ComplaintFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search",
                                  widget=forms.TextInput(attrs={"placeholder": _("Customer or description")}))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Complaint.Status.choices, empty_label=_("All"))
    severity = django_filters.ChoiceFilter(label=_("Severity"), choices=Complaint.Severity.choices,
                                           empty_label=_("All"))
    category = django_filters.ChoiceFilter(label=_("Category"), choices=Complaint.Category.choices,
                                           empty_label=_("All"))
    assignee = django_filters.ModelChoiceFilter(label=_("Assignee"), queryset=User.objects.none(),
                                                empty_label=_("All"))
    overdue = django_filters.BooleanFilter(label=_("Overdue only"), method="only_overdue",
                                           widget=forms.CheckboxInput)

    class Meta:
        model = Complaint
        fields = ("q", "status", "severity", "category", "assignee", "overdue")

    def __init__(self, *args: Any, queryset: QuerySet[Complaint], **kwargs: Any) -> None:
        super().__init__(*args, queryset=queryset, **kwargs)
        # Only the people handling complaints the user can see.
        self.filters["assignee"].queryset = User.objects.filter(pk__in=queryset.values("assignee"))

    def search(self, queryset: QuerySet[Complaint], name: str, value: str) -> QuerySet[Complaint]:
        text = search.cleaned(value)
        return queryset.filter(search.complaint_matches(text)) if text else queryset

    def only_overdue(self, queryset: QuerySet[Complaint], name: str, value: bool) -> QuerySet[Complaint]:
        return queryset.filter(selectors.overdue_q(timezone.now())) if value else queryset
