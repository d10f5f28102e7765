"""The laycan calendar: when vessels must arrive to load for signed and near-signing deals, month by month,
with the windows the apps built on the pipeline add (shipments' narrowed laycans)."""

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import accumulate
from operator import itemgetter
from typing import NamedTuple

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts import access
from accounts.models import in_reader_language
from accounts.pages import AuthenticatedRequest, address_pattern
from accounts.templatetags.numbers import floatformat
from customers.models import Customer

from .. import selectors
from ..filters import LaycanFilter
from ..laycan_sources import LaycanEntry, LaycanSource, LaycanWindow, describe, laycan_windows
from ..models import Deal, Outcome
from ..selectors import laycans_in

# Months outside these years are treated as a typo and fall back to this month.
FIRST_YEAR, LAST_YEAR = 1900, 2999
# A week draws this many lanes of bars at most; a day's other laycans are counted ("+3 more"). A manager's
# month held 1,451 bars (a 2.5 MB page, a second to draw): nobody reads past a dozen lanes.
LANES = 12
# Past this many deals' laycans in the month, none is drawn: the calendar asks for an owner or a commodity
# (the director's month held 33,740 windows: 25 seconds).
MOST_DEALS_DRAWN = 2000


class DrawnDeal(NamedTuple):
    """What a deal's bar says of it, read as values: a manager's month draws some 60 deals, and made into deals,
    customers, commodities and ports (four models a row) they took twice as long to read."""

    pk: int
    laycan_from: date
    laycan_to: date
    outcome: str
    quantity_tonnes: Decimal
    customer: str  # as Customer.__str__ names it
    commodity: str  # in the reader's language
    discharge_port: str  # in the reader's language; "" when not set


@dataclass
class Bar:
    """A deal's laycan, or another entry's, within one week of the grid: its first column (1-7), its
    span and its lane; once drawn, the deal or entry and the words it shows (`Shown`)."""

    column: int
    span: int
    window: LaycanWindow
    lane: int = 0
    continues_before: bool = False
    continues_after: bool = False
    deal: DrawnDeal | None = None
    entry: LaycanEntry | None = None
    shown: "Shown | None" = None

    @property
    def row(self) -> int:
        return self.lane + 1  # row 1 holds the day numbers


@dataclass(frozen=True)
class Shown:
    """What a bar says, in words built once for the grid and the phone's list alike (a manager's month draws
    some 130 bars twice: written out in the template, they took half the page's time)."""

    url: str
    css: str  # its colour
    icon: str
    text: str  # on the grid's bar
    title: str  # on the grid's bar's tooltip
    label: str  # the phone's line: its name (and reference), its kind, detail and laycan
    kind: str
    detail: str
    laycan: str
    reference: str = ""


@dataclass
class Week:
    days: list[dict[str, date | bool]]
    first: date  # the week's first and last days within the month
    last: date
    bars: list[Bar] = field(default_factory=list)
    more: list[int] = field(default_factory=lambda: [0] * 7)  # each day's laycans past the last lane
    hidden: int = 0  # the week's laycans not drawn

    @property
    def more_row(self) -> int:
        """The grid row of the "+N more" counts: below the last lane drawn."""
        return max((bar.lane for bar in self.bars), default=0) + 2

    @property
    def rows(self) -> int:
        """Grid rows: the day numbers, one per lane of bars, the counts of the rest if any, and one to spare so
        a cell never looks full."""
        return self.more_row + (1 if self.hidden else 0)


