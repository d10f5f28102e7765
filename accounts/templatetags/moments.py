"""`{{ value|date_and_time }}`: a moment as SHORT_DATETIME_FORMAT writes it, with its date kept on one line. In a
narrow table cell the browser broke 2026-12-08 at its hyphens; the line may still break between date and time."""

from datetime import datetime
from functools import lru_cache

from django import template
from django.template.defaultfilters import date
from django.utils.formats import get_format
from django.utils.safestring import SafeString

from accounts.pages import fill

register = template.Library()

# Django's format characters that strftime writes the same (numbers only: no names, nothing that depends on the
# language); a format with any other is written by Django's `date`.
_STRFTIME = {"Y": "%Y", "m": "%m", "d": "%d", "H": "%H", "i": "%M", "s": "%S"}


@lru_cache(maxsize=32)
def as_strftime(django_format: str) -> str | None:
    """`django_format` as a strftime pattern, or None when it uses a character strftime writes otherwise."""
    pattern = []
    for character in django_format:
        if character in _STRFTIME:
            pattern.append(_STRFTIME[character])
        elif character.isalpha() or character == "\\":
            return None
        else:
            pattern.append(character.replace("%", "%%"))
    return "".join(pattern)


def written(value: datetime, django_format: str) -> str:
    # strftime where it writes the same: Django's `date` builds a formatter for each value (fifty rows a list).
    pattern = as_strftime(django_format)
    return value.strftime(pattern) if pattern is not None else date(value, django_format)


@register.filter(expects_localtime=True)
def date_and_time(value: datetime | None) -> SafeString | str:
    if not value:
        return ""
    # The time's part of the reader's SHORT_DATETIME_FORMAT ("Y-m-d H:i" less "Y-m-d"), so the two stay one format.
    day = get_format("SHORT_DATE_FORMAT")
    clock = get_format("SHORT_DATETIME_FORMAT").removeprefix(day).strip()
    # `fill`, not format_html: a list writes one in each of its fifty rows.
    return fill('<span class="text-nowrap">{}</span> {}', written(value, day), written(value, clock))
