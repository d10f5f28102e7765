"""On PostgreSQL, the two tallies (migrations 0028 and 0031) kept once per statement for inserts and deletes, not
once per row: each trigger reads the statement's rows (a transition table), counts them per group and writes each
group once. A COPY of 100,000 activities updated its tally row by row, 100,000 times (the large demo's million
left a table of 19,000 rows in 57 MB, and the director's visits list read it all: 17 ms); now it writes each pair
once. Updates stay row by row (a statement trigger cannot watch chosen columns, and an edit of a summary must not
wake it). SQLite keeps its row triggers (it has no other kind). The SQL is written out, as in 0028 and 0031."""

from django.db import migrations

POSTGRESQL = """
CREATE FUNCTION pipeline_tally_deals_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO pipeline_pipelinetally AS tally (owner_id, stage, outcome, deals, amount_base)
    SELECT owner_id, stage, outcome, COUNT(*), COALESCE(SUM(amount_base), 0) FROM added
     GROUP BY owner_id, stage, outcome ORDER BY owner_id, stage, outcome
    ON CONFLICT (owner_id, stage, outcome)
    DO UPDATE SET deals = tally.deals + EXCLUDED.deals, amount_base = tally.amount_base + EXCLUDED.amount_base;
    RETURN NULL;
END
$$;
CREATE FUNCTION pipeline_tally_deals_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE pipeline_pipelinetally AS tally
       SET deals = tally.deals - gone.deals, amount_base = tally.amount_base - gone.amount_base
      FROM (SELECT owner_id, stage, outcome, COUNT(*) AS deals, COALESCE(SUM(amount_base), 0) AS amount_base
              FROM removed GROUP BY owner_id, stage, outcome) AS gone
     WHERE tally.owner_id = gone.owner_id AND tally.stage = gone.stage AND tally.outcome = gone.outcome;
    RETURN NULL;
END
$$;
DROP TRIGGER pipeline_tally_insert_delete ON pipeline_deal;
CREATE TRIGGER pipeline_tally_insert AFTER INSERT ON pipeline_deal REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION pipeline_tally_deals_added();
CREATE TRIGGER pipeline_tally_delete AFTER DELETE ON pipeline_deal REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION pipeline_tally_deals_removed();

CREATE FUNCTION pipeline_tally_activities_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO pipeline_activitytally AS tally (customer_id, author_id, activities)
    SELECT customer_id, owner_id, COUNT(*) FROM added
     GROUP BY customer_id, owner_id ORDER BY customer_id, owner_id
    ON CONFLICT (customer_id, author_id) DO UPDATE SET activities = tally.activities + EXCLUDED.activities;
    RETURN NULL;
END
$$;
CREATE FUNCTION pipeline_tally_activities_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE pipeline_activitytally AS tally SET activities = tally.activities - gone.activities
      FROM (SELECT customer_id, owner_id, COUNT(*) AS activities FROM removed GROUP BY customer_id, owner_id) AS gone
     WHERE tally.customer_id = gone.customer_id AND tally.author_id = gone.owner_id;
    RETURN NULL;
END
$$;
DROP TRIGGER activity_tally_insert_delete ON pipeline_activity;
CREATE TRIGGER activity_tally_insert AFTER INSERT ON pipeline_activity REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION pipeline_tally_activities_added();
CREATE TRIGGER activity_tally_delete AFTER DELETE ON pipeline_activity REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION pipeline_tally_activities_removed();
"""

# Back to 0028's and 0031's row triggers, whose functions are still there (the update triggers use them).
POSTGRESQL_BACK = """
DROP TRIGGER pipeline_tally_insert ON pipeline_deal;
DROP TRIGGER pipeline_tally_delete ON pipeline_deal;
DROP FUNCTION pipeline_tally_deals_added();
DROP FUNCTION pipeline_tally_deals_removed();
CREATE TRIGGER pipeline_tally_insert_delete AFTER INSERT OR DELETE ON pipeline_deal
    FOR EACH ROW EXECUTE FUNCTION pipeline_tally_deal();
DROP TRIGGER activity_tally_insert ON pipeline_activity;
DROP TRIGGER activity_tally_delete ON pipeline_activity;
DROP FUNCTION pipeline_tally_activities_added();
DROP FUNCTION pipeline_tally_activities_removed();
CREATE TRIGGER activity_tally_insert_delete AFTER INSERT OR DELETE ON pipeline_activity
    FOR EACH ROW EXECUTE FUNCTION pipeline_tally_activity();
"""


def by_statement(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL)


def by_row(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_BACK)


class Migration(migrations.Migration):

    dependencies = [
        ('pipeline', '0031_activity_tally'),
    ]

    operations = [
        migrations.RunPython(by_statement, by_row),
    ]
