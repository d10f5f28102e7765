"""Telling higher apps that something their figures count has changed, without importing them.

Services of customers and pipeline call `figures_changed` inside their transaction; the targets app
registers a listener that refreshes the scorecards of the people and periods concerned once it commits."""

from collections.abc import Callable, Iterable
from datetime import date

Listener = Callable[..., None]
_listeners: list[Listener] = []


def register_listener(listener: Listener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def figures_changed(*, people: Iterable[int | None], days: Iterable[date | None] = ()) -> None:
    """A record counted on `days` (a signing date, a visit's day...) changed, and today's figures too, for
    `people` (user ids: whoever the record counts for before and after the change: owner, credited seller,
    second seller, customer's owner)."""
    known = [day for day in days if day is not None]
    concerned = sorted({person for person in people if person is not None})
    for listener in _listeners:
        listener(days=known, people=concerned)
