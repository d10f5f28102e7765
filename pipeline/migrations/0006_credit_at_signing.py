"""Signed deals are credited to their owner at signing (a later transfer does not move the sale)."""

from django.db import migrations, models


def credit_signed_deals_to_their_owner(apps, schema_editor):
    """Until now a signed deal's credit followed its owner: the owner is who it is credited to."""
    Deal = apps.get_model("pipeline", "Deal")
    Deal.objects.filter(outcome="won").update(credited_to=models.F("owner"))


class Migration(migrations.Migration):
    # The update commits before the check is added: PostgreSQL refuses to alter a table with the
    # update's foreign-key checks still pending in the same transaction.
    atomic = False

    dependencies = [
        ('pipeline', '0005_amendments_transfers'),
    ]

    operations = [
        migrations.RunPython(credit_signed_deals_to_their_owner, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='deal',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('outcome', 'won'), _negated=True), models.Q(('stage', 'follow_up'), models.Q(('contract_number', ''), _negated=True), ('signed_on__isnull', False), ('credited_to__isnull', False)), _connector='OR'), name='won_deal_is_signed'),
        ),
    ]
