"""Typed access to a form's fields, for the forms that narrow their choices to the user."""

from typing import TypeVar

from django import forms

_Field = TypeVar("_Field", bound=forms.Field)


def field_of(form: forms.BaseForm, name: str, kind: type[_Field]) -> _Field:
    """`form.fields[name]`, checked to be a `kind` (to the type checker a form's fields are plain `Field`s)."""
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"{type(form).__name__}.{name} is a {type(field).__name__}, not a {kind.__name__}")
    return field
