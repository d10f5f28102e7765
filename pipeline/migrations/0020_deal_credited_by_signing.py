# The index on (credited_to, signed_on) first, then the foreign key's own index dropped: one seller's
# signings of a period read from one index (the deal page's commission what-if: 3.8 -> 0.7 ms at the large size).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0012_tier_mix_index'),
        ('pipeline', '0019_stage_move_from_stage_since'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='deal',
            index=models.Index(fields=['credited_to', 'signed_on'], name='deal_credited_by_signing'),
        ),
        migrations.AlterField(
            model_name='deal',
            name='credited_to',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='credited to'),
        ),
    ]
