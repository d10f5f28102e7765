"""Every user-entered date of deals, activities, research and exchange rates in the business range
(accounts.bounds).
Rows already outside it are listed and stop the migration, changed for no one: correct them, then
migrate again."""

import accounts.bounds
import datetime
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0008_business_date_bounds'),
        ('pipeline', '0006_credit_at_signing'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(accounts.bounds.refuse_out_of_range(
            ("pipeline", "ExchangeRate", {"valid_from": {}}),
            ("pipeline", "Deal", {name: {"nullable": True} for name in
                                  ("laycan_start", "laycan_end", "expected_signing_date", "signed_on")}),
            ("pipeline", "Activity", {"happened_at": {"moment": True}, "next_step_due": {"nullable": True}}),
            ("pipeline", "MarketResearch", {"researched_on": {}}),
        ), migrations.RunPython.noop),
        migrations.AlterField(
            model_name='activity',
            name='happened_at',
            field=models.DateTimeField(validators=[accounts.bounds.validate_business_date], verbose_name='when'),
        ),
        migrations.AlterField(
            model_name='activity',
            name='next_step_due',
            field=models.DateField(blank=True, null=True, validators=[accounts.bounds.validate_business_date], verbose_name='next step due'),
        ),
        migrations.AlterField(
            model_name='deal',
            name='expected_signing_date',
            field=models.DateField(blank=True, null=True, validators=[accounts.bounds.validate_business_date], verbose_name='expected signing date'),
        ),
        migrations.AlterField(
            model_name='deal',
            name='laycan_end',
            field=models.DateField(blank=True, null=True, validators=[accounts.bounds.validate_business_date], verbose_name='laycan to'),
        ),
        migrations.AlterField(
            model_name='deal',
            name='laycan_start',
            field=models.DateField(blank=True, null=True, validators=[accounts.bounds.validate_business_date], verbose_name='laycan from'),
        ),
        migrations.AlterField(
            model_name='deal',
            name='signed_on',
            field=models.DateField(blank=True, null=True, validators=[accounts.bounds.validate_business_date], verbose_name='signing date'),
        ),
        migrations.AlterField(
            model_name='exchangerate',
            name='valid_from',
            field=models.DateField(validators=[accounts.bounds.validate_business_date], verbose_name='valid from'),
        ),
        migrations.AlterField(
            model_name='historicaldeal',
            name='expected_signing_date',
            field=models.DateField(blank=True, null=True, validators=[accounts.bounds.validate_business_date], verbose_name='expected signing date'),
        ),
        migrations.AlterField(
            model_name='historicaldeal',
            name='laycan_end',
            field=models.DateField(blank=True, null=True, validators=[accounts.bounds.validate_business_date], verbose_name='laycan to'),
        ),
        migrations.AlterField(
            model_name='historicaldeal',
            name='laycan_start',
            field=models.DateField(blank=True, null=True, validators=[accounts.bounds.validate_business_date], verbose_name='laycan from'),
        ),
        migrations.AlterField(
            model_name='historicaldeal',
            name='signed_on',
            field=models.DateField(blank=True, null=True, validators=[accounts.bounds.validate_business_date], verbose_name='signing date'),
        ),
        migrations.AlterField(
            model_name='marketresearch',
            name='researched_on',
            field=models.DateField(validators=[accounts.bounds.validate_business_date], verbose_name='date'),
        ),
        migrations.AddConstraint(
            model_name='activity',
            constraint=models.CheckConstraint(condition=models.Q(('happened_at__gte', datetime.datetime(1999, 12, 31, 0, 0, tzinfo=datetime.timezone.utc)), ('happened_at__lt', datetime.datetime(2101, 1, 2, 0, 0, tzinfo=datetime.timezone.utc))), name='activity_happened_at_in_business_range', violation_error_message='A date is outside the business range.'),
        ),
        migrations.AddConstraint(
            model_name='activity',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('next_step_due__gte', datetime.date(2000, 1, 1)), ('next_step_due__lte', datetime.date(2100, 12, 31))), ('next_step_due__isnull', True), _connector='OR'), name='activity_next_step_due_in_business_range', violation_error_message='A date is outside the business range.'),
        ),
        migrations.AddConstraint(
            model_name='deal',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('laycan_start__gte', datetime.date(2000, 1, 1)), ('laycan_start__lte', datetime.date(2100, 12, 31))), ('laycan_start__isnull', True), _connector='OR'), name='deal_laycan_start_in_business_range', violation_error_message='A date is outside the business range.'),
        ),
        migrations.AddConstraint(
            model_name='deal',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('laycan_end__gte', datetime.date(2000, 1, 1)), ('laycan_end__lte', datetime.date(2100, 12, 31))), ('laycan_end__isnull', True), _connector='OR'), name='deal_laycan_end_in_business_range', violation_error_message='A date is outside the business range.'),
        ),
        migrations.AddConstraint(
            model_name='deal',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('expected_signing_date__gte', datetime.date(2000, 1, 1)), ('expected_signing_date__lte', datetime.date(2100, 12, 31))), ('expected_signing_date__isnull', True), _connector='OR'), name='deal_expected_signing_date_in_business_range', violation_error_message='A date is outside the business range.'),
        ),
        migrations.AddConstraint(
            model_name='deal',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('signed_on__gte', datetime.date(2000, 1, 1)), ('signed_on__lte', datetime.date(2100, 12, 31))), ('signed_on__isnull', True), _connector='OR'), name='deal_signed_on_in_business_range', violation_error_message='A date is outside the business range.'),
        ),
        migrations.AddConstraint(
            model_name='exchangerate',
            constraint=models.CheckConstraint(condition=models.Q(('valid_from__gte', datetime.date(2000, 1, 1)), ('valid_from__lte', datetime.date(2100, 12, 31))), name='rate_valid_from_in_business_range', violation_error_message='A date is outside the business range.'),
        ),
        migrations.AddConstraint(
            model_name='marketresearch',
            constraint=models.CheckConstraint(condition=models.Q(('researched_on__gte', datetime.date(2000, 1, 1)), ('researched_on__lte', datetime.date(2100, 12, 31))), name='research_researched_on_in_business_range', violation_error_message='A date is outside the business range.'),
        ),
    ]
