"""SQL shapes the ORM does not write, where PostgreSQL's plan depends on them."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, migrations
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, Count, Expression, F, Model, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce
from django.db.models.sql.compiler import SQLCompiler

from .search_documents import run_on_postgresql

M = TypeVar("M", bound=Model)


class InFirstRead(Expression):
    """`field IN (subquery)`, which PostgreSQL is told to read first: `field = ANY(ARRAY(subquery))`, an array it
    computes once and knows nothing of the length of, so it plans as for a few values, reading the rows that
    match them by the field's index and then sorting them. For a person's own few contracts: as a semi-join, the
    planner rightly guessed how many records are theirs but walked a list's newest-first index over everyone's
    until it had found a page of them (API shipments as a rep: 22 ms, read first: 4 ms). Not for many values
    (a manager's team: the same page then took 39 ms against 4). Elsewhere than PostgreSQL, plain `IN`."""

    output_field = BooleanField()

    def __init__(self, field: str, values: QuerySet[Any]) -> None:
        super().__init__()
        self.column: Any = F(field)
        self.subquery: Any = Subquery(values)

    def get_source_expressions(self) -> list[Any]:
        return [self.column, self.subquery]

    def set_source_expressions(self, exprs: Any) -> None:
        self.column, self.subquery = exprs

    def _parts(self, compiler: SQLCompiler) -> tuple[str, str, tuple[Any, ...]]:
        field_sql, field_params = compiler.compile(self.column)
        values_sql, values_params = compiler.compile(self.subquery)
        return field_sql, values_sql, (*field_params, *values_params)

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, tuple[Any, ...]]:
        field_sql, values_sql, params = self._parts(compiler)
        return f"{field_sql} IN {values_sql}", params

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, tuple[Any, ...]]:
        field_sql, values_sql, params = self._parts(compiler)
        return f"{field_sql} = ANY(ARRAY{values_sql})", params


def not_read_in_order(field: str) -> Coalesce:
    """A sort field's value that no index hands over in order (`COALESCE(field, field)`), for a sort computed
    over the rows the filters keep: with a LIMIT, PostgreSQL walks the field's index expecting the rows it wants
    to be spread evenly along it, which a filter correlated with the field belies
    (pipeline.filters.sort_value_searched)."""
    return Coalesce(field, field)


def latest_first_indexes(table: str, indexes: dict[str, str]) -> migrations.RunPython:
    """A migration's PostgreSQL indexes `column DESC NULLS LAST, id DESC` of `table` (`indexes`: name to column),
    for a list sorted by a column descending with the empty values last (accounts.filters.sort_order): the
    column's own index, read backwards, gives the empty values first. Nothing on SQLite, which has no NULLS LAST in
    an index; reversed, they are dropped."""
    create = [f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}" DESC NULLS LAST, "id" DESC)'
              for name, column in indexes.items()]
    drop = [f'DROP INDEX IF EXISTS "{name}"' for name in indexes]
    return migrations.RunPython(run_on_postgresql(create), run_on_postgresql(drop), elidable=False)


def count_at_most(rows: QuerySet[Any], limit: int) -> int:
    """How many `rows` there are, counted no further than one past `limit` (`LIMIT limit + 1`): a count that costs
    no more however many rows there are."""
    return rows.order_by()[:limit + 1].count()


def more_than(rows: QuerySet[Any], limit: int) -> bool:
    """Whether there are more than `limit` of `rows` (`count_at_most`), for a page deciding whether a list still
    fits it."""
    return count_at_most(rows, limit) > limit


def first_and_total(rows: QuerySet[M], limit: int) -> tuple[list[M], int]:
    """The first `limit` of `rows` and how many there are in all, in one query (`COUNT(*) OVER ()` beside each
    row): a dashboard's short list and its "N in all" were two queries over the same rows. Not for a grouped
    or DISTINCT queryset (the window would count the rows before either)."""
    first = list(rows.annotate(rows_in_all=Window(Count("*")))[:limit])
    return first, first[0].rows_in_all if first else 0  # type: ignore[attr-defined]  # the annotation


@contextmanager
def joins_as_written(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """PostgreSQL plans the joins of the queries run inside in the order Django writes them
    (`join_collapse_limit = 1`) instead of weighing every order. For one record fetched by its key with its
    related rows, the written order (the record, then each row it points to) is the only good one: the deal
    page's deal with its ten related tables planned in 17 ms and ran in 0.5; as written it plans in 2. Not for
    a query whose selective filter is on a joined table (the customer page's claims to confirm ran 2 → 30 ms).
    Two statements, set and reset; nothing elsewhere than PostgreSQL. A session setting: behind a pooler that
    hands out server connections per transaction (PgBouncer's transaction mode) it would have to be a `SET LOCAL`
    inside a transaction instead."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET join_collapse_limit = 1")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET join_collapse_limit")
        except DatabaseError:
            # A transaction the query aborted: its rollback undoes the SET as well.
            pass
