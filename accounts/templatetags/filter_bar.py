"""The fields of a list's filter bar (templates/_filter_form.html), in the markup crispy-bootstrap5
gives them, but built in Python: through crispy's templates the filter bar cost a list page a
third of its rendering time."""

from typing import Any

from django import forms, template
from django.forms.widgets import Input
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django_filters.widgets import BaseCSVWidget

from accounts.pages import fill
from accounts.widgets import INPUT_TEMPLATES, render_input, render_select

register = template.Library()


def _css_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


def _single_sort(widget: forms.Widget, value: Any) -> tuple[Any] | None:
    """A list's sort (django-filter's comma-separated select) holding one value or none: as BaseCSVWidget.render
    shows it, a plain select with that value. None for any other widget, or several values (a text box then)."""
    if not (isinstance(widget, BaseCSVWidget) and isinstance(widget, forms.Select)):
        return None
    values = value if isinstance(value, (list, tuple)) else [value]
    return (values[0] if values else "",) if len(values) <= 1 else None


@register.filter
def filter_field(field: forms.BoundField) -> SafeString:
    widget = field.field.widget
    css = " ".join(filter(None, [widget.attrs.get("class"), _css_class(widget), "is-invalid" if field.errors else ""]))
    value = field.value()
    sort = _single_sort(widget, value)
    if type(widget) is forms.Select or sort is not None:  # not multiple choices, which render their own way
        attrs = field.build_widget_attrs({"class": css, "id": field.auto_id})
        control = render_select(widget, field.html_name, value if sort is None else sort[0], {**widget.attrs, **attrs})
    elif isinstance(widget, Input) and widget.template_name in INPUT_TEMPLATES and not field.field.localize:
        # What BoundField.as_widget passes the widget, without its template.
        attrs = field.build_widget_attrs({"class": css}, widget)
        if field.auto_id and "id" not in widget.attrs:
            attrs.setdefault("id", field.auto_id)
        control = render_input(widget, field.html_name, value, attrs)
    else:
        control = field.as_widget(attrs={"class": css})
    # The id the control's aria-describedby names (Django's BoundField sets it on an invalid control).
    errors = fill("<div id=\"{}_error\" class=\"invalid-feedback\">{}</div>", field.auto_id,
                  format_html_join(" ", "{}", ((error,) for error in field.errors))) if field.errors else ""
    if isinstance(widget, forms.CheckboxInput):
        return fill(
            "<div class=\"mb-3\"><div class=\"form-check\">{}<label for=\"{}\" class=\"form-check-label\">"
                           "{}</label>{}</div></div>", control, field.id_for_label, field.label, errors)
    return fill("<div class=\"mb-3\"><label for=\"{}\" class=\"form-label\">{}</label>{}{}</div>",
                field.id_for_label, field.label, control, errors)
