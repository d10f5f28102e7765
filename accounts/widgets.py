"""The project's own form widgets: the date pickers every form uses, and rendering widgets faster than
Django's templates do, where a page has many of them."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import Model
from django.forms.models import ModelChoiceIterator
from django.utils.safestring import SafeString

from accounts.pages import fill, joined

# The browser's pickers read and write ISO values whatever the reader's language, so the value is
# always rendered in that form, never in the locale's first input format.
ISO_DATE_FORMAT = "%Y-%m-%d"
ISO_DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    """The browser's date picker (<input type="date">)."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = ISO_DATE_FORMAT) -> None:
        super().__init__(attrs, format=format)


class DateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker (<input type="datetime-local">), to the minute."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = ISO_DATETIME_FORMAT) -> None:
        super().__init__(attrs, format=format)


def _choices(widget: forms.Select) -> Iterable[tuple[Any, Any]]:
    """The widget's choices as it gives them; a model field's read with one plain query: Django's iterator reads
    them through a server-side cursor on PostgreSQL, three round trips for a dozen ports or commodities."""
    choices = widget.choices
    if not isinstance(choices, ModelChoiceIterator):
        return choices
    field: Any = choices.field
    listed: list[tuple[Any, Any]] = [("", field.empty_label)] if field.empty_label is not None else []
    if getattr(field, "null_label", None) is not None:  # django-filter's "none of them" choice
        listed.append((field.null_value, field.null_label))
    labelled = _labelled_by_values(field, choices.queryset.model)
    if labelled is not None:
        columns, label = labelled
        value_column = field.to_field_name or "pk"  # what Django's iterator gives as a choice's value
        return listed + [(value, label(*values))
                         for value, *values in choices.queryset.values_list(value_column, *columns)]
    return listed + [choices.choice(each) for each in choices.queryset.all()]


def _labelled_by_values(field: forms.ModelChoiceField, model: type[Model]) -> tuple[tuple[str, ...], Any] | None:
    """The columns a choice's label is made of and the rule that makes it, when the field labels its choices by the
    model's `__str__` and the class that defines `__str__` says both (LABEL_COLUMNS, label_from): the director's 300
    people read as values took 0.7 ms where made into people they took 1.7."""
    if "label_from_instance" in vars(field) or (
            type(field).label_from_instance is not forms.ModelChoiceField.label_from_instance):
        return None
    named_by = next(klass for klass in model.__mro__ if "__str__" in vars(klass))
    if "LABEL_COLUMNS" not in vars(named_by):
        return None
    return named_by.LABEL_COLUMNS, named_by.label_from  # type: ignore[attr-defined]


def render_select(widget: forms.Select, name: str, value: Any, attrs: dict[str, Any] | None = None) -> SafeString:
    """The HTML Django's templates give a <select>, built in Python: some fifty times faster for long
    lists (a director's 300 people), and a list page renders several selects in its filter bar. The
    options are made as Select.optgroups makes them, without its dictionary per option."""
    final_attrs = widget.build_attrs(widget.attrs, attrs)
    if widget.allow_multiple_selected:
        final_attrs["multiple"] = True
    wanted = widget.format_value(value)
    chosen = False

    def option(option_value: Any, label: Any) -> SafeString:
        nonlocal chosen
        selected = (not chosen or widget.allow_multiple_selected) and str(option_value) in wanted
        chosen |= selected
        return fill("<option value=\"{}\"{}>{}</option>", option_value, " selected" if selected else "", label)

    groups = []
    for option_value, label in _choices(widget):
        if isinstance(label, (list, tuple)):
            options = joined(option(*choice) for choice in label)
            groups.append(fill("<optgroup label=\"{}\">{}</optgroup>", option_value, options)
                          if option_value else options)
        else:
            groups.append(option("" if option_value is None else option_value, label))
    return fill("<select name=\"{}\"{}>{}</select>", name, attributes(final_attrs), joined(groups))


def attributes(attrs: dict[str, Any]) -> SafeString:
    """A widget's attributes as Django's attrs.html writes them: in their order, a true one by its name alone, a
    false one left out."""
    return joined(fill(" {}", key) if each is True else fill(" {}=\"{}\"", key, each)
                  for key, each in attrs.items() if each is not False)


# Django's templates of these widgets are all its input.html, which render_input writes out.
INPUT_TEMPLATES = {f"django/forms/widgets/{kind}.html" for kind in
                   ("input", "text", "number", "email", "url", "date", "datetime", "time", "checkbox")}


def render_input(widget: forms.widgets.Input, name: str, value: Any, attrs: dict[str, Any] | None = None) -> SafeString:
    """The HTML Django's input.html gives an <input> (text, date, check box...), built in Python: its
    attributes in their order, as its attrs.html writes them."""
    context = widget.get_context(name, value, attrs)["widget"]
    shown = "" if context["value"] is None else fill(" value=\"{}\"", context["value"])
    return fill("<input type=\"{}\" name=\"{}\"{}{}>", context["type"], context["name"], shown,
                attributes(context["attrs"]))


def render_textarea(widget: forms.Widget, name: str, value: Any, attrs: dict[str, Any] | None = None) -> SafeString:
    """The HTML Django's textarea.html gives a <textarea>, built in Python (the line break after the tag is the
    browser's to drop, as Django writes it)."""
    context = widget.get_context(name, value, attrs)["widget"]
    return fill("<textarea name=\"{}\"{}>\n{}</textarea>", context["name"], attributes(context["attrs"]),
                context["value"] or "")

