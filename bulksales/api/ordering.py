"""The lists' order and their cursor pages: `sort` takes the list page's own sort values, and the cursor
holds the last row's value of every sort field, so any of those sorts pages without skipping a row."""

import functools
import json
import operator
from base64 import urlsafe_b64decode, urlsafe_b64encode
from binascii import Error as Base64Error
from collections.abc import Collection, Sequence
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Model, Q, QuerySet
from rest_framework import exceptions, filters, pagination
from rest_framework.request import Request
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from accounts.filters import may_be_empty, sort_order, with_tie_breaker

SORT_PARAM = "sort"


def page_sorts(view: APIView) -> dict[str, str] | None:
    """The list page's sort values and the fields each stands for (its FilterSet's "sort"), if it has one."""
    filterset_class = getattr(view, "filterset_class", None)
    sort = filterset_class.base_filters.get(SORT_PARAM) if filterset_class is not None else None
    return dict(sort.param_map) if isinstance(sort, django_filters.OrderingFilter) else None


class SortBackend(filters.OrderingFilter):
    """`sort=` as on the list page (`?sort=-amount,customer`); a list whose page has no sort takes the
    viewset's ordering_fields instead. `ordering=` keeps taking ordering_fields; `sort` wins."""

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: APIView) -> list[str]:
        wanted = [value.strip() for value in request.query_params.get(SORT_PARAM, "").split(",") if value.strip()]
        if not wanted:
            return with_tie_breaker(super().get_ordering(request, queryset, view) or [])
        sorts = page_sorts(view)
        if sorts is None:
            # No FilterSet checked the value: refuse as the page's drop-down would.
            sorts = {field: field for field in getattr(view, "ordering_fields", None) or ()}
            for value in wanted:
                if value.removeprefix("-") not in sorts:
                    message = forms.ChoiceField.default_error_messages["invalid_choice"] % {"value": value}
                    raise exceptions.ValidationError({SORT_PARAM: [message]})
        return with_tie_breaker(
            [("-" if value.startswith("-") else "") + sorts[value.removeprefix("-")] for value in wanted
             if value.removeprefix("-") in sorts])

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        parameters[0]["description"] = "Field names of ordering_fields, comma-separated; prefer `sort`."
        if page_sorts(view) is not None:
            return parameters  # the FilterSet's "sort" is documented with the other filters
        fields = list(getattr(view, "ordering_fields", None) or ())
        return parameters + [{
            "name": SORT_PARAM, "required": False, "in": "query", "style": "form", "explode": False,
            "description": "Sort by these fields, comma-separated; `-` before a field sorts descending.",
            "schema": {"type": "array", "items": {"type": "string",
                                                  "enum": [*fields, *[f"-{field}" for field in fields]]}},
        }]


def _reversed(ordering: Sequence[str]) -> list[str]:
    return [field[1:] if field.startswith("-") else f"-{field}" for field in ordering]


def _after(ordering: Sequence[str], position: Sequence[str | None], *, empty_first: bool,
           nullable: Collection[str]) -> Q:
    """The rows after `position` in `ordering`, empty values (of the `nullable` fields) last, or first paging back:
    equal on the fields before one, and beyond it on that one."""
    terms, equal = [], Q()
    for field, value in zip(ordering, position, strict=True):
        name, descending = field.removeprefix("-"), field.startswith("-")
        if value is None:
            beyond = Q(**{f"{name}__isnull": False}) if empty_first else None
            same = Q(**{f"{name}__isnull": True})
        else:
            beyond = Q(**{f"{name}__lt" if descending else f"{name}__gt": value})
            if not empty_first and name in nullable:
                beyond |= Q(**{f"{name}__isnull": True})
            same = Q(**{name: value})
        if beyond is not None:
            terms.append(equal & beyond)
        equal &= same
    return functools.reduce(operator.or_, terms)


def _value(instance: Model, field: str) -> str | None:
    """The row's value of a sort field (across relations: "owner__full_name"), as the cursor keeps it."""
    name = field.removeprefix("-")
    if name in ("pk", "id"):
        value: Any = instance.pk
    elif hasattr(instance, name):  # a field of the row, or an annotation
        value = getattr(instance, name)
    else:
        value = instance
        for part in name.split("__"):
            value = getattr(value, part, None) if value is not None else None
    return None if value is None else str(value)  # str(), not JSON's encoder: microseconds matter


