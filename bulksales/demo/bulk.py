"""The bulk writer of the large demo data set: rows generated in Python, written with COPY on PostgreSQL
and multi-row INSERTs elsewhere, with their ids set by the caller, so that the number of queries does not
grow with the rows and no per-row signal (history, auto_now) runs."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from itertools import islice
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max
from django.utils import timezone


def next_id(model: type[models.Model]) -> int:
    return (model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1


def _column(model: type[models.Model], name: str) -> tuple[models.Field[Any, Any], str]:
    """The field `name` (or attname) of `model` and its column; a relation without a column of its own
    (a reverse or many-to-many one) cannot be written."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise ValueError(f"{model._meta.label}.{name} has no column to write")
    return field, field.column


def _copy_text(value: object) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return _copy_text(json.dumps(value))
    return str(value)


def _defaults(model: type[models.Model], fields: list[str], now: datetime) -> tuple[list[str], tuple]:
    """The columns a caller left out, with the value Django would have given them (Django's defaults
    are not the database's, so a raw INSERT must spell them out)."""
    given = {_column(model, name)[0].attname for name in fields}
    names, values = [], []
    for model_field in model._meta.concrete_fields:
        if model_field.attname in given or model_field.primary_key or isinstance(model_field, models.GeneratedField):
            continue
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            value = now
        elif model_field.has_default():
            value = model_field.get_default()
        elif model_field.null:
            value = None
        else:
            raise ValueError(f"{model._meta.label}.{model_field.name} has no default: give it")
        names.append(model_field.attname)
        values.append(value)
    return names, tuple(values)


def _chunks(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def insert_rows(model: type[models.Model], fields: list[str], rows: Iterable[tuple], *, chunk: int = 100_000) -> int:
    """Insert `rows` (tuples of Python values in the order of `fields`, attnames like `owner_id`
    allowed) into `model`'s table, bypassing save() and signals; returns the number of rows. COPY on
    PostgreSQL, an executemany() elsewhere: a query per chunk of rows, not per row.

    The caller sets the ids when rows point to each other; the table's sequence is moved past them."""
    extra_names, extra_values = _defaults(model, fields, timezone.now())
    names = [_column(model, name)[0].attname for name in fields] + extra_names
    model_fields = [_column(model, name) for name in names]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(column) for _field, column in model_fields)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            extra = "\t".join(_copy_text(value) for value in extra_values)
            suffix = f"\t{extra}\n" if extra_names else "\n"
            sql = f"COPY {table} ({columns}) FROM STDIN"
            for rows_chunk in _chunks(rows, chunk):
                text = "".join("\t".join(map(_copy_text, row)) + suffix for row in rows_chunk)
                cursor.copy_expert(sql, io.StringIO(text))
                written += len(rows_chunk)
        else:
            # One prepared single-row INSERT run over a chunk of rows (no bound on the parameters).
            preps = [model_field.get_db_prep_save for model_field, _column_name in model_fields]
            # Quoted names from the model's _meta; the values are bound parameters.
            sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(names))})"  # nosec B608
            for rows_chunk in _chunks(rows, 20_000):
                cursor.executemany(sql, [[prep(value, connection) for prep, value in zip(preps, row + extra_values,
                                                                                         strict=True)]
                                         for row in rows_chunk])
                written += len(rows_chunk)
        if "id" in fields:
            for sql in connection.ops.sequence_reset_sql(no_style(), [model]):
                cursor.execute(sql)
    return written
