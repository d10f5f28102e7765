# The forecast's parts: the weighted open pipeline is now the period's only (deals expected to sign
# within it); the undated / overdue and the later periods' weighted pipeline are kept apart, and the
# coverage is kept to 0.01 % (a ratio with four decimals).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('targets', '0003_commodity_tonnage'),
    ]

    operations = [
        migrations.AddField(
            model_name='scorecard',
            name='weighted_undated',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=18),
        ),
        migrations.AddField(
            model_name='scorecard',
            name='weighted_later',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=18),
        ),
        migrations.AlterField(
            model_name='scorecard',
            name='pipeline_coverage',
            field=models.DecimalField(decimal_places=4, max_digits=10, null=True),
        ),
    ]