def month_from(value: str | None, today: date) -> date:
    """The first day of ?month=YYYY-MM, or of this month when the value is missing or wrong."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", value or "")
    if match:
        year, month = int(match[1]), int(match[2])
        if FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12:
            return date(year, month, 1)
    return today.replace(day=1)


def _weeks(first: date, items: Sequence[LaycanWindow], today: date) -> list[Week]:
    """The month as Monday-first weeks, each deal or entry (`items`, by their first day) cut into one bar per week
    and stacked in lanes. Days are counted as ordinals: a manager's month lays out some 1,400 windows, and the
    dates' own arithmetic (a timedelta per subtraction, a call per weekday) was most of the layout's time."""
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    grid = calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(first.year, first.month)
    origin, first_day, last_day = grid[0][0].toordinal(), first.toordinal(), last.toordinal()  # origin: a Monday
    # Each week's items with their days, in their order, from the weeks each one spans (reading all of them again
    # for each week cost more than the rest of the layout).
    touching: list[list[tuple[int, int, LaycanWindow]]] = [[] for _week in grid]
    for item in items:
        item_from, item_to = item.laycan_from.toordinal(), item.laycan_to.toordinal()
        start = item_from if item_from > first_day else first_day
        end = item_to if item_to < last_day else last_day
        if start <= end:
            for index in range((start - origin) // 7, (end - origin) // 7 + 1):
                touching[index].append((item_from, item_to, item))
    weeks = []
    for index, (dates, week_items) in enumerate(zip(grid, touching, strict=True)):
        monday = origin + 7 * index
        week_first, week_last = max(monday, first_day), min(monday + 6, last_day)
        week = Week(days=[{"date": day, "in_month": day.month == first.month, "today": day == today}
                          for day in dates], first=date.fromordinal(week_first), last=date.fromordinal(week_last))
        lane_ends: list[int] = []  # the last column taken in each lane
        # The laycans with no room left, as each day's change of their count from the day before: a manager's
        # month hides some 2,600 (and draws 130), each counted on all its days at the end.
        hidden_from = [0] * 8
        lanes_free_from = 0
        for item_from, item_to, item in week_items:
            start = item_from if item_from > week_first else week_first
            end = item_to if item_to < week_last else week_last
            column, last_column = start - monday + 1, end - monday + 1
            # Items come sorted by start, so the first lane free at this column keeps bars from overlapping.
            if len(lane_ends) == LANES and lanes_free_from >= column:  # no room: counted on each of its days instead
                week.hidden += 1
                hidden_from[column - 1] += 1
                hidden_from[last_column] -= 1
                continue
            for lane, lane_end in enumerate(lane_ends):
                if lane_end < column:
                    lane_ends[lane] = last_column
                    break
            else:
                lane = len(lane_ends)
                lane_ends.append(last_column)
            lanes_free_from = min(lane_ends)  # the first column past which a lane is free
            week.bars.append(Bar(column=column, span=last_column - column + 1, window=item, lane=lane + 1,
                                 continues_before=item_from < start, continues_after=item_to > end))
        week.more = list(accumulate(hidden_from[:7]))
        weeks.append(week)
    return weeks


def _month_link(request: AuthenticatedRequest, month: date) -> str:
    query = request.GET.copy()
    query["month"] = f"{month:%Y-%m}"
    return "?" + query.urlencode()


class _Words:
    """What the bars' words share, translated once per page and each day written once: a manager's month
    describes some 130 bars, most of whose days are another's too."""

    def __init__(self) -> None:
        self.laycan, self.laycan_span, self.tonnes = _("Laycan"), _("Laycan %(first)s – %(last)s"), _("%(tonnes)s t")
        self.signed, self.negotiation = _("Signed"), _("Negotiation")
        self.deal_url = address_pattern("deals:detail")
        self._days: dict[date, str] = {}

    def day(self, day: date) -> str:
        if day not in self._days:
            self._days[day] = date_format(day, "MONTH_DAY_FORMAT")
        return self._days[day]

    def laycan_words(self, laycan_from: date, laycan_to: date) -> tuple[str, str]:
        """The tooltip's "Laycan 2027-03-10 – 2027-03-20" and the phone's "Laycan 10 March – 20 March"."""
        return (f"{self.laycan} {laycan_from:%Y-%m-%d} – {laycan_to:%Y-%m-%d}",
                self.laycan_span % {"first": self.day(laycan_from), "last": self.day(laycan_to)})


def _deal_shown(deal: DrawnDeal, words: _Words) -> Shown:
    tonnes = words.tonnes % {"tonnes": floatformat(deal.quantity_tonnes, "0g")}
    detail = " · ".join([deal.commodity, tonnes, *([deal.discharge_port] if deal.discharge_port else [])])
    text = f"{deal.customer} · {detail}"
    tooltip, laycan = words.laycan_words(deal.laycan_from, deal.laycan_to)
    won = deal.outcome == Outcome.WON
    return Shown(url=words.deal_url.format(deal.pk), css="text-bg-success" if won else "text-bg-warning",
                 icon="bi-check-circle-fill" if won else "bi-hourglass-split", text=text, title=f"{text} · {tooltip}",
                 label=deal.customer, kind=words.signed if won else words.negotiation, detail=detail,
                 laycan=laycan)


def _entry_shown(entry: LaycanEntry, source: LaycanSource, words: _Words) -> Shown:
    tooltip, laycan = words.laycan_words(entry.laycan_from, entry.laycan_to)
    return Shown(url=entry.url, css=source.css, icon=source.icon, text=str(entry),
                 title=f"{entry} · {entry.detail} · {tooltip}", label=entry.label, kind=str(source.kind),
                 detail=entry.detail, laycan=laycan, reference=entry.reference)


