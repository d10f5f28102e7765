"""Columns that higher apps add to the customer list (a customer's overdue balance...), without customers
importing them: each registers how to annotate the list's queryset (one subquery: the list stays one
query), how to show its cell, who sees it, and optionally a filter and a sort on it."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.safestring import SafeString

from accounts.models import User

from .models import Customer


@dataclass(frozen=True)
class ListColumn:
    key: str  # the annotation's name, and the list's sort parameter
    header: str | Promise
    annotate: Callable[[QuerySet[Customer], date], QuerySet[Customer]]  # (customers, today)
    cell: Callable[[Customer], SafeString]  # the cell's content, from the annotated customer
    visible_to: Callable[[User], bool]
    numeric: bool = False  # right-aligned
    sortable: bool = False
    sort_label: str | Promise | None = None  # the sort's choice, if not the header
    # A check box of the list's filters ("Overdue only"), and the rows it keeps (on the annotation).
    filter_label: str | Promise | None = None
    filter_q: Q | None = None


_columns: list[ListColumn] = []


def register_list_column(column: ListColumn) -> None:
    if all(each.key != column.key for each in _columns):
        _columns.append(column)


def columns_for(user: User) -> list[ListColumn]:
    return [column for column in _columns if column.visible_to(user)]


def annotate(customers: QuerySet[Customer], columns: list[ListColumn], today: date) -> QuerySet[Customer]:
    for column in columns:
        customers = column.annotate(customers, today)
    return customers


def rows(customers: Iterable[Customer], columns: list[ListColumn]) -> list[tuple[Customer, list[dict[str, object]]]]:
    """What the list's template shows of each customer: each column's header (the phone's label), content
    and alignment. The headers are translated once for all the rows."""
    headers = [str(column.header) for column in columns]
    return [(customer, [{"header": header, "html": column.cell(customer), "numeric": column.numeric}
                        for header, column in zip(headers, columns, strict=True)])
            for customer in customers]
