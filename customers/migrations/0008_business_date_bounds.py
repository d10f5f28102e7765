"""Every user-entered date of complaints and surveys in the business range (accounts.bounds).
Rows already outside it are listed and stop the migration, changed for no one: correct them, then
migrate again."""

import accounts.bounds
import datetime
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0007_import_jobs'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(accounts.bounds.refuse_out_of_range(
            ("customers", "Complaint", {"received_at": {"moment": True}}),
            ("customers", "SatisfactionSurvey", {"surveyed_on": {}}),
        ), migrations.RunPython.noop),
        migrations.AlterField(
            model_name='complaint',
            name='received_at',
            field=models.DateTimeField(validators=[accounts.bounds.validate_business_date], verbose_name='received'),
        ),
        migrations.AlterField(
            model_name='historicalcomplaint',
            name='received_at',
            field=models.DateTimeField(validators=[accounts.bounds.validate_business_date], verbose_name='received'),
        ),
        migrations.AlterField(
            model_name='satisfactionsurvey',
            name='surveyed_on',
            field=models.DateField(validators=[accounts.bounds.validate_business_date], verbose_name='date'),
        ),
        migrations.AddConstraint(
            model_name='complaint',
            constraint=models.CheckConstraint(condition=models.Q(('received_at__gte', datetime.datetime(1999, 12, 31, 0, 0, tzinfo=datetime.timezone.utc)), ('received_at__lt', datetime.datetime(2101, 1, 2, 0, 0, tzinfo=datetime.timezone.utc))), name='complaint_received_at_in_business_range', violation_error_message='A date is outside the business range.'),
        ),
        migrations.AddConstraint(
            model_name='satisfactionsurvey',
            constraint=models.CheckConstraint(condition=models.Q(('surveyed_on__gte', datetime.date(2000, 1, 1)), ('surveyed_on__lte', datetime.date(2100, 12, 31))), name='survey_surveyed_on_in_business_range', violation_error_message='A date is outside the business range.'),
        ),
    ]
