"""What apps built on the pipeline add to a person's inbox (the reminders page) and to its bell's count,
without the pipeline importing them: a panel renders their part of the inbox for the request's user, a
count gives columns of ids whose rows the bell adds to the open reminders in the same COUNT query."""

from collections.abc import Callable
from datetime import date
from typing import Any

from django.db.models import QuerySet

from accounts.models import User
from accounts.pages import AuthenticatedRequest

from .bell import cached_count
from .selectors import open_reminders

# (request) -> rendered HTML, or "" to show nothing
InboxPanel = Callable[[AuthenticatedRequest], str]
# (user, day) -> querysets of one integer column each (values_list("pk")), united with UNION ALL
InboxCount = Callable[[User, date], list[QuerySet[Any, Any]]]

_panels: list[InboxPanel] = []
_counts: list[InboxCount] = []


def register_inbox_panel(panel: InboxPanel) -> None:
    if panel not in _panels:
        _panels.append(panel)


def register_inbox_count(count: InboxCount) -> None:
    if count not in _counts:
        _counts.append(count)


def render_inbox_panels(request: AuthenticatedRequest, *, reminders: int, waiting: int) -> list[str]:
    """The registered panels' parts of the request user's inbox, given how many `reminders` it lists and the bell's
    count (`waiting`, `bell_count`). A panel shows something exactly when its count adds rows to the bell: when the
    bell counts the reminders alone, none is asked (a rep with no coaching waiting: two queries whose building and
    planning took 4 ms of the inbox)."""
    if waiting <= reminders:
        return []
    return [html for panel in _panels if (html := panel(request))]


def bell_count(user: User, day: date) -> int:
    """The bell's count: the person's open reminders and what the registered counts add, from the cache
    (pipeline.bell) or in one COUNT query (`inbox_count`)."""
    return cached_count(user.pk, day, lambda: inbox_count(open_reminders(user, day), user, day))


def inbox_count(reminders: QuerySet[Any], user: User, day: date) -> int:
    """The open `reminders` and what the registered counts add, in one query."""
    columns = [column for count in _counts for column in count(user, day)]
    if not columns:
        return reminders.count()
    return reminders.order_by().values_list("pk").union(*columns, all=True).count()
