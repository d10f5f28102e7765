"""List filters of the organisation pages, and the date filter that every list shares."""

from collections.abc import Callable, Sequence
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Model, OrderBy, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import access
from .bounds import BusinessDateField
from .models import Department, Position, Team, User
from .params import MAX_ID

# The labels of a date range's two filters ("From" alone is also a hand-over's giver: 移交人, not 起始日期).
FROM_DAY = pgettext_lazy("period", "From")
TO_DAY = pgettext_lazy("period", "To")


class BusinessDateFilter(django_filters.DateFilter):
    """Every list's date filter: a day outside the business range (accounts.bounds) is an error on the
    filter bar, and the list is shown without that filter, as for a malformed date."""

    field_class = BusinessDateField


class WholeNumberFilter(django_filters.NumberFilter):
    """A whole number in range (an id, a year, a quarter): django-filter's own takes any decimal, and SQLite
    failed the query on one past a 64-bit integer (`?team=-1.16e185`, fuzzed by schemathesis). A value out of
    range or not whole is the filter's error, as a malformed date is."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, min_value: int = 1, max_value: int = MAX_ID, **kwargs: Any) -> None:
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)


def with_tie_breaker(ordering: Sequence[str]) -> list[str]:
    """The order made total: the primary key last, in the first field's direction. A page of a list sorted by a
    column that many rows share (a tier, an owner) is otherwise whichever of the tied rows the database meets
    first: a customer on two pages and another on none."""
    ordering = list(ordering) or ["-pk"]
    if not {"pk", "-pk", "id", "-id"} & set(ordering):
        ordering.append("-pk" if ordering[0].startswith("-") else "pk")
    return ordering


def sort_order(model: type[Model], ordering: Sequence[str], *, value: Callable[[str], Any] = F,
               empty_first: bool = False) -> list[OrderBy]:
    """A list's order as people read a sorted column: the rows without a value last, whichever the direction (a
    deal list by laycan, descending, starts with the latest laycan, not with the deals that have none yet; the
    databases differ, PostgreSQL counting an empty value as the largest and SQLite as the smallest), or first for
    the API's cursor walking the order back (bulksales.api.ordering). `value`: what a field is sorted by, its
    FilterSet's `sort_value` where it has one (pipeline.filters.DealFilter). A field that always has a value keeps
    its plain order, which its index serves as written."""
    order = []
    for field in ordering:
        name = field.removeprefix("-")
        nulls = {} if not may_be_empty(model, name) else {"nulls_first": True} if empty_first else {"nulls_last": True}
        order.append(value(name).desc(**nulls) if field.startswith("-") else value(name).asc(**nulls))
    return order


def may_be_empty(model: type[Model], path: str) -> bool:
    """Whether a sort field (across relations: "customer__name") can be empty on a row of `model`."""
    for name in path.split("__"):
        if name == "pk":
            return False
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return True  # an annotation (a list column's figure): empty where there is nothing to sum
        if field.null or not field.concrete:
            return True
        if field.related_model is None:
            return False
        model = field.related_model
    return False


class ReshapedFilterSet(django_filters.FilterSet):
    """A list's filters that can also narrow another shape of the same rows: PostgreSQL reads a page of a list
    fastest in one shape and counts it fastest in another (pipeline.views: the deal and activity lists)."""

    def apply_to(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """The filters the user chose, on another shape of the same rows (`self.qs` filters the one given when
        the filter set was made): invalid choices are left out, as `self.qs` leaves them."""
        if not self.is_bound:
            return queryset
        self.form.is_valid()  # fills the cleaned data that filter_queryset reads
        return self.filter_queryset(queryset)


class UserFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    position = django_filters.ChoiceFilter(label=_("Position"), choices=Position.choices, empty_label=_("All"))
    department = django_filters.ModelChoiceFilter(
        label=_("Department"), queryset=Department.objects.none(), empty_label=_("All")
    )
    team = django_filters.ModelChoiceFilter(label=_("Team"), queryset=Team.objects.none(), empty_label=_("All"))
    is_active = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[("1", _("Active")), ("0", _("Deactivated"))],
        empty_label=_("All"),
        method="by_status",
    )

    class Meta:
        model = User
        fields = ["q", "position", "department", "team", "is_active"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["department"].queryset = access.departments_visible_to(user)
        self.filters["team"].queryset = access.teams_visible_to(user)

    def by_status(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        return queryset.filter(is_active=value == "1")

    def search(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        return queryset.filter(
            Q(full_name__icontains=value) | Q(username__icontains=value) | Q(email__icontains=value)
        )
