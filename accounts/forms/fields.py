"""Form fields the apps share."""

from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError

_F = TypeVar("_F", bound=forms.Field)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's, refusing ids no database integer can hold before they reach the query: SQLite
    raises OverflowError on them in an __in lookup (exact lookups are guarded, __in is not)."""

    def clean(self, value: Any) -> Any:
        for pk in value or ():
            try:
                number = int(pk)
            except (TypeError, ValueError):
                continue  # Django's own check explains a value that is not a number
            if not -(2**63) <= number < 2**63:
                raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                      params={"pk": pk})
        return super().clean(value)


def field_of(form: forms.BaseForm, name: str, kind: type[_F]) -> _F:
    """The form's field `name` as the kind of field it is, for a form to narrow its choices (a form's
    `fields` are known to the type checker only as plain fields)."""
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"{type(form).__name__}.{name} is a {type(field).__name__}, not a {kind.__name__}")
    return field
