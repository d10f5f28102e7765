"""A re-pricing started by the nightly job, when a rate scheduled for a later day comes into force."""


from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('pipeline', '0029_repricing'),
    ]

    operations = [
        migrations.AddField(
            model_name='repricing',
            name='scheduled',
            field=models.BooleanField(default=False),
        ),
    ]
