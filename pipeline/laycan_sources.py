"""Laycans that apps built on the pipeline add to the laycan calendar (a shipment's narrowed laycan
with its vessel), without the pipeline importing them: each registers a source that lists its
entries' windows of one month for the deals the calendar shows, and describes those drawn."""

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, NamedTuple

from django.db.models import QuerySet

from accounts.models import User

from .models import Deal

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class LaycanEntry:
    """One window on the calendar besides the deals' own: what its bar says and where it leads (its kind, colour
    and icon are its source's)."""

    laycan_from: date
    laycan_to: date
    label: str  # the bar's text, e.g. "Pacific Glory"
    detail: str  # a second line: whose cargo, how much
    url: str
    reference: str = ""  # after the label and kept on one line, e.g. "BS-2026-0012/1"

    def __str__(self) -> str:
        return f"{self.label} — {self.reference}" if self.reference else self.label


@dataclass(frozen=True, eq=False)  # one of a kind: known by identity
class LaycanSource:
    """An app's windows on the calendar. The calendar lays a month out from their dates alone (`windows`: its
    entries' keys and dates overlapping the days asked, in a fixed number of queries) and has only the ones it
    draws described (`describe`: key -> entry): a manager's month holds some 500 vessels and draws a few dozen."""

    # (user, the deals the calendar's filters choose, first day, last day) -> (key, laycan from, laycan to) of each
    # entry of those deals that the user sees: each source narrows to what the user sees in its own way
    windows: Callable[[User, QuerySet[Deal], date, date], Iterable[tuple[int, date, date]]]
    describe: Callable[[Collection[int]], dict[int, LaycanEntry]]
    kind: "StrOrPromise"  # its entries' name in the legend and on each, e.g. "Vessel"
    css: str = "text-bg-info"  # their colour
    icon: str = "bi-water"


class LaycanWindow(NamedTuple):
    """An entry's dates and key (or a deal's own laycan, with no `source`): what a month's layout reads. A tuple: a
    manager's month makes some 1,400 of them, and a frozen dataclass's are four times as dear to make."""

    laycan_from: date
    laycan_to: date
    pk: int
    source: LaycanSource | None = None


_sources: list[LaycanSource] = []


def register_laycan_source(source: LaycanSource) -> None:
    if source not in _sources:
        _sources.append(source)


def laycan_windows(user: User, deals: QuerySet[Deal], first: date, last: date) -> list[LaycanWindow]:
    return [LaycanWindow(laycan_from, laycan_to, pk, source) for source in _sources
            for pk, laycan_from, laycan_to in source.windows(user, deals, first, last)]


def describe(windows: Iterable[LaycanWindow]) -> dict[LaycanWindow, LaycanEntry]:
    """The entries of `windows` (none a deal's own): one query per source. One gone since its window was read
    (a shipment deleted meanwhile) is left out."""
    windows = list(windows)
    described: dict[LaycanWindow, LaycanEntry] = {}
    for source in dict.fromkeys(window.source for window in windows if window.source is not None):
        entries = source.describe([window.pk for window in windows if window.source is source])
        described.update({window: entries[window.pk] for window in windows
                          if window.source is source and window.pk in entries})
    return described


def laycan_entries(user: User, deals: QuerySet[Deal], first: date, last: date) -> list[LaycanEntry]:
    """Every entry overlapping [first, last], described (the calendar feeds list them all)."""
    return list(describe(laycan_windows(user, deals, first, last)).values())
