"""Laycans that apps built on the pipeline add to the laycan calendar (a shipment's narrowed laycan
with its vessel), without the pipeline importing them: each registers a function that lists its
entries of one month, in a fixed number of queries, for the deals the calendar shows."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from accounts.models import User

from .models import Deal


@dataclass(frozen=True)
class LaycanEntry:
    """One window on the calendar besides the deals' own: what its bar says and where it leads."""

    laycan_from: date
    laycan_to: date
    label: str  # the bar's text, e.g. "Pacific Glory"
    detail: str  # a second line: whose cargo, how much
    url: str
    kind: str  # its name in the legend, e.g. "Vessel"
    reference: str = ""  # after the label and kept on one line, e.g. "BS-2026-0012/1"
    css: str = "text-bg-info"
    icon: str = "bi-water"

    def __str__(self) -> str:
        return f"{self.label} — {self.reference}" if self.reference else self.label


# (user, the deals the calendar shows, first day, last day) -> entries overlapping those days
LaycanSource = Callable[[User, QuerySet[Deal], date, date], list[LaycanEntry]]
_sources: list[LaycanSource] = []


def register_laycan_source(source: LaycanSource) -> None:
    if source not in _sources:
        _sources.append(source)


def laycan_entries(user: User, deals: QuerySet[Deal], first: date, last: date) -> list[LaycanEntry]:
    return [entry for source in _sources for entry in source(user, deals, first, last)]
