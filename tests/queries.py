"""Query counts pinned exactly: a page costs N queries, and still N once there is more of what it lists; and the
plan and indexes a list is read by."""

from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

T = TypeVar("T")


def board_card_id_queries() -> int:
    """The board's queries for its columns' latest cards' ids: one where the database takes a limit in each part of
    a UNION (PostgreSQL), one per column elsewhere."""
    from pipeline.models import STAGE_ORDER

    return 1 if connection.features.supports_slicing_ordering_in_compound else len(STAGE_ORDER)


def planner_settings() -> int:
    """The statements of `accounts.sql.joins_as_written` around a page's fetch of its record: on PostgreSQL, the
    planner's join setting set and reset (two); none elsewhere."""
    return 2 if connection.vendor == "postgresql" else 0


def assert_queries_pinned(expected: int, run: Callable[[], T], grow: Callable[[], object]) -> tuple[T, T]:
    """Run `run`, `grow` the data, run it again: both runs must make exactly `expected` queries.

    Returns both results (e.g. the two responses) for the test's other assertions. On a mismatch the
    failure lists the SQL of both runs, so that the query that came or went is in the report."""
    with CaptureQueriesContext(connection) as before:
        first = run()
    grow()
    with CaptureQueriesContext(connection) as after:
        second = run()
    if len(before) != expected or len(after) != expected:
        pytest.fail(
            f"Expected {expected} queries at both sizes; ran {len(before)} before growing the data and "
            f"{len(after)} after.\n\n" + _listing("Before", before) + "\n\n" + _listing("After", after),
            pytrace=False,
        )
    return first, second


def _listing(title: str, context: CaptureQueriesContext) -> str:
    lines = [f"{title} ({len(context)} queries):"]
    lines += [f"{number}. {query['sql']}" for number, query in enumerate(context.captured_queries, start=1)]
    return "\n".join(lines)


def assert_api_page_pinned(client, url: str, expected: int, grow: Callable[[], object]) -> None:
    """An API list's first page costs `expected` queries, and still that many once `grow()` added rows to it
    (the page size must hold them all). The token's first use, stamped once, is made beforehand."""
    client.get(url)
    first, second = assert_queries_pinned(expected, lambda: client.get(url), grow)
    assert first.status_code == second.status_code == 200
    assert len(second.json()["results"]) > len(first.json()["results"]) > 0


def plan_of(queryset: QuerySet[Any], *, sorted_by_index: bool = False) -> str:
    """PostgreSQL's plan for `queryset`, with sequential scans discouraged (and with `sorted_by_index`, sorting
    too) so that a test's few rows still show which index a large table would be read by; "" elsewhere."""
    if connection.vendor != "postgresql":
        return ""
    sql, params = queryset.query.sql_with_params()
    discouraged = ["enable_seqscan", *(["enable_sort"] if sorted_by_index else [])]
    with connection.cursor() as cursor:
        for setting in discouraged:
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        for setting in discouraged:
            cursor.execute(f"RESET {setting}")
    return plan


def index_names(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return {name for name, facts in connection.introspection.get_constraints(cursor, table).items()
                if facts["index"]}