def _describe(weeks: list[Week], first: date, last: date) -> None:
    """The drawn bars' deals and entries and their words: a query for the deals and one per source. A bar whose
    deal or entry changed out of the month between the two reads is dropped."""
    bars = [bar for week in weeks for bar in week.bars]
    # Read by their keys alone, the keys having come from the deals the user sees and the filters chose (as the
    # board's cards): the access rules and filters again cost more to build and plan than the read (1.8 -> 1.2 ms).
    drawn = Deal.objects.filter(pk__in=[bar.window.pk for bar in bars if bar.window.source is None])
    rows = laycans_in(drawn, first, last).order_by().values_list(
        "pk", "laycan_from", "laycan_to", "outcome", "quantity_tonnes", "customer__name", "customer__short_name",
        "commodity__name", "commodity__name_zh", "discharge_port__name", "discharge_port__name_zh")
    by_pk = {pk: DrawnDeal(pk, laycan_from, laycan_to, outcome, tonnes, Customer.label_from(short_name, name),
                           in_reader_language(commodity, commodity_zh),
                           in_reader_language(port, port_zh) if port else "")
             for (pk, laycan_from, laycan_to, outcome, tonnes, name, short_name, commodity, commodity_zh, port,
                  port_zh) in rows}
    entries = describe(bar.window for bar in bars if bar.window.source is not None)
    words = _Words()
    for bar in bars:
        if bar.window.source is not None:
            bar.entry = entries.get(bar.window)
            bar.shown = _entry_shown(bar.entry, bar.window.source, words) if bar.entry else None
        else:
            bar.deal = by_pk.get(bar.window.pk)
            bar.shown = _deal_shown(bar.deal, words) if bar.deal else None
    for week in weeks:
        week.bars = [bar for bar in week.bars if bar.shown is not None]


@access.sellers_only
def laycan_calendar(request: AuthenticatedRequest) -> HttpResponse:
    today = timezone.localdate()
    first = month_from(request.GET.get("month"), today)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    criteria = {name: request.GET[name] for name in ("owner", "commodity") if request.GET.get(name)}
    filtered = LaycanFilter(criteria or None, queryset=selectors.deals_visible_to(request.user, read_first=True),
                          user=request.user)
    in_month = laycans_in(filtered.qs, first, last)
    # The month is laid out from the windows' dates alone, and only the bars drawn are read whole: a manager's
    # month holds some 900 contracts and 500 vessels, and draws about 130 of them. One past the most drawn tells
    # a month with too many (unsorted: the layout sorts them), in the same query (a count first cost 2 ms more).
    windows = list(in_month.order_by().values_list("pk", "laycan_from", "laycan_to")[:MOST_DEALS_DRAWN + 1])
    too_many = len(windows) > MOST_DEALS_DRAWN
    deals = [] if too_many else [LaycanWindow(laycan_from, laycan_to, pk) for pk, laycan_from, laycan_to in windows]
    # The other windows follow the same filters: a shipment shows when its contract would. Each source narrows them
    # to what the user sees its own way (the vessels: each way a seller sees a contract, by its own index); given
    # the deals already narrowed so, the vessels' query took half as long again to build and plan (4.3 -> 3.3 ms).
    entries = [] if too_many else laycan_windows(request.user, filtered.chosen(Deal.objects.all()), first, last)
    weeks = _weeks(first, sorted([*deals, *entries], key=itemgetter(0, 1)), today)  # by laycan_from, laycan_to
    _describe(weeks, first, last)
    previous_month = (first - timedelta(days=1)).replace(day=1)
    next_month = last + timedelta(days=1)
    sources = list(dict.fromkeys(entry.source for entry in entries if entry.source is not None))
    return render(request, "pipeline/laycan_calendar.html", {
        "filter": filtered,
        "month": first,
        "month_value": f"{first:%Y-%m}",
        "weeks": weeks,
        # "More than 2,000": the director's exact 33,740 took a count of its own (25 ms), to say no more than this.
        "too_many": MOST_DEALS_DRAWN if too_many else 0,
        "not_drawn": any(week.hidden for week in weeks),
        "deal_count": len(deals),
        "entry_count": len(entries),
        "entry_kinds": [(source.kind, source.css, source.icon) for source in sources],
        "previous_link": _month_link(request, previous_month) if previous_month.year >= FIRST_YEAR else "",
        "next_link": _month_link(request, next_month) if next_month.year <= LAST_YEAR else "",
        "this_month_link": _month_link(request, today.replace(day=1)),
    })
