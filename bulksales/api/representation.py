"""The API's records written as Django REST framework writes them, with less of its work per field.

DRF's `Serializer.to_representation` walks a generator of its readable fields for every record and reads each
value through `fields.get_attribute`, which asks for every attribute whether the record is a mapping and whether
the value is a callable to call: a page of 50 deals with their moves is some 3,300 values, written in 5.2 ms
(3.8 so, at the large size). Here the fields are listed once per serializer, and a field that reads
one attribute of its record the plain way (DRF's own `Field.get_attribute`, a one-part source) has it read with
`getattr`; anything else (a nested serializer, a related field, a dotted source, a value that is missing, a
mapping or a callable) goes through DRF's own steps. Every list endpoint is held to what DRF writes
(tests/api_representation.py, from test_api.py, test_api_execution.py and test_api_follow_up.py).
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from rest_framework import fields, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

_MISSING = object()

# (its key in the output, the one attribute it reads plainly or None, the field)
Plan = list[tuple[str, str | None, fields.Field]]


def _plain_attribute(field: fields.Field) -> str | None:
    """The attribute `field` reads the plain way, or None when it reads otherwise."""
    reads_plainly = type(field).get_attribute is fields.Field.get_attribute and field.source != "*"
    return field.source_attrs[0] if reads_plainly and len(field.source_attrs) == 1 else None


class ModelSerializer(serializers.ModelSerializer):
    """`serializers.ModelSerializer`, its records written faster (see the module's docstring)."""

    def _plan(self) -> Plan:
        plan = self.__dict__.get("_representation_plan")
        if plan is None:  # once per serializer: a list's one child serializer writes every record
            plan = self.__dict__["_representation_plan"] = [
                (field.field_name, _plain_attribute(field), field) for field in self._readable_fields]
        return plan

    def to_representation(self, instance: Any) -> dict[str, Any]:
        written: dict[str, Any] = {}
        mapping = isinstance(instance, Mapping)
        for name, attribute, field in self._plan():
            value = _MISSING
            if attribute is not None and not mapping:
                try:
                    value = getattr(instance, attribute, _MISSING)
                except ObjectDoesNotExist:  # DRF answers None for it: its own steps decide
                    value = _MISSING
            if value is _MISSING or callable(value):  # DRF's own steps for this field
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
            checked = value.pk if isinstance(value, PKOnlyObject) else value
            written[name] = None if checked is None else field.to_representation(value)
        return written
