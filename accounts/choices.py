"""A choice's label as `get_FOO_display()` gives it, from the field's labels translated once per language:
`display(deal, "stage")` in Python, `{{ deal|display:"stage" }}` in a template (templatetags/choice_labels.py).
Django's get_FOO_display hashes, and so translates, every label of the field's choices on each call: a list paid
that per row and per column (a page of customers, some eight hundred translations; the new-team form's 225
people, 40 ms)."""

from functools import cache
from typing import cast

from django.db import models
from django.utils import translation
from django.utils.hashable import make_hashable


@cache
def _labels(field: models.Field, language: str | None) -> dict[object, str]:
    # Called with the language active, which the key names: each language has its own labels.
    return {make_hashable(value): str(label) for value, label in field.flatchoices}


def display(instance: models.Model | None, field_name: str) -> str:
    """The label of `instance`'s choice in `field_name`, in the active language."""
    if instance is None:  # as `{{ instance.get_FOO_display }}` shows a missing record: nothing
        return ""
    field = cast(models.Field, instance._meta.get_field(field_name))
    value = getattr(instance, field.attname)
    label = _labels(field, translation.get_language()).get(make_hashable(value))
    if label is not None:
        return label
    # As get_FOO_display: a value outside the choices shows as it is (and no value, as nothing).
    return "" if value is None else str(value)
