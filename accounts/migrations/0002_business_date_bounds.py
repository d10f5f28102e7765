"""Every user-entered date of trainings in the business range (accounts.bounds).
Rows already outside it are listed and stop the migration, changed for no one: correct them, then
migrate again."""

import accounts.bounds
import datetime
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(accounts.bounds.refuse_out_of_range(
            ("accounts", "Training", {"starts_on": {}, "ends_on": {}}),
        ), migrations.RunPython.noop),
        migrations.AlterField(
            model_name='training',
            name='ends_on',
            field=models.DateField(validators=[accounts.bounds.validate_business_date], verbose_name='ends on'),
        ),
        migrations.AlterField(
            model_name='training',
            name='starts_on',
            field=models.DateField(validators=[accounts.bounds.validate_business_date], verbose_name='starts on'),
        ),
        migrations.AddConstraint(
            model_name='training',
            constraint=models.CheckConstraint(condition=models.Q(('starts_on__gte', datetime.date(2000, 1, 1)), ('starts_on__lte', datetime.date(2100, 12, 31))), name='training_starts_on_in_business_range', violation_error_message='A date is outside the business range.'),
        ),
        migrations.AddConstraint(
            model_name='training',
            constraint=models.CheckConstraint(condition=models.Q(('ends_on__gte', datetime.date(2000, 1, 1)), ('ends_on__lte', datetime.date(2100, 12, 31))), name='training_ends_on_in_business_range', violation_error_message='A date is outside the business range.'),
        ),
    ]
