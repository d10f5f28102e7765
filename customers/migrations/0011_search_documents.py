"""The search box's documents on PostgreSQL (accounts.search_documents) for customers, contacts and complaints,
replacing the trigram indexes of 0010 that they make unused (a customer's name and short name keep theirs: the
activity list's customer filter reads them). SQLite: nothing."""

from django.db import migrations

from accounts.search_documents import SearchDocument, run_on_postgresql, trigram_index_statements

REPLACED = {
    "customers_customer": ["registration_number"],
    "customers_contact": ["name", "mobile", "email", "wechat_id"],
    "customers_complaint": ["description", "contract_number"],
}


class Migration(migrations.Migration):
    dependencies = [("customers", "0010_search_trigram_indexes")]

    operations = [
        # With the commodities the customer buys: "煤" finds the coal buyers.
        SearchDocument("customers_customer", ["name", "short_name", "registration_number"], through=[
            ("customers_customercommodity", "customer_id", "commodity_id", "customers_commodity", ["name", "name_zh"]),
        ]),
        SearchDocument("customers_contact", ["name", "mobile", "email", "wechat_id"]),
        SearchDocument("customers_complaint", ["description", "contract_number"],
                       related=[("customer_id", "customers_customer", ["name", "short_name"])]),
        migrations.RunPython(run_on_postgresql(trigram_index_statements(REPLACED, create=False)),
                             run_on_postgresql(trigram_index_statements(REPLACED, create=True)), elidable=False),
    ]
