"""Display of the commission figures: an attainment stored as a ratio shown as a percentage, and a plan's
bands as the ranges a person reads ("below 50 %: nothing; 50-100 %: x1.0; ...")."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template
from django.template.context import Context
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.choices import display
from accounts.pages import address_pattern, fill, joined, once_per_rendering
from accounts.templatetags.numbers import floatformat, number_format

from ..models import PlanBand, StatementLine

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
    return number_format(normal, decimal_pos=places)


@register.filter
def ratio_percent(ratio: object) -> str:
    """1.3045 as "130.5 %"; empty as a dash."""
    value = _number(ratio)
    if value is None:
        return "—"
    # Half up, as a person rounds by hand (130.45 % reads 130.5 %).
    percent = (value * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{number_format(percent, decimal_pos=1)} %"


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
    return number_format(amount, decimal_pos=places, force_grouping=True)


@register.filter
def plain(value: object) -> str:
    """A rate or percentage without trailing zeros: 0.8000 as 0.8, 1.000 as 1."""
    number = _number(value)
    return "—" if number is None else _plain(number)


# --- A statement's lines --------------------------------------------------------------------------

def _line_words(context: Context) -> dict[str, Any]:
    """What every line of one statement shares, worked out once per rendering."""
    return once_per_rendering(context, "statement_lines", lambda: {
        "tonnes": _("Tonnes"), "amount": _("Amount"), "share": _("Share"), "rate": pgettext("commission", "Rate"),
        "band": _("Band and multiplier"), "earned": _("Earned"), "contract": _("Contract"),
        "deal": address_pattern("deals:detail"), "statement": address_pattern("incentives:statement"),
        "visible_deals": context.get("visible_deals") or set(),
    })


def _line_title(line: StatementLine, shared: dict[str, Any]) -> SafeString:
    clawback = line.kind == StatementLine.Kind.CLAWBACK
    if line.kind == StatementLine.Kind.CONTRACT or clawback and line.contract_number:
        name = line.contract_number or shared["contract"]
        badge = fill('<span class="badge text-bg-warning me-1">{}</span>', display(line, "kind")) \
            if clawback else ""
        title = fill(
            '{}{}<div class="small text-secondary fw-normal">{}{}</div>', badge,
            fill('<a href="{}">{}</a>', shared["deal"].format(line.deal_id), name)
            if line.deal_id in shared["visible_deals"] else name,
            line.customer_name, f" · {line.commodity_name}" if line.commodity_name else "")
    else:
        title = fill("{}{}", display(line, "kind"), fill(
            '<div class="small text-secondary fw-normal">{}</div>', line.customer_name) if line.customer_name else "")
    if clawback:
        recovers = fill(' · <a href="{}">{}</a>', shared["statement"].format(line.recovers.pk),
                        _("recovers the approved %(plan)s") % {"plan": line.recovers.plan}) \
            if line.recovers else ""
        title = fill('{}<div class="small fw-normal">{}{}</div>', title, display(line, "reason"), recovers)
    return title


def _line_rate(line: StatementLine) -> str:
    parts = []
    if line.percent is not None:
        parts.append(f"{plain(line.percent)} %")
    if line.per_tonne is not None:
        parts.append(f"{plain(line.per_tonne)}/{pgettext('unit', 't')}")
    return " + ".join(parts) or "—"


def _line_bands(line: StatementLine) -> SafeString | str:
    if line.bands:
        return fill('<ul class="list-unstyled small mb-0 band-parts">{}</ul>', joined(
            fill('<li class="text-nowrap"><span class="text-secondary">{}:</span> {} {} = {}</li>', band_part(part),
                 number(part.get("amount"), 0), times(part.get("multiplier")), number(part.get("earned"), 2))
            for part in line.bands))
    return "—" if line.multiplier is None else times(line.multiplier)


@register.simple_tag(takes_context=True)
def statement_line(context: Context, line: StatementLine) -> SafeString:
    """A row of a statement's lines (incentives/statement_detail.html), built here: a statement has a line per
    contract, and through the template language each line's dozen conditions and filters cost most of the page."""
    shared = _line_words(context)
    counted = line.kind in (StatementLine.Kind.CONTRACT, StatementLine.Kind.CLAWBACK)
    return fill(
        '<tr{}><td class="cell-title">{}</td>'
        '<td data-label="{}" class="text-end text-nowrap">{}</td>'
        '<td data-label="{}" class="text-end text-nowrap">{}</td>'
        '<td data-label="{}" class="text-end text-nowrap">{}</td>'
        '<td data-label="{}" class="text-end text-nowrap"><span>{}</span></td>'
        '<td data-label="{}">{}</td>'
        '<td data-label="{}" class="text-end text-nowrap fw-semibold">{}</td></tr>',
        fill(' class="{}"', "table-warning") if line.kind == StatementLine.Kind.CLAWBACK else "",
        _line_title(line, shared),
        shared["tonnes"], "—" if line.tonnes is None else f"{floatformat(line.tonnes, '0g')} {pgettext('unit', 't')}",
        shared["amount"], "—" if line.amount is None else floatformat(line.amount, "2g"),
        shared["share"], f"{floatformat(line.share, '-2')} %" if counted else "—",
        shared["rate"], _line_rate(line),
        shared["band"], _line_bands(line),
        shared["earned"], floatformat(line.earned, "2g"))
