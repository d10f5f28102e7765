"""The deals' and market research's trigram indexes for the search box on PostgreSQL (pg_trgm, GIN), as in
customers 0010 (the same helper). SQLite has no pg_trgm: there the operation does nothing."""

from django.db import migrations

from accounts.search_documents import run_on_postgresql, trigram_index_statements

INDEXED = {
    "pipeline_deal": ["contract_number", "grade"],
    "pipeline_marketresearch": ["region", "competitors", "supply_demand"],
}


class Migration(migrations.Migration):
    dependencies = [("customers", "0010_search_trigram_indexes"), ("pipeline", "0011_split_credit")]

    operations = [migrations.RunPython(run_on_postgresql(trigram_index_statements(INDEXED, create=True)),
                                       run_on_postgresql(trigram_index_statements(INDEXED, create=False)),
                                       elidable=False)]
