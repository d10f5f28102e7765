"""The laytime statement: time allowed to load or discharge, time used, demurrage or despatch.

A pure function, worked by hand in tests/test_execution_laytime.py (WORKED_EXAMPLES.md, section 5).
Laytime commences a turn time after notice of readiness; the excepted periods (rain, shifting,
and under SHEX every Sunday and holiday) do not count, until laytime has run out: "once on
demurrage, always on demurrage", so after that moment every hour counts. Times are the port's
local times, all in one time zone (or all naive); hours are Decimals, money rounded to the cent.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HOURS_PER_DAY = Decimal(24)
Period = tuple[datetime, datetime]


@dataclass(frozen=True)
class LaytimeTerms:
    """The contract's laytime clause for one port."""

    tonnes: Decimal
    rate_per_day: Decimal  # tonnes loaded or discharged per (weather working) day
    demurrage_per_day: Decimal
    despatch_per_day: Decimal | None = None  # None: half the demurrage rate, the usual term
    turn_time: timedelta = timedelta(hours=12)  # laytime counts this long after notice of readiness
    sundays_holidays_excepted: bool = True  # SHEX; False is SHINC (Sundays and holidays included)
    holidays: frozenset[date] = field(default_factory=frozenset)

    @property
    def allowed_hours(self) -> Decimal:
        return self.tonnes / self.rate_per_day * HOURS_PER_DAY

    @property
    def despatch_rate(self) -> Decimal:
        return self.despatch_per_day if self.despatch_per_day is not None else self.demurrage_per_day / 2


@dataclass(frozen=True)
class LaytimeStatement:
    commenced: datetime
    completed: datetime
    allowed_hours: Decimal
    elapsed_hours: Decimal
    excepted: tuple[Period, ...]  # the periods that stopped the clock, clipped and merged
    excepted_hours: Decimal
    used_hours: Decimal
    expired_at: datetime | None  # when laytime ran out; None if the work finished within it
    demurrage: Decimal  # owed to the owner, for the hours on demurrage
    despatch: Decimal  # owed to the charterer, for the hours saved

    @property
    def on_demurrage(self) -> bool:
        return self.expired_at is not None

    @property
    def hours_over(self) -> Decimal:
        return max(self.used_hours - self.allowed_hours, Decimal(0))

    @property
    def hours_saved(self) -> Decimal:
        return max(self.allowed_hours - self.used_hours, Decimal(0))


def hours(span: timedelta) -> Decimal:
    return Decimal(int(span.total_seconds())) / 3600


def _sundays_and_holidays(first: datetime, last: datetime, holidays: Iterable[date]) -> list[Period]:
    """The calendar days from `first` to `last` that are Sundays or holidays, as whole-day periods."""
    periods = []
    day = first.date()
    holidays = set(holidays)
    while day <= last.date():
        if day.weekday() == 6 or day in holidays:
            start = datetime.combine(day, time(0), tzinfo=first.tzinfo)
            periods.append((start, start + timedelta(days=1)))
        day += timedelta(days=1)
    return periods


def _merged(periods: Iterable[Period], first: datetime, last: datetime) -> list[Period]:
    """The periods clipped to [first, last], sorted, overlaps joined (an hour is excepted once)."""
    clipped = sorted((max(start, first), min(end, last)) for start, end in periods if end > first and start < last)
    merged: list[Period] = []
    for start, end in clipped:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def laytime_statement(
    terms: LaytimeTerms, *, notice_tendered: datetime, completed: datetime, excepted: Sequence[Period] = ()
) -> LaytimeStatement:
    """Count laytime from commencement to completion and price the time over or saved."""
    commenced = notice_tendered + terms.turn_time
    allowed = terms.allowed_hours
    calendar = _sundays_and_holidays(commenced, completed, terms.holidays) if terms.sundays_holidays_excepted else []
    stops = _merged([*excepted, *calendar], commenced, completed)

    counted = Decimal(0)
    cursor = commenced
    expired_at = None
    stopped: list[Period] = []
    # Walk the running time between the stops; the last "stop" is completion itself, where running
    # out exactly is not demurrage.
    for start, end in [*stops, (completed, completed)]:
        running = hours(start - cursor)
        if counted + running > allowed or (counted + running == allowed and end > start):
            expired_at = cursor + timedelta(seconds=int((allowed - counted) * 3600))
            break
        counted += running
        if end > start:
            stopped.append((start, end))
        cursor = end

    elapsed = hours(completed - commenced)
    excepted_hours = sum((hours(end - start) for start, end in stopped), Decimal(0))
    used = elapsed - excepted_hours
    rate_per_hour = terms.demurrage_per_day / HOURS_PER_DAY
    return LaytimeStatement(
        commenced=commenced,
        completed=completed,
        allowed_hours=allowed,
        elapsed_hours=elapsed,
        excepted=tuple(stopped),
        excepted_hours=excepted_hours,
        used_hours=used,
        expired_at=expired_at,
        demurrage=(max(used - allowed, Decimal(0)) * rate_per_hour).quantize(CENT, ROUND_HALF_UP),
        despatch=(max(allowed - used, Decimal(0)) * terms.despatch_rate / HOURS_PER_DAY).quantize(
            CENT, ROUND_HALF_UP
        ),
    )
