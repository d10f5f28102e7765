"""Display of the commission figures: an attainment stored as a ratio shown as a percentage, and a plan's
bands as the ranges a person reads ("below 50 %: nothing; 50-100 %: x1.0; ...")."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from ..models import PlanBand

register = template.Library()


def _number(value: object) -> Decimal | None:
    try:
        return None if value in (None, "") else Decimal(str(value))
    except InvalidOperation:
        return None


def _plain(value: Decimal) -> str:
    """50.00 as 50 and 1.500 as 1.5, in the reader's number format."""
    normal = value.normalize()
    places = max(0, -normal.as_tuple().exponent)  # type: ignore[operator]
    return number_format(normal, decimal_pos=places, use_l10n=True)


@register.filter
def ratio_percent(ratio: object) -> str:
    """1.3045 as "130.5 %"; empty as a dash."""
    value = _number(ratio)
    if value is None:
        return "—"
    # Half up, as a person rounds by hand (130.45 % reads 130.5 %).
    percent = (value * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{number_format(percent, decimal_pos=1, use_l10n=True)} %"


@register.filter
def times(multiplier: object) -> str:
    """1.500 as "×1.5"."""
    value = _number(multiplier)
    return "—" if value is None else f"×{_plain(value)}"


def range_label(start: Decimal | None, end: Decimal | None) -> str:
    if start is None or start == 0:
        return _("up to %(end)s %%") % {"end": _plain(end)} if end is not None else _("all of it")
    if end is None:
        return _("above %(start)s %%") % {"start": _plain(start)}
    return f"{_plain(start)}–{_plain(end)} %"


@dataclass
class BandRange:
    label: str
    multiplier: Decimal | None  # None: nothing earned


@register.simple_tag
def band_ranges(bands: Iterable[PlanBand]) -> list[BandRange]:
    """The plan's bands as ranges of attainment, from "below" the first threshold to "above" the last."""
    bands = list(bands)
    ranges = []
    if bands and bands[0].from_percent > 0:
        ranges.append(BandRange(_("below %(end)s %%") % {"end": _plain(bands[0].from_percent)}, None))
    for index, band in enumerate(bands):
        end = bands[index + 1].from_percent if index + 1 < len(bands) else None
        ranges.append(BandRange(range_label(band.from_percent, end), band.multiplier))
    return ranges


@register.filter
def band_part(part: Mapping[str, object]) -> str:
    """A line's part in one band, from its JSON: "50–100 %"."""
    return range_label(_number(part.get("from")), _number(part.get("to")))


@register.filter
def number(value: object, places: int = 2) -> str:
    """A figure from a line's JSON (a string) in the reader's number format, grouped."""
    amount = _number(value)
    if amount is None:
        return "—"
    return number_format(amount, decimal_pos=places, use_l10n=True, force_grouping=True)


@register.filter
def plain(value: object) -> str:
    """A rate or percentage without trailing zeros: 0.8000 as 0.8, 1.000 as 1."""
    number = _number(value)
    return "—" if number is None else _plain(number)
