"""`{{ deal|display:"stage" }}`: what `deal.get_stage_display` says, from the field's labels translated once per
language. Django's get_FOO_display translates every label of the field's choices on each call: a list paid
that per row and per column (a page of customers, some eight hundred translations)."""

from functools import cache
from typing import cast

from django import template
from django.db import models
from django.utils import translation
from django.utils.hashable import make_hashable

register = template.Library()


@cache
def _labels(field: models.Field, language: str | None) -> dict[object, str]:
    # Called with the language active, which the key names: each language has its own labels.
    return {make_hashable(value): str(label) for value, label in field.flatchoices}


@register.filter
def display(instance: models.Model | None, field_name: str) -> object:
    if instance is None:  # as `{{ instance.get_FOO_display }}` shows a missing record: nothing
        return ""
    field = cast(models.Field, instance._meta.get_field(field_name))
    value = getattr(instance, field.attname)
    # As get_FOO_display: a value outside the choices shows as it is.
    return _labels(field, translation.get_language()).get(make_hashable(value), value)
