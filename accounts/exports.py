"""The one way out of the system into a spreadsheet: every CSV and Excel export goes through here."""

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

import tablib
from django.db.models import Choices
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import content_disposition_header

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# A text cell starting with one of these is run as a formula by Excel, LibreOffice or Sheets
# (OWASP "CSV injection"); a leading apostrophe makes the spreadsheet read it as text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
TYPED = (bool, int, float, Decimal, date, datetime)  # written as themselves: numbers stay numbers
Cell = str | bool | int | float | Decimal | date | datetime


def format_or_404(fmt: str) -> str:
    """The format asked for in a URL, "csv" or "xlsx"; 404 for anything else."""
    if fmt not in CONTENT_TYPES:
        raise Http404
    return fmt


def safe_cell(value: object) -> Cell:
    """The value as a spreadsheet should hold it: numbers and dates typed, a choice as its label,
    text that a spreadsheet would run as a formula prefixed with an apostrophe, None as empty."""
    if value is None:
        return ""
    if isinstance(value, Choices):
        value = value.label
    elif isinstance(value, datetime) and timezone.is_aware(value):
        # Spreadsheets keep no time zone: the local time, as the pages show it.
        return timezone.make_naive(value)
    elif isinstance(value, TYPED):
        return value
    text = str(value) if isinstance(value, Promise) or not isinstance(value, str) else value
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def export_table(rows: Iterable[Sequence], *, headers: Sequence, title: str) -> tablib.Dataset:
    """The rows under their (translated) headers, every cell made safe, in a sheet named `title`."""
    dataset = tablib.Dataset(headers=[safe_cell(header) for header in headers], title=str(title))
    for row in rows:
        dataset.append([safe_cell(value) for value in row])
    return dataset


def export_response(rows: Iterable[Sequence] | tablib.Dataset, *, headers: Sequence | None = None, title: str,
                    fmt: str, filename: str) -> HttpResponse:
    """A download of the rows as CSV or Excel (`fmt`), named `filename` plus the extension; 404 for
    any other format. A Dataset passed in is made safe like any rows."""
    format_or_404(fmt)
    if isinstance(rows, tablib.Dataset):
        headers, rows = rows.headers if headers is None else headers, list(rows)
    dataset = export_table(rows, headers=headers or [], title=title)
    if fmt == "csv":
        # A byte-order mark lets Excel open Chinese text in CSV correctly.
        content: str | bytes = "\ufeff" + dataset.export("csv")
    else:
        content = dataset.export("xlsx")
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=f"{filename}.{fmt}")
    return response


def unquote_cell(text: str) -> str:
    """A cell of an exported file read back (by an import): without the apostrophe `safe_cell` put
    before text that starts like a formula, so a round trip changes nothing."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS) else text
