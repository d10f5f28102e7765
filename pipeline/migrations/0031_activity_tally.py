"""The activities' tally per customer and author (ActivityTally), kept by triggers on the activities' table, as
the pipeline's tally is (migration 0028; the SQL written out here for the same reason). Each trigger takes an
activity out of its old pair and adds it to its new one; an update that leaves the customer and author as they
were does nothing. Then the tally of the activities already there."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


POSTGRESQL = """
CREATE FUNCTION pipeline_tally_activity() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE pipeline_activitytally SET activities = activities - 1
         WHERE customer_id = OLD.customer_id AND author_id = OLD.owner_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO pipeline_activitytally AS tally (customer_id, author_id, activities)
        VALUES (NEW.customer_id, NEW.owner_id, 1)
        ON CONFLICT (customer_id, author_id) DO UPDATE SET activities = tally.activities + 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER activity_tally_insert_delete AFTER INSERT OR DELETE ON pipeline_activity
    FOR EACH ROW EXECUTE FUNCTION pipeline_tally_activity();
CREATE TRIGGER activity_tally_update AFTER UPDATE OF customer_id, owner_id ON pipeline_activity
    FOR EACH ROW
    WHEN ((OLD.customer_id, OLD.owner_id) IS DISTINCT FROM (NEW.customer_id, NEW.owner_id))
    EXECUTE FUNCTION pipeline_tally_activity();
"""
POSTGRESQL_DROP = """
DROP TRIGGER activity_tally_update ON pipeline_activity;
DROP TRIGGER activity_tally_insert_delete ON pipeline_activity;
DROP FUNCTION pipeline_tally_activity();
"""

_SQLITE_ADD = """
    INSERT INTO pipeline_activitytally (customer_id, author_id, activities) VALUES (NEW.customer_id, NEW.owner_id, 1)
    ON CONFLICT (customer_id, author_id) DO UPDATE SET activities = activities + 1;
"""
_SQLITE_TAKE = """
    UPDATE pipeline_activitytally SET activities = activities - 1
     WHERE customer_id = OLD.customer_id AND author_id = OLD.owner_id;
"""
SQLITE = [
    f"CREATE TRIGGER activity_tally_insert AFTER INSERT ON pipeline_activity BEGIN {_SQLITE_ADD} END",
    f"CREATE TRIGGER activity_tally_delete AFTER DELETE ON pipeline_activity BEGIN {_SQLITE_TAKE} END",
    "CREATE TRIGGER activity_tally_update AFTER UPDATE OF customer_id, owner_id ON pipeline_activity"
    " WHEN OLD.customer_id IS NOT NEW.customer_id OR OLD.owner_id IS NOT NEW.owner_id"
    f" BEGIN {_SQLITE_TAKE} {_SQLITE_ADD} END",
]
SQLITE_DROP = ["DROP TRIGGER activity_tally_update", "DROP TRIGGER activity_tally_delete",
               "DROP TRIGGER activity_tally_insert"]

BACKFILL = """
INSERT INTO pipeline_activitytally (customer_id, author_id, activities)
SELECT customer_id, owner_id, COUNT(*) FROM pipeline_activity GROUP BY customer_id, owner_id
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
        ('customers', '0014_customer_sorted_lists'),
        ('pipeline', '0030_repricing_scheduled'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ActivityTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('activities', models.IntegerField(default=0)),
                ('author', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('customer', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='customers.customer')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('customer', 'author'), name='one_tally_per_customer_author')],
            },
        ),
        migrations.RunPython(keep_tally, stop_tally),
    ]
