"""Calendar periods of the scorecards and targets: months and quarters, their bounds and their labels."""

from datetime import date, timedelta

from django.utils.translation import gettext as _

# As Scorecard.Period stores them (a model module imports this one, not the other way round).
MONTH, QUARTER = "month", "quarter"


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    start = date(year, 3 * (quarter - 1) + 1, 1)
    end = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1) - timedelta(days=1)
    return start, end


def month_bounds(day: date) -> tuple[date, date]:
    start = day.replace(day=1)
    end = (start.replace(year=start.year + (start.month == 12), month=start.month % 12 + 1)) - timedelta(days=1)
    return start, end


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


def next_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year + 1, 1) if quarter == 4 else (year, quarter + 1)


def quarter_start(day: date) -> date:
    return quarter_bounds(*quarter_of(day))[0]


def period_bounds(period: str, day: date) -> tuple[date, date]:
    """The first and last day of the month or quarter that holds `day`, as the scorecards store them."""
    return quarter_bounds(*quarter_of(day)) if period == QUARTER else month_bounds(day)


def quarter_label(year: int, quarter: int) -> str:
    """"2026 Q4", in the reader's language."""
    return _("%(year)d Q%(quarter)d") % {"year": year, "quarter": quarter}


def period_label(period: str, start: date) -> str:
    return quarter_label(*quarter_of(start)) if period == QUARTER else f"{start:%Y-%m}"
