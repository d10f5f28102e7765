from django.db import migrations, models


def mark_done_reminders(apps, schema_editor):
    """Reminders closed before this field existed were all closed by a person."""
    Reminder = apps.get_model("pipeline", "Reminder")
    Reminder.objects.filter(done_at__isnull=False, resolution="").update(resolution="done")


class Migration(migrations.Migration):

    dependencies = [
        ('pipeline', '0003_deal_order_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='reminder',
            name='resolution',
            field=models.CharField(blank=True, choices=[('done', 'Marked done'), ('resolved', 'Resolved: its cause went away'), ('handed_over', 'Handed over')], default='', max_length=16, verbose_name='closed as'),
        ),
        migrations.RunPython(mark_done_reminders, migrations.RunPython.noop),
    ]
