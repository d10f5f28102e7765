"""The deal list's sorts read from indexes in their order: by amount (and a commodity's by amount, whose index also
serves the commodity's foreign key, so that one goes); by laycan and expected signing with the key, the sorts'
tie-breaker; and on PostgreSQL the latest laycans and signing dates first with the deals that have none last, as the
list sorts them descending (accounts.filters.sort_order; SQLite has no NULLS LAST in an index)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from accounts.sql import latest_first_indexes

LATEST_FIRST = {"deal_by_laycan_latest_first": "laycan_start",
                "deal_by_signing_latest_first": "expected_signing_date"}


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0013_complaint_newest_first'),
        ('pipeline', '0025_deal_open_by_laycan'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='deal',
            index=models.Index(fields=['amount_base', 'id'], name='deal_by_amount'),
        ),
        migrations.AddIndex(
            model_name='deal',
            index=models.Index(fields=['commodity', 'amount_base', 'id'], name='deal_by_commodity_and_amount'),
        ),
        migrations.AddIndex(
            model_name='deal',
            index=models.Index(fields=['laycan_start', 'id'], name='deal_by_laycan'),
        ),
        migrations.AddIndex(
            model_name='deal',
            index=models.Index(fields=['expected_signing_date', 'id'], name='deal_by_expected_signing'),
        ),
        migrations.RemoveIndex(
            model_name='deal',
            name='pipeline_de_laycan__ee68d8_idx',
        ),
        migrations.RemoveIndex(
            model_name='deal',
            name='pipeline_de_expecte_a06f34_idx',
        ),
        migrations.AlterField(
            model_name='deal',
            name='commodity',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, to='customers.commodity', verbose_name='commodity'),
        ),
        latest_first_indexes("pipeline_deal", LATEST_FIRST),
    ]