class CursorPagination(pagination.CursorPagination):
    """Cursor pages over any order. DRF's cursor keeps only the first sort field and counts ties by offset,
    which fails on a field across a relation, on an empty value, and past 1,000 ties (a tier, a status);
    this one keeps the value of every field, the primary key last, and compares them all."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: APIView | None) -> tuple[str, ...]:
        return tuple(SortBackend().get_ordering(request, queryset, view) if view is not None else ["-pk"])

    def paginate_queryset(self, queryset: QuerySet[Any], request: Request,
                          view: APIView | None = None) -> list[Any]:
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        backwards, position = self._decoded(request)
        ordering = _reversed(self.ordering) if backwards else list(self.ordering)
        # Empty values last, as the list pages sort; paging back walks the same order reversed, so there they come
        # first. A view may sort a field by another expression of its value (DealViewSet.sort_value).
        queryset = queryset.order_by(*sort_order(queryset.model, ordering, value=getattr(view, "sort_value", F),
                                                 empty_first=backwards))
        nullable = {name for name in (field.removeprefix("-") for field in ordering)
                    if may_be_empty(queryset.model, name)}
        if position is not None:
            try:
                queryset = queryset.filter(_after(ordering, position, empty_first=backwards, nullable=nullable))
            except (DjangoValidationError, ValueError, TypeError) as bad:
                raise exceptions.NotFound(self.invalid_cursor_message) from bad
        if view is not None and getattr(view, "keys_first", False):
            # The page's keys in order, then those rows with what they show (the view's `shown`), read by their keys
            # alone (the keys came from the rows the user sees): PostgreSQL joined a rep's 1,200 deals to their
            # customer, owner and ports, or 1,311 invoices to contract and customer, before sorting them for a page
            # of 50. A row gone meanwhile is left out.
            keys = list(queryset.values_list("pk", flat=True)[:self.page_size + 1])
            page_rows = view.shown(queryset.model._default_manager.filter(pk__in=keys[:self.page_size]).order_by())
            by_key = {row.pk: row for row in page_rows}
            rows = [by_key[key] for key in keys if key in by_key]
            more = len(keys) > self.page_size
        else:
            rows = list(queryset[:self.page_size + 1])
            more = len(rows) > self.page_size
        self.page = rows[:self.page_size]
        if backwards:
            self.page.reverse()
        # Coming from a page means there is that page to go back to.
        self.has_next, self.has_previous = (True, more) if backwards else (more, position is not None)
        return self.page

    def _decoded(self, request: Request) -> tuple[bool, list[str | None] | None]:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return False, None
        try:
            cursor = json.loads(urlsafe_b64decode(encoded.encode("ascii")))
            backwards, ordering, position = bool(cursor["r"]), cursor["o"], cursor["p"]
        except (ValueError, TypeError, KeyError, Base64Error) as bad:
            raise exceptions.NotFound(self.invalid_cursor_message) from bad
        if (ordering != list(self.ordering) or not isinstance(position, list) or len(position) != len(ordering)
                or not all(value is None or isinstance(value, str) for value in position)):
            raise exceptions.NotFound(self.invalid_cursor_message)  # made for another sort, or made up
        return backwards, position

    def _link(self, row: Model | None, *, backwards: bool) -> str:
        if row is None:  # nothing on this page to step from: start again
            return remove_query_param(self.base_url, self.cursor_query_param)
        cursor = {"r": backwards, "o": self.ordering, "p": [_value(row, field) for field in self.ordering]}
        encoded = urlsafe_b64encode(json.dumps(cursor).encode()).decode("ascii")
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def get_next_link(self) -> str | None:
        return self._link(self.page[-1] if self.page else None, backwards=False) if self.has_next else None

    def get_previous_link(self) -> str | None:
        return self._link(self.page[0] if self.page else None, backwards=True) if self.has_previous else None
