"""Ids and small numbers from a query string or a POST: ASCII digits in range, or 404 / None."""

import re
from collections.abc import Collection

from django.http import Http404

# str.isdigit() accepts "²" and "١", which int() then refuses; an id is ASCII digits that fit a bigint.
_DIGITS = re.compile(r"[0-9]{1,19}")
MAX_ID = 2**63 - 1


def parse_id(value: object) -> int | None:
    """The id `value` spells, or None when it is not one."""
    if not isinstance(value, str) or not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def id_or_404(value: object) -> int:
    number = parse_id(value)
    if number is None:
        raise Http404
    return number


def optional_id(value: object) -> int | None:
    """None when `value` is absent or empty, its id otherwise; 404 for anything else."""
    if value is None or value == "":
        return None
    return id_or_404(value)


def int_in(value: object, choices: Collection[int]) -> int | None:
    """The number `value` spells when it is one of `choices`, else None (for the form to say so)."""
    number = parse_id(value) if value != "0" else 0
    return number if number is not None and number in choices else None
