"""The pipeline's tally per owner, stage and outcome (PipelineTally), kept by triggers on the deals' table.

The SQL is written out here, once per database, so that this migration does what it did whatever the code
becomes. Each trigger takes a deal out of its old group and adds it to its new one; an update that leaves the
owner, stage, outcome and amount as they were does nothing. SQLite keeps decimals as binary floating point: its
sums are rounded to the cent at each step, so that no error adds up. Then the tally of the deals already there."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

POSTGRESQL = """
CREATE FUNCTION pipeline_tally_deal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE pipeline_pipelinetally
           SET deals = deals - 1, amount_base = amount_base - OLD.amount_base
         WHERE owner_id = OLD.owner_id AND stage = OLD.stage AND outcome = OLD.outcome;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO pipeline_pipelinetally AS tally (owner_id, stage, outcome, deals, amount_base)
        VALUES (NEW.owner_id, NEW.stage, NEW.outcome, 1, NEW.amount_base)
        ON CONFLICT (owner_id, stage, outcome)
        DO UPDATE SET deals = tally.deals + 1, amount_base = tally.amount_base + EXCLUDED.amount_base;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER pipeline_tally_insert_delete AFTER INSERT OR DELETE ON pipeline_deal
    FOR EACH ROW EXECUTE FUNCTION pipeline_tally_deal();
CREATE TRIGGER pipeline_tally_update AFTER UPDATE OF owner_id, stage, outcome, amount_base ON pipeline_deal
    FOR EACH ROW
    WHEN ((OLD.owner_id, OLD.stage, OLD.outcome, OLD.amount_base)
          IS DISTINCT FROM (NEW.owner_id, NEW.stage, NEW.outcome, NEW.amount_base))
    EXECUTE FUNCTION pipeline_tally_deal();
"""
POSTGRESQL_DROP = """
DROP TRIGGER pipeline_tally_update ON pipeline_deal;
DROP TRIGGER pipeline_tally_insert_delete ON pipeline_deal;
DROP FUNCTION pipeline_tally_deal();
"""

_SQLITE_ADD = """
    INSERT INTO pipeline_pipelinetally (owner_id, stage, outcome, deals, amount_base)
    VALUES (NEW.owner_id, NEW.stage, NEW.outcome, 1, NEW.amount_base)
    ON CONFLICT (owner_id, stage, outcome)
    DO UPDATE SET deals = deals + 1, amount_base = ROUND(amount_base + excluded.amount_base, 2);
"""
_SQLITE_TAKE = """
    UPDATE pipeline_pipelinetally SET deals = deals - 1, amount_base = ROUND(amount_base - OLD.amount_base, 2)
     WHERE owner_id = OLD.owner_id AND stage = OLD.stage AND outcome = OLD.outcome;
"""
SQLITE = [
    f"CREATE TRIGGER pipeline_tally_insert AFTER INSERT ON pipeline_deal BEGIN {_SQLITE_ADD} END",
    f"CREATE TRIGGER pipeline_tally_delete AFTER DELETE ON pipeline_deal BEGIN {_SQLITE_TAKE} END",
    "CREATE TRIGGER pipeline_tally_update AFTER UPDATE OF owner_id, stage, outcome, amount_base ON pipeline_deal"
    " WHEN OLD.owner_id IS NOT NEW.owner_id OR OLD.stage IS NOT NEW.stage OR OLD.outcome IS NOT NEW.outcome"
    f" OR OLD.amount_base IS NOT NEW.amount_base BEGIN {_SQLITE_TAKE} {_SQLITE_ADD} END",
]
SQLITE_DROP = ["DROP TRIGGER pipeline_tally_update", "DROP TRIGGER pipeline_tally_delete",
               "DROP TRIGGER pipeline_tally_insert"]

BACKFILL = """
INSERT INTO pipeline_pipelinetally (owner_id, stage, outcome, deals, amount_base)
SELECT owner_id, stage, outcome, COUNT(*), SUM(amount_base) FROM pipeline_deal GROUP BY owner_id, stage, outcome
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
        ('pipeline', '0027_deal_board_column'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PipelineTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('stage', models.CharField(choices=[('research', 'Market research'), ('development', 'Customer development'), ('negotiation', 'Negotiation'), ('follow_up', 'Follow-up')], max_length=16)),
                ('outcome', models.CharField(choices=[('open', 'Open'), ('won', 'Won'), ('lost', 'Lost')], max_length=8)),
                ('deals', models.IntegerField(default=0)),
                ('amount_base', models.DecimalField(decimal_places=2, default=0, max_digits=22)),
                ('owner', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('owner', 'stage', 'outcome'), name='one_tally_per_group')],
            },
        ),
        migrations.RunPython(keep_tally, stop_tally),
    ]
