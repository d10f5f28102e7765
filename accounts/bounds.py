"""The business range of every date and time a user can enter, checked by forms, services and the database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:  # types only: django-stubs is a dev dependency
    from django.apps.registry import Apps
    from django.db.backends.base.schema import BaseDatabaseSchemaEditor
    from django_stubs_ext import StrOrPromise

BUSINESS_FIRST_DAY = date(2000, 1, 1)
BUSINESS_LAST_DAY = date(2100, 12, 31)
# A moment is checked by its day in the user's time zone; the database, which stores UTC, keeps a
# day's margin on each side so that the business days of every time zone (UTC-12 to UTC+14) fit.
FIRST_MOMENT = datetime.combine(BUSINESS_FIRST_DAY - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
END_MOMENT = datetime.combine(BUSINESS_LAST_DAY + timedelta(days=2), datetime.min.time(), tzinfo=UTC)


def _day_of(value: date | datetime) -> date | None:
    """The day `value` falls on in the current time zone; None when it has no such day (year 1 in
    Asia/Shanghai is before year 1 in UTC, the cause of `year -1 is out of range`)."""
    if not isinstance(value, datetime):
        return value
    if timezone.is_naive(value):
        return value.date()
    try:
        return timezone.localtime(value).date()
    except (OverflowError, ValueError):
        return None


def in_business_range(value: date | datetime) -> bool:
    day = _day_of(value)
    return day is not None and BUSINESS_FIRST_DAY <= day <= BUSINESS_LAST_DAY


def out_of_range_message() -> str:
    return _("Enter a date between %(first)s and %(last)s.") % {
        "first": BUSINESS_FIRST_DAY.isoformat(), "last": BUSINESS_LAST_DAY.isoformat()}


def validate_business_date(value: date | datetime | None) -> None:
    """The validator of every user-entered date and time field, in forms and on the models."""
    if value is not None and not in_business_range(value):
        raise ValidationError(out_of_range_message(), code="out_of_business_range")


def check_business_date(value: date | datetime | None, *, label: StrOrPromise) -> None:
    """For services: refuse a date outside the business range with a RuleError naming the field."""
    from .services import RuleError  # services imports the models, which import this module

    if value is not None and not in_business_range(value):
        raise RuleError(_("%(field)s: %(message)s") % {"field": label, "message": out_of_range_message()})


def check_business_dates(instance: models.Model, *names: str) -> None:
    """check_business_date on fields of a model instance, each named by its verbose name."""
    for name in names:
        field = instance._meta.get_field(name)
        # A reverse relation has no verbose name, and no date.
        if not isinstance(field, models.Field):
            raise TypeError(f"{instance._meta.label}.{name} is not a date field")
        check_business_date(getattr(instance, name), label=capfirst(field.verbose_name))


class BusinessDateField(forms.DateField):
    default_validators = [validate_business_date]


class BusinessDateTimeField(forms.DateTimeField):
    default_validators = [validate_business_date]


def business_range_q(field: str, *, moment: bool = False, nullable: bool = False) -> Q:
    """The condition of a column's check constraint."""
    if moment:
        condition = Q(**{f"{field}__gte": FIRST_MOMENT, f"{field}__lt": END_MOMENT})
    else:
        condition = Q(**{f"{field}__gte": BUSINESS_FIRST_DAY, f"{field}__lte": BUSINESS_LAST_DAY})
    return condition | Q(**{f"{field}__isnull": True}) if nullable else condition


def business_range_constraint(model_name: str, field: str, *, moment: bool = False,
                              nullable: bool = False) -> models.CheckConstraint:
    return models.CheckConstraint(condition=business_range_q(field, moment=moment, nullable=nullable),
                                  name=f"{model_name}_{field}_in_business_range",
                                  violation_error_message=gettext_lazy("A date is outside the business range."))


def report_out_of_range(model: type[models.Model], fields: dict[str, dict[str, bool]]) -> list[str]:
    """The rows of `model` (a migration's historical model) whose `fields` are outside the business
    range, one line each. Only the id and the value as text are read: a year-1 moment cannot be
    loaded as a Python datetime on PostgreSQL."""
    from django.db.models import CharField
    from django.db.models.functions import Cast

    lines = []
    for field, options in fields.items():
        outside = model._default_manager.exclude(business_range_q(field, **options))
        for pk, text in outside.values_list("pk", Cast(field, CharField())).order_by("pk"):
            lines.append(f"{model._meta.db_table} id={pk} {field}={text}")
    return lines


def refuse_out_of_range(
        *checks: tuple[str, str, dict[str, dict[str, bool]]]) -> Callable[[Apps, BaseDatabaseSchemaEditor], None]:
    """A RunPython operation that lists the rows outside the business range and, if there are any,
    stops the migration naming them: they are the user's data, to be corrected by a person (in the
    app's forms or in SQL), not changed silently, and the check constraints after it need them fixed."""

    def run(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        lines = []
        for app_label, model_name, fields in checks:
            lines += report_out_of_range(apps.get_model(app_label, model_name), fields)
        if lines:
            raise RuntimeError(
                f"{len(lines)} saved value(s) are outside the business range {BUSINESS_FIRST_DAY} to "
                f"{BUSINESS_LAST_DAY}; correct them, then migrate again:\n" + "\n".join(lines))

    return run
