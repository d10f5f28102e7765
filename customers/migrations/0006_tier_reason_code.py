from django.db import migrations, models

# What the monthly job wrote into `reason` before the reason became a code.
MONTHLY_TEXT = "Monthly recomputation from the trailing 12 months"


def reason_to_code(apps, schema_editor):
    TierChange = apps.get_model("customers", "TierChange")
    # The job's English sentence becomes its code; a change without a person was the job's too.
    TierChange.objects.filter(reason=MONTHLY_TEXT).update(reason_code="monthly", reason="")
    TierChange.objects.filter(changed_by__isnull=True).update(reason_code="monthly")
    # The rest were set by hand by a manager: the field's default, "manual", with their own words kept.


def code_to_reason(apps, schema_editor):
    TierChange = apps.get_model("customers", "TierChange")
    TierChange.objects.filter(reason_code__in=["monthly", "recompute"], reason="").update(reason=MONTHLY_TEXT)


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0005_list_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='tierchange',
            name='reason_code',
            field=models.CharField(choices=[('monthly', 'Monthly recomputation from the trailing 12 months'), ('recompute', 'Recomputed on request from the trailing 12 months'), ('manual', 'Set by hand')], default='manual', max_length=16, verbose_name='kind of change'),
        ),
        migrations.AlterField(
            model_name='tierchange',
            name='reason',
            field=models.CharField(blank=True, max_length=300, verbose_name='reason'),
        ),
        migrations.RunPython(reason_to_code, code_to_reason),
    ]
