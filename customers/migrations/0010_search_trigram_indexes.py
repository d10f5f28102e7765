"""Trigram indexes for the search box on PostgreSQL (pg_trgm, GIN): they serve Django's icontains, which
PostgreSQL reads as UPPER(column::text) LIKE UPPER('%text%'), so each index is on that same expression.
SQLite has no pg_trgm: there the operation does nothing and the search scans (a plain fallback)."""

from django.db import migrations

from accounts.search_documents import run_on_postgresql, trigram_index_statements

INDEXED = {
    "customers_customer": ["name", "short_name", "registration_number"],
    "customers_contact": ["name", "mobile", "email", "wechat_id"],
    "customers_complaint": ["description", "contract_number"],
}


class Migration(migrations.Migration):
    dependencies = [("customers", "0009_complaint_settlement")]

    operations = [migrations.RunPython(run_on_postgresql(trigram_index_statements(INDEXED, create=True)),
                                       run_on_postgresql(trigram_index_statements(INDEXED, create=False)),
                                       elidable=False)]
