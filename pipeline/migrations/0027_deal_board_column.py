"""A board column's latest cards read from one index alone: its stage and order, with whose each deal is and
whether it is on the board (replaces the index on stage and update time)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0014_customer_sorted_lists'),
        ('pipeline', '0026_deal_sorted_lists'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='deal',
            name='pipeline_de_stage_7fa4e2_idx',
        ),
        migrations.AddIndex(
            model_name='deal',
            index=models.Index(fields=['stage', 'updated_at', 'id'], include=('owner', 'co_seller', 'outcome'), name='deal_board_column'),
        ),
    ]
