"""The deals' and market research's trigram indexes for the search box on PostgreSQL (pg_trgm, GIN), as in
customers 0010: they serve Django's icontains, which PostgreSQL reads as UPPER(column::text) LIKE
UPPER('%text%'), so each index is on that same expression.
SQLite has no pg_trgm: there the operation does nothing and the search scans (a plain fallback)."""

from collections.abc import Callable
from typing import Any

from django.db import migrations

INDEXED = {
    "pipeline_deal": ["contract_number", "grade"],
    "pipeline_marketresearch": ["region", "competitors", "supply_demand"],
}


def _statements(create: bool) -> list[str]:
    statements = ["CREATE EXTENSION IF NOT EXISTS pg_trgm"] if create else []
    for table, columns in INDEXED.items():
        for column in columns:
            index = f"{table}_{column}_trgm"
            statements.append(
                f'CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
                if create else f'DROP INDEX IF EXISTS "{index}"')
    return statements


def _on_postgresql(create: bool) -> Callable[[Any, Any], None]:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for statement in _statements(create):
                schema_editor.execute(statement)
    return run


class Migration(migrations.Migration):
    dependencies = [("customers", "0010_search_trigram_indexes"), ("pipeline", "0011_split_credit")]

    operations = [migrations.RunPython(_on_postgresql(True), _on_postgresql(False), elidable=False)]
