"""What customers owe per due date (OwedTally), kept by triggers on the invoices' table, as the pipeline's tallies
are (pipeline migrations 0028, 0031 and 0032; the SQL written out for the same reason). An invoice counts while it
is open (open_amount > 0), for its open amount times its rate to the base currency. On PostgreSQL, inserts and
deletes are counted once per statement from its rows; an update of an invoice's due date, open amount or rate
takes out what it counted and adds what it now counts, row by row (a payment allocated updates the open amount);
any other edit does nothing. SQLite keeps row triggers. Then the tally of the invoices already there."""

from decimal import Decimal

from django.db import migrations, models

OWED = "open_amount * rate_to_base"

POSTGRESQL = f"""
CREATE FUNCTION receivables_owed_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO receivables_owedtally AS tally (due_on, invoices, owed_base)
    SELECT due_on, COUNT(*), SUM({OWED}) FROM added WHERE open_amount > 0 GROUP BY due_on ORDER BY due_on
    ON CONFLICT (due_on)
    DO UPDATE SET invoices = tally.invoices + EXCLUDED.invoices, owed_base = tally.owed_base + EXCLUDED.owed_base;
    RETURN NULL;
END
$$;
CREATE FUNCTION receivables_owed_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE receivables_owedtally AS tally
       SET invoices = tally.invoices - gone.invoices, owed_base = tally.owed_base - gone.owed_base
      FROM (SELECT due_on, COUNT(*) AS invoices, SUM({OWED}) AS owed_base FROM removed
             WHERE open_amount > 0 GROUP BY due_on) AS gone
     WHERE tally.due_on = gone.due_on;
    RETURN NULL;
END
$$;
CREATE FUNCTION receivables_owed_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.open_amount > 0 THEN
        UPDATE receivables_owedtally
           SET invoices = invoices - 1, owed_base = owed_base - OLD.open_amount * OLD.rate_to_base
         WHERE due_on = OLD.due_on;
    END IF;
    IF NEW.open_amount > 0 THEN
        INSERT INTO receivables_owedtally AS tally (due_on, invoices, owed_base)
        VALUES (NEW.due_on, 1, NEW.open_amount * NEW.rate_to_base)
        ON CONFLICT (due_on)
        DO UPDATE SET invoices = tally.invoices + 1, owed_base = tally.owed_base + EXCLUDED.owed_base;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER owed_tally_insert AFTER INSERT ON receivables_invoice REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION receivables_owed_added();
CREATE TRIGGER owed_tally_delete AFTER DELETE ON receivables_invoice REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION receivables_owed_removed();
CREATE TRIGGER owed_tally_update AFTER UPDATE OF due_on, open_amount, rate_to_base ON receivables_invoice
    FOR EACH ROW
    WHEN ((OLD.due_on, OLD.open_amount, OLD.rate_to_base)
          IS DISTINCT FROM (NEW.due_on, NEW.open_amount, NEW.rate_to_base))
    EXECUTE FUNCTION receivables_owed_changed();
"""
POSTGRESQL_DROP = """
DROP TRIGGER owed_tally_update ON receivables_invoice;
DROP TRIGGER owed_tally_delete ON receivables_invoice;
DROP TRIGGER owed_tally_insert ON receivables_invoice;
DROP FUNCTION receivables_owed_changed();
DROP FUNCTION receivables_owed_removed();
DROP FUNCTION receivables_owed_added();
"""

_SQLITE_ADD = """
    INSERT INTO receivables_owedtally (due_on, invoices, owed_base)
    SELECT NEW.due_on, 1, NEW.open_amount * NEW.rate_to_base WHERE NEW.open_amount > 0
    ON CONFLICT (due_on) DO UPDATE SET invoices = invoices + 1, owed_base = owed_base + excluded.owed_base;
"""
_SQLITE_TAKE = """
    UPDATE receivables_owedtally
       SET invoices = invoices - 1, owed_base = owed_base - OLD.open_amount * OLD.rate_to_base
     WHERE due_on = OLD.due_on AND OLD.open_amount > 0;
"""
SQLITE = [
    f"CREATE TRIGGER owed_tally_insert AFTER INSERT ON receivables_invoice BEGIN {_SQLITE_ADD} END",
    f"CREATE TRIGGER owed_tally_delete AFTER DELETE ON receivables_invoice BEGIN {_SQLITE_TAKE} END",
    "CREATE TRIGGER owed_tally_update AFTER UPDATE OF due_on, open_amount, rate_to_base ON receivables_invoice"
    " WHEN OLD.due_on IS NOT NEW.due_on OR OLD.open_amount IS NOT NEW.open_amount"
    " OR OLD.rate_to_base IS NOT NEW.rate_to_base"
    f" BEGIN {_SQLITE_TAKE} {_SQLITE_ADD} END",
]
SQLITE_DROP = ["DROP TRIGGER owed_tally_update", "DROP TRIGGER owed_tally_delete", "DROP TRIGGER owed_tally_insert"]

BACKFILL = f"""
INSERT INTO receivables_owedtally (due_on, invoices, owed_base)
SELECT due_on, COUNT(*), SUM({OWED}) FROM receivables_invoice WHERE open_amount > 0 GROUP BY due_on
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
        ('receivables', '0003_newest_first_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='OwedTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('due_on', models.DateField(unique=True)),
                ('invoices', models.IntegerField(default=0)),
                ('owed_base', models.DecimalField(decimal_places=8, default=Decimal('0'), max_digits=30)),
            ],
        ),
        migrations.RunPython(keep_tally, stop_tally),
    ]
