"""`{{ value|date_and_time }}`: a moment as SHORT_DATETIME_FORMAT writes it, with its date kept on one line. In a
narrow table cell the browser broke 2026-12-08 at its hyphens; the line may still break between date and time."""

from datetime import datetime

from django import template
from django.template.defaultfilters import date
from django.utils.formats import get_format
from django.utils.safestring import SafeString

from accounts.pages import fill

register = template.Library()


@register.filter(expects_localtime=True)
def date_and_time(value: datetime | None) -> SafeString | str:
    if not value:
        return ""
    # The time's part of the reader's SHORT_DATETIME_FORMAT ("Y-m-d H:i" less "Y-m-d"), so the two stay one format.
    day = get_format("SHORT_DATE_FORMAT")
    clock = get_format("SHORT_DATETIME_FORMAT").removeprefix(day).strip()
    # `fill`, not format_html: a list writes one in each of its fifty rows.
    return fill('<span class="text-nowrap">{}</span> {}', date(value, day), date(value, clock))
