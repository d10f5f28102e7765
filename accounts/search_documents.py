"""The search box's documents on PostgreSQL: one per searched row, with indexes that serve one Chinese character,
a grade code and a contract number alike; shared by the customers and pipeline apps (their migrations and their
matching). SQLite has none of it: there the search reads the fields themselves (a plain fallback).

Each searched table gets a column the models do not declare, `search_text`: the searched fields upper-cased and
joined by a control character, written by a trigger on every insert and update (and again when a related row's
searched name changes: a customer renamed rewrites its deals'). Two GIN indexes serve it:

- pg_trgm, for an ASCII text of 3 characters or more ("NAR", "BS-2026-0042", "wang@huaneng");
- its characters (`string_to_array(search_text, NULL)`), for everything else: "煤", "铁矿", "华能日照", "NA".
  pg_trgm cannot look up fewer than 3 characters, and drops those its locale does not count as letters (Chinese,
  under some locales); a set of characters is the same under every locale, and Chinese ones are selective.

Either way the row must contain the text itself (`strpos`), so the index only narrows. A column a document
reads is read by its trigger: rename or drop it in a migration that recreates the document (`SearchDocument`
backwards, then forwards). The tests on PostgreSQL check that each kind finds what the fields' icontains finds."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.operations.base import Operation
from django.db.models import BooleanField, Expression, Q
from django.db.models.sql.compiler import SQLCompiler

TEXT_COLUMN = "search_text"
# Fields are joined by chr(31), a control character: search texts have none (customers.search.cleaned), so no
# match spans two fields.
TRIGRAM = 3  # pg_trgm's unit: shorter texts go to the characters' index


def _on_postgresql(schema_editor: Any) -> bool:
    return bool(schema_editor.connection.vendor == "postgresql")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SearchDocument(Operation):
    """A table's search document (PostgreSQL only): its `columns`; the `columns` of the row each foreign key
    points to, as `related` (foreign key column, table, columns); and the `columns` of the rows linked through a
    many-to-many table, as `through` (that table, its column pointing here, its column pointing there, the
    table there, columns)."""

    reduces_to_sql = False
    reversible = True

    def __init__(self, table: str, columns: Sequence[str], related: Sequence[tuple[str, str, Sequence[str]]] = (),
                 through: Sequence[tuple[str, str, str, str, Sequence[str]]] = ()) -> None:
        self.table = table
        self.columns = list(columns)
        self.related = [(foreign_key, other, list(other_columns)) for foreign_key, other, other_columns in related]
        self.through = [(link, here, there, other, list(other_columns))
                        for link, here, there, other, other_columns in through]

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return self.__class__.__name__, [], {"table": self.table, "columns": self.columns, "related": self.related,
                                             "through": self.through}

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    def describe(self) -> str:
        return f"Search document of {self.table} (PostgreSQL)"

    def _fields(self) -> str:
        own = ", ".join(f"NEW.{_quoted(column)}::text" for column in self.columns)
        parts = [f"ARRAY[{own}]"]
        for foreign_key, other, columns in self.related:
            theirs = ", ".join(f"r.{_quoted(column)}::text" for column in columns)
            parts.append(f"ARRAY(SELECT field FROM {_quoted(other)} r, unnest(ARRAY[{theirs}]) AS field "  # nosec B608: identifiers from our migrations, quoted; no user input
                         f"WHERE r.id = NEW.{_quoted(foreign_key)})")
        for link, here, there, other, columns in self.through:
            theirs = ", ".join(f"r.{_quoted(column)}::text" for column in columns)
            parts.append(f"ARRAY(SELECT field FROM {_quoted(link)} l JOIN {_quoted(other)} r "  # nosec B608: identifiers from our migrations, quoted; no user input
                         f"ON r.id = l.{_quoted(there)}, unnest(ARRAY[{theirs}]) AS field "
                         f"WHERE l.{_quoted(here)} = NEW.id)")
        return " || ".join(parts)

    def _name(self, source: str = "") -> str:
        return f"{self.table}_search_from_{source}" if source else f"{self.table}_search"

    def _rewrite(self, name: str, source: str, body: str, when: str = "", events: str = "UPDATE") -> list[str]:
        """An AFTER trigger on `source` that writes the documents `body` selects again (by setting the column:
        the document's own trigger does the rest)."""
        condition = f" WHEN ({when})" if when else ""
        return [f"""CREATE FUNCTION {_quoted(name)}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  {body}
                  RETURN NULL;
                END $$""",
                f"CREATE TRIGGER {_quoted(name)} AFTER {events} ON {_quoted(source)} FOR EACH ROW{condition} "
                f"EXECUTE FUNCTION {_quoted(name)}()"]

    def _sources(self) -> list[str]:
        """The other tables whose triggers write this table's documents."""
        return ([other for _, other, _ in self.related]
                + [name for link, _, _, other, _ in self.through for name in (link, other)])

    def forwards_sql(self) -> list[str]:
        table = _quoted(self.table)
        own = self._name()
        statements = [
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            f"ALTER TABLE {table} ADD COLUMN {TEXT_COLUMN} text NOT NULL DEFAULT ''",
            # upper() as Django's icontains reads a field: the same case folding on both sides.
            f"""CREATE FUNCTION {_quoted(own)}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              NEW.{TEXT_COLUMN} := upper(array_to_string({self._fields()}, chr(31)));
              RETURN NEW;
            END $$""",
            f"CREATE TRIGGER {_quoted(own)} BEFORE INSERT OR UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {_quoted(own)}()",
        ]
        rewrite = f"UPDATE {table} SET {TEXT_COLUMN} = ''"  # nosec B608: identifiers from our migrations, quoted; no user input

        def changed(columns: list[str]) -> str:
            return " OR ".join(f"OLD.{_quoted(column)} IS DISTINCT FROM NEW.{_quoted(column)}" for column in columns)

        for foreign_key, other, columns in self.related:
            statements += self._rewrite(self._name(other), other, f"{rewrite} WHERE {_quoted(foreign_key)} = NEW.id;",
                                        changed(columns))
        for link, here, there, other, columns in self.through:
            statements += self._rewrite(
                self._name(link), link,
                f"IF TG_OP <> 'INSERT' THEN {rewrite} WHERE id = OLD.{_quoted(here)}; END IF;\n"
                f"IF TG_OP <> 'DELETE' THEN {rewrite} WHERE id = NEW.{_quoted(here)}; END IF;",
                events="INSERT OR UPDATE OR DELETE")
            statements += self._rewrite(
                self._name(other), other,
                f"{rewrite} WHERE id IN (SELECT {_quoted(here)} FROM {_quoted(link)} WHERE {_quoted(there)} = NEW.id);",  # nosec B608: identifiers from our migrations, quoted; no user input
                changed(columns))
        return [
            *statements,
            f"{rewrite}",  # the trigger writes every existing row's document
            f"CREATE INDEX {_quoted(self.table + '_search_trgm')} ON {table} USING gin ({TEXT_COLUMN} gin_trgm_ops)",
            f"CREATE INDEX {_quoted(self.table + '_search_chars')} ON {table} "
            f"USING gin (string_to_array({TEXT_COLUMN}, NULL))",
            f"ANALYZE {table}",  # the planner's estimates of how many rows a text finds
        ]

    def backwards_sql(self) -> list[str]:
        table = _quoted(self.table)
        statements = []
        for source in self._sources():
            name = _quoted(self._name(source))
            statements += [f"DROP TRIGGER IF EXISTS {name} ON {_quoted(source)}", f"DROP FUNCTION IF EXISTS {name}()"]
        # Dropping the column drops its indexes.
        return [*statements, f"DROP TRIGGER IF EXISTS {_quoted(self._name())} ON {table}",
                f"DROP FUNCTION IF EXISTS {_quoted(self._name())}()",
                f"ALTER TABLE {table} DROP COLUMN IF EXISTS {TEXT_COLUMN}"]

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if _on_postgresql(schema_editor):
            for statement in self.forwards_sql():
                schema_editor.execute(statement)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if _on_postgresql(schema_editor):
            for statement in self.backwards_sql():
                schema_editor.execute(statement)


def trigram_index_statements(indexed: dict[str, list[str]], create: bool) -> list[str]:
    """The pg_trgm GIN indexes of the first search box (migrations customers 0010 and pipeline 0012), on
    UPPER(column::text) as Django's icontains reads it; `create=False` drops them."""
    statements = ["CREATE EXTENSION IF NOT EXISTS pg_trgm"] if create else []
    for table, columns in indexed.items():
        for column in columns:
            index = f"{table}_{column}_trgm"
            statements.append(
                f'CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
                if create else f'DROP INDEX IF EXISTS "{index}"')
    return statements


def run_on_postgresql(statements: list[str]) -> Any:
    """A RunPython function executing `statements` on PostgreSQL, and nothing on SQLite."""
    def run(apps: Any, schema_editor: Any) -> None:
        if _on_postgresql(schema_editor):
            for statement in statements:
                schema_editor.execute(statement)
    return run


def _like_pattern(text: str) -> str:
    escaped = text.upper().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class _DocumentContains(Expression):
    """True where the queried table's search document contains `text` (see the module's docstring)."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, text: str, alias: str = "") -> None:
        super().__init__()
        self.text = text
        self.alias = alias  # the queried table's, once resolved

    def resolve_expression(self, query: Any = None, allow_joins: bool = True, reuse: Any = None,
                           summarize: bool = False, for_save: bool = False) -> "_DocumentContains":
        return _DocumentContains(self.text, query.get_initial_alias())

    def relabeled_clone(self, change_map: Mapping[str, str]) -> "_DocumentContains":
        return _DocumentContains(self.text, change_map.get(self.alias, self.alias))

    def get_group_by_cols(self) -> list[Any]:
        return []

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, tuple[str | int, ...]]:
        column = f"{compiler.quote_name_unless_alias(self.alias)}.{TEXT_COLUMN}"
        if self.text.isascii() and len(self.text) >= TRIGRAM:
            return f"{column} LIKE %s", (_like_pattern(self.text),)
        # The text itself first: a scan then splits only the rows that contain it.
        return (f"(strpos({column}, upper(%s)) > 0 AND string_to_array({column}, NULL) "
                f"@> string_to_array(upper(%s), NULL))", (self.text, self.text))


def document_contains(text: str, fields: Q) -> Q:
    """The rows whose searched fields contain `text`: `fields` (the OR of each field's icontains, the same rows)
    answered from the search document on PostgreSQL."""
    if connection.vendor != "postgresql":
        return fields
    return Q(_DocumentContains(text))
