"""Form fields the apps share."""

from django import forms
from django.core.exceptions import ValidationError


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's, refusing ids no database integer can hold before they reach the query: SQLite
    raises OverflowError on them in an __in lookup (exact lookups are guarded, __in is not)."""

    def _check_values(self, value):
        for pk in value or ():
            try:
                number = int(pk)
            except (TypeError, ValueError):
                continue  # Django's own check explains a value that is not a number
            if not -(2**63) <= number < 2**63:
                raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                      params={"pk": pk})
        return super()._check_values(value)
