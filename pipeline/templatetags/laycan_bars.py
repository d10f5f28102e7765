"""`{% laycan_week_grid week %}` and `{% laycan_week_list week %}`: a week of the laycan calendar (its days, bars
and "+N more" counts on the grid; its bars as a list on a phone), built in Python in the markup the template gave
them (kept in tests/test_laycan_bars.py, which holds the two to the same HTML). Through the template language, a
variable and a number localised at a time, a manager's month of some 130 bars drawn twice took 16 ms to render."""

from typing import TYPE_CHECKING

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from accounts.pages import fill, joined

if TYPE_CHECKING:
    from pipeline.views.calendar import Bar, Week

register = template.Library()

_DAY = ('<div class="laycan-day{}{}" style="grid-column: {}; grid-row-end: span {};">'
        '<span class="laycan-date">{}</span></div>')
_BAR = ('<a href="{}" class="laycan-bar {}{}{}" style="grid-column: {} / span {}; grid-row: {};" title="{}">'
        '<i aria-hidden="true" class="bi {} me-1"></i>{}</a>')
_TRUNCATE = SafeString(' class="text-truncate"')
_MORE = '<span class="laycan-more" style="grid-column: {}; grid-row: {};">{}</span>'
_ITEM = ('<a class="list-group-item list-group-item-action" href="{}">'
         '<div class="d-flex justify-content-between gap-2"><strong{}>{}{}</strong>'
         '<span class="badge {} align-self-start"><i aria-hidden="true" class="bi {} me-1"></i>{}</span></div>'
         '<div class="small">{}</div><div class="small text-secondary">{}</div></a>')


def _bar(bar: "Bar") -> SafeString:
    shown = bar.shown
    assert shown is not None  # a week keeps only the bars described (views/calendar.py `_describe`)
    return fill(_BAR, shown.url, shown.css, " continues-before" if bar.continues_before else "",
                " continues-after" if bar.continues_after else "", bar.column, bar.span, bar.row, shown.title,
                shown.icon, shown.text)


@register.simple_tag
def laycan_week_grid(week: "Week") -> SafeString:
    rows = week.rows
    days = [fill(_DAY, "" if day["in_month"] else " outside", " today" if day["today"] else "", column, rows,
                 day["date"].day)  # type: ignore[union-attr]  # the date of a day is a date
            for column, day in enumerate(week.days, start=1)]
    more_row = week.more_row
    more = [fill(_MORE, column, more_row, _("+%(count)s more") % {"count": count})
            for column, count in enumerate(week.more, start=1) if count]
    return joined([*days, *(_bar(bar) for bar in week.bars), *more], "\n")


@register.simple_tag
def laycan_week_list(week: "Week") -> SafeString:
    items = []
    for bar in week.bars:
        shown = bar.shown
        assert shown is not None
        reference = fill(' — <span class="text-nowrap">{}</span>', shown.reference) if shown.reference else ""
        items.append(fill(_ITEM, shown.url, "" if shown.reference else _TRUNCATE, shown.label,
                          reference, shown.css, shown.icon, shown.kind, shown.detail, shown.laycan))
    return joined(items, "\n")
