"""A shipment carries its contract's owner, second seller and whether it stands signed (outcome "won"), copied by
triggers, as the pipeline's tallies are kept (pipeline migrations 0028, 0031; the SQL written out for the same
reason): when a shipment is written (its contract set or changed; on PostgreSQL, any save that writes those columns
has them read again from the contract, so a stale instance cannot write them) and when a contract's owner, second
seller or outcome changes (its shipments follow). Then the shipments already there, then their indexes."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

POSTGRESQL = """
CREATE FUNCTION execution_shipment_contract() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT owner_id, co_seller_id, outcome = 'won'
      INTO NEW.contract_owner_id, NEW.contract_second_seller_id, NEW.contract_signed
      FROM pipeline_deal WHERE id = NEW.deal_id;
    RETURN NEW;
END
$$;
CREATE TRIGGER shipment_contract_insert BEFORE INSERT ON execution_shipment
    FOR EACH ROW EXECUTE FUNCTION execution_shipment_contract();
CREATE TRIGGER shipment_contract_update
    BEFORE UPDATE OF deal_id, contract_owner_id, contract_second_seller_id, contract_signed ON execution_shipment
    FOR EACH ROW EXECUTE FUNCTION execution_shipment_contract();
CREATE FUNCTION execution_contract_shipments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE execution_shipment
       SET contract_owner_id = NEW.owner_id, contract_second_seller_id = NEW.co_seller_id,
           contract_signed = NEW.outcome = 'won'
     WHERE deal_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER contract_shipments_update AFTER UPDATE OF owner_id, co_seller_id, outcome ON pipeline_deal
    FOR EACH ROW
    WHEN ((OLD.owner_id, OLD.co_seller_id, OLD.outcome) IS DISTINCT FROM (NEW.owner_id, NEW.co_seller_id, NEW.outcome))
    EXECUTE FUNCTION execution_contract_shipments();
"""
POSTGRESQL_DROP = """
DROP TRIGGER contract_shipments_update ON pipeline_deal;
DROP FUNCTION execution_contract_shipments();
DROP TRIGGER shipment_contract_update ON execution_shipment;
DROP TRIGGER shipment_contract_insert ON execution_shipment;
DROP FUNCTION execution_shipment_contract();
"""

# SQLite cannot change the row a trigger fires for: the row is written again after (a trigger does not fire itself).
_SQLITE_COPY = """
    UPDATE execution_shipment SET
        contract_owner_id = (SELECT owner_id FROM pipeline_deal WHERE id = NEW.deal_id),
        contract_second_seller_id = (SELECT co_seller_id FROM pipeline_deal WHERE id = NEW.deal_id),
        contract_signed = (SELECT outcome = 'won' FROM pipeline_deal WHERE id = NEW.deal_id)
     WHERE id = NEW.id;
"""
SQLITE = [
    f"CREATE TRIGGER shipment_contract_insert AFTER INSERT ON execution_shipment BEGIN {_SQLITE_COPY} END",
    "CREATE TRIGGER shipment_contract_update"
    " AFTER UPDATE OF deal_id, contract_owner_id, contract_second_seller_id, contract_signed ON execution_shipment"
    f" BEGIN {_SQLITE_COPY} END",
    "CREATE TRIGGER contract_shipments_update AFTER UPDATE OF owner_id, co_seller_id, outcome ON pipeline_deal"
    " WHEN OLD.owner_id IS NOT NEW.owner_id OR OLD.co_seller_id IS NOT NEW.co_seller_id"
    " OR OLD.outcome IS NOT NEW.outcome"
    " BEGIN UPDATE execution_shipment SET contract_owner_id = NEW.owner_id, contract_second_seller_id = NEW.co_seller_id,"
    " contract_signed = NEW.outcome = 'won' WHERE deal_id = NEW.id; END",
]
SQLITE_DROP = ["DROP TRIGGER contract_shipments_update", "DROP TRIGGER shipment_contract_update",
               "DROP TRIGGER shipment_contract_insert"]


def keep_copies(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL)
    else:
        for statement in SQLITE:
            schema_editor.execute(statement)
    # The shipments already there: writing each one's contract key again has the trigger copy what it names.
    schema_editor.execute("UPDATE execution_shipment SET deal_id = deal_id")


def stop_copies(apps, schema_editor):
    for statement in [POSTGRESQL_DROP] if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP:
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('execution', '0006_shipment_laycan_window'),
        ('pipeline', '0034_signed_deals_by_person'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='shipment',
            name='contract_owner',
            field=models.ForeignKey(db_constraint=False, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='shipment',
            name='contract_second_seller',
            field=models.ForeignKey(db_constraint=False, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='shipment',
            name='contract_signed',
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(keep_copies, stop_copies),
        migrations.AddIndex(
            model_name='shipment',
            index=models.Index(condition=models.Q(('contract_signed', True)), fields=['contract_owner', 'laycan_to'], include=('laycan_from', 'id'), name='shipment_laycan_by_owner'),
        ),
        migrations.AddIndex(
            model_name='shipment',
            index=models.Index(condition=models.Q(('contract_second_seller__isnull', False), ('contract_signed', True)), fields=['contract_second_seller', 'laycan_to'], include=('laycan_from', 'id'), name='shipment_laycan_by_second'),
        ),
    ]
