"""What every app's pages share: the request of a signed-in user, a list's page, a form's page.

Views import these rather than write their own, so that a page size, the paging of a list and
the one template of a simple form are the same everywhere.
"""

import html
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.context import Context
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from .models import User

_M = TypeVar("_M", bound=Model)

PAGE_SIZE = 50


class AuthenticatedRequest(HttpRequest):
    """A request behind `login_required` (or one of the access policy's gates): its user is a `User`."""

    user: User


# Stands in for a record's id in an address reversed once (`address_pattern`).
_ANY_ID = 918273645


def address_pattern(name: str) -> str:
    """The address of the page `name` (one that takes a record's id) with "{}" in the id's place: reversed once for
    a page that links many records, then `.format(pk)` for each (reversing per row cost as much as the rest of
    the row)."""
    return reverse(name, args=[_ANY_ID]).replace(str(_ANY_ID), "{}")


def once_per_rendering(context: Context, key: str, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """What every row or card of one page shares (its words, its addresses), built by `build` once per rendering
    of the page and kept in the template's render context under `key`."""
    shared = context.render_context.get(key)
    if shared is None:
        shared = context.render_context[key] = build()
    return shared


def fill(markup: str, *values: Any) -> SafeString:
    """`markup` with `values` in its "{}"s, escaped unless already safe: Django's `format_html`, for the rows and
    cards built in Python by the hundred. The same HTML at a quarter of the cost: `format_html` escapes each value
    through two wrappers made for lazy text (a board of 120 cards made some 3,800 such calls)."""
    return SafeString(markup.format(*_escaped(values)))  # nosec B703 B308: every value escaped unless already safe


def joined(parts: Iterable[Any], separator: str = "") -> SafeString:
    """`parts` one after the other, each escaped unless already safe: `format_html_join(separator, "{}", ...)`,
    without a `format_html` per part."""
    return SafeString(separator.join(_escaped(parts)))  # nosec B703 B308: every part escaped unless already safe


def _escaped(values: Iterable[Any]) -> list[str]:
    # A number needs no escaping (a calendar's bars are placed by some 1,000 of them a page).
    return [str(value) if type(value) is int else value.__html__() if hasattr(value, "__html__")
            else html.escape(str(value)) for value in values]


def form_token(shared: dict[str, Any]) -> str:
    """The CSRF token of the forms in rows built in Python, read once per rendering into `shared` (what
    `once_per_rendering` built, with the page's "request"): Django masks it afresh at each call, and only a page
    whose rows have a form asks for it."""
    if "csrf" not in shared:
        shared["csrf"] = get_token(shared["request"]) if shared["request"] is not None else ""
    return str(shared["csrf"])


# A searched list counts its rows this far at most (accounts.sql.count_at_most): a director's search for 煤 matched
# 60,000 of 200,000 deals, and counting them all took longer than the rest of the page (57 -> 5 ms).
SEARCH_COUNT_LIMIT = 1000


def page_of(request: HttpRequest, records: QuerySet[_M], size: int = PAGE_SIZE, *,
            count: int | None = None, at_most: int | None = None) -> Page[_M]:
    """The page of `records` that the request's `?page=` asks for (the last one if past the end); `count`, how many
    records there are, when the caller counts them faster than `records.count()`. With `at_most`, `count` was
    counted no further than one past it (`count_at_most`): past it the pages end there and the paginator's
    `more_than` says so (the heading's "more than 1,000", the pager's "of 20+"); otherwise `more_than` is None."""
    paginator = Paginator(records, size)
    paginator.more_than = None  # type: ignore[attr-defined]  # read by the templates
    if count is not None and at_most is not None and count > at_most:
        count = paginator.more_than = at_most  # type: ignore[attr-defined]
    if count is not None:
        paginator.count = count  # in place of the cached property's own count
    return paginator.get_page(request.GET.get("page"))


def filter_data(request: HttpRequest) -> QueryDict | None:
    """What a list's filters read from the query string: None (the filters unset, the bar folded on a phone) when
    it asks for nothing but a page."""
    return request.GET if set(request.GET) - {"page"} else None


def query_without_page(request: HttpRequest) -> str:
    """The request's query string without `page`, for the pager's links to carry the filters."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def form_page(request: HttpRequest, form: Any, title: str, *, back: str, submit: str | None = None,
              intro: str = "") -> HttpResponse:
    """One form on a page of its own, with its title, a cancel link to `back` and the submit button."""
    return render(
        request,
        "accounts/form.html",
        {"form": form, "title": title, "back": back, "submit": submit or _("Save"), "intro": intro},
    )
