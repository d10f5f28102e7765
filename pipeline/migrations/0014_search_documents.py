"""The search box's documents on PostgreSQL (accounts.search_documents) for deals (with their customer's,
commodity's and specification's names) and market research (with its port's and commodity's names), replacing
the trigram indexes of 0012. SQLite: nothing."""

from django.db import migrations

from accounts.search_documents import SearchDocument, run_on_postgresql, trigram_index_statements

REPLACED = {
    "pipeline_deal": ["contract_number", "grade"],
    "pipeline_marketresearch": ["region", "competitors", "supply_demand"],
}


class Migration(migrations.Migration):
    dependencies = [("customers", "0011_search_documents"), ("pipeline", "0013_reminder_assignment")]

    operations = [
        SearchDocument("pipeline_deal", ["contract_number", "grade"], related=[
            ("customer_id", "customers_customer", ["name", "short_name"]),
            ("commodity_id", "customers_commodity", ["name", "name_zh"]),
            ("specification_id", "pipeline_specification", ["name", "name_zh"]),
        ]),
        SearchDocument("pipeline_marketresearch", ["region", "competitors", "supply_demand"], related=[
            ("port_id", "pipeline_port", ["name", "name_zh"]),
            ("commodity_id", "customers_commodity", ["name", "name_zh"]),
        ]),
        migrations.RunPython(run_on_postgresql(trigram_index_statements(REPLACED, create=False)),
                             run_on_postgresql(trigram_index_statements(REPLACED, create=True)), elidable=False),
    ]
