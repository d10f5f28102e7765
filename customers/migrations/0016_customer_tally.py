"""The customers' tally per owner, tier and status (CustomerTally), kept by triggers on the customers' table, as the
pipeline's tallies are (pipeline migrations 0028, 0031 and 0032; the SQL written out for the same reason). On
PostgreSQL, inserts and deletes are counted once per statement from its rows (a COPY of 20,000 customers writes
each group once); an update that moves a customer to another owner, tier or status takes it out of its old group
and adds it to its new one, row by row; any other edit does nothing. SQLite keeps row triggers. Then the tally of
the customers already there. The tier index the director's tier mix read goes: nothing else reads it."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

POSTGRESQL = """
CREATE FUNCTION customers_tally_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO customers_customertally AS tally (owner_id, tier, status, customers)
    SELECT owner_id, tier, status, COUNT(*) FROM added
     GROUP BY owner_id, tier, status ORDER BY owner_id, tier, status
    ON CONFLICT (owner_id, tier, status) DO UPDATE SET customers = tally.customers + EXCLUDED.customers;
    RETURN NULL;
END
$$;
CREATE FUNCTION customers_tally_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE customers_customertally AS tally SET customers = tally.customers - gone.customers
      FROM (SELECT owner_id, tier, status, COUNT(*) AS customers FROM removed GROUP BY owner_id, tier, status) AS gone
     WHERE tally.owner_id = gone.owner_id AND tally.tier = gone.tier AND tally.status = gone.status;
    RETURN NULL;
END
$$;
CREATE FUNCTION customers_tally_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE customers_customertally SET customers = customers - 1
     WHERE owner_id = OLD.owner_id AND tier = OLD.tier AND status = OLD.status;
    INSERT INTO customers_customertally AS tally (owner_id, tier, status, customers)
    VALUES (NEW.owner_id, NEW.tier, NEW.status, 1)
    ON CONFLICT (owner_id, tier, status) DO UPDATE SET customers = tally.customers + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER customer_tally_insert AFTER INSERT ON customers_customer REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION customers_tally_added();
CREATE TRIGGER customer_tally_delete AFTER DELETE ON customers_customer REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION customers_tally_removed();
CREATE TRIGGER customer_tally_update AFTER UPDATE OF owner_id, tier, status ON customers_customer
    FOR EACH ROW
    WHEN ((OLD.owner_id, OLD.tier, OLD.status) IS DISTINCT FROM (NEW.owner_id, NEW.tier, NEW.status))
    EXECUTE FUNCTION customers_tally_moved();
"""
POSTGRESQL_DROP = """
DROP TRIGGER customer_tally_update ON customers_customer;
DROP TRIGGER customer_tally_delete ON customers_customer;
DROP TRIGGER customer_tally_insert ON customers_customer;
DROP FUNCTION customers_tally_moved();
DROP FUNCTION customers_tally_removed();
DROP FUNCTION customers_tally_added();
"""

_SQLITE_ADD = """
    INSERT INTO customers_customertally (owner_id, tier, status, customers) VALUES (NEW.owner_id, NEW.tier, NEW.status, 1)
    ON CONFLICT (owner_id, tier, status) DO UPDATE SET customers = customers + 1;
"""
_SQLITE_TAKE = """
    UPDATE customers_customertally SET customers = customers - 1
     WHERE owner_id = OLD.owner_id AND tier = OLD.tier AND status = OLD.status;
"""
SQLITE = [
    f"CREATE TRIGGER customer_tally_insert AFTER INSERT ON customers_customer BEGIN {_SQLITE_ADD} END",
    f"CREATE TRIGGER customer_tally_delete AFTER DELETE ON customers_customer BEGIN {_SQLITE_TAKE} END",
    "CREATE TRIGGER customer_tally_update AFTER UPDATE OF owner_id, tier, status ON customers_customer"
    " WHEN OLD.owner_id IS NOT NEW.owner_id OR OLD.tier IS NOT NEW.tier OR OLD.status IS NOT NEW.status"
    f" BEGIN {_SQLITE_TAKE} {_SQLITE_ADD} END",
]
SQLITE_DROP = ["DROP TRIGGER customer_tally_update", "DROP TRIGGER customer_tally_delete",
               "DROP TRIGGER customer_tally_insert"]

BACKFILL = """
INSERT INTO customers_customertally (owner_id, tier, status, customers)
SELECT owner_id, tier, status, COUNT(*) FROM customers_customer GROUP BY owner_id, tier, status
"""


def keep_tally(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL)
    else:
        for statement in SQLITE:
            schema_editor.execute(statement)
    schema_editor.execute(BACKFILL)


def stop_tally(apps, schema_editor):
    for statement in [POSTGRESQL_DROP] if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP:
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0015_covering_owner_and_active_complaints'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CustomerTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('tier', models.CharField(choices=[('high', 'High-value customer'), ('general', 'General customer'), ('low', 'Low-value customer')], max_length=16)),
                ('status', models.CharField(choices=[('prospect', 'Prospect'), ('active', 'Active'), ('dormant', 'Dormant'), ('lost', 'Lost')], max_length=16)),
                ('customers', models.IntegerField(default=0)),
            ],
        ),
        migrations.RemoveIndex(
            model_name='customer',
            name='customer_tier_with_status',
        ),
        migrations.AddField(
            model_name='customertally',
            name='owner',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddConstraint(
            model_name='customertally',
            constraint=models.UniqueConstraint(fields=('owner', 'tier', 'status'), name='one_tally_per_owner_tier'),
        ),
        migrations.RunPython(keep_tally, stop_tally),
    ]
