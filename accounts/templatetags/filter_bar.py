"""The fields of a list's filter bar (templates/_filter_form.html), in the markup crispy-bootstrap5
gives them, but built in Python: through crispy's templates the filter bar cost a list page a
third of its rendering time."""

from django import forms, template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from accounts.widgets import render_select

register = template.Library()


def _css_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


@register.filter
def filter_field(field: forms.BoundField) -> SafeString:
    widget = field.field.widget
    css = " ".join(filter(None, [widget.attrs.get("class"), _css_class(widget), "is-invalid" if field.errors else ""]))
    if type(widget) is forms.Select:  # not the list-valued ones (sort, multiple choice), which render their own way
        attrs = field.build_widget_attrs({"class": css, "id": field.auto_id})
        control = render_select(widget, field.html_name, field.value(), {**widget.attrs, **attrs})
    else:
        control = field.as_widget(attrs={"class": css})
    # The id the control's aria-describedby names (Django's BoundField sets it on an invalid control).
    errors = format_html("<div id=\"{}_error\" class=\"invalid-feedback\">{}</div>", field.auto_id,
                         format_html_join(" ", "{}", ((error,) for error in field.errors))) if field.errors else ""
    if isinstance(widget, forms.CheckboxInput):
        return format_html(
            "<div class=\"mb-3\"><div class=\"form-check\">{}<label for=\"{}\" class=\"form-check-label\">"
                           "{}</label>{}</div></div>", control, field.id_for_label, field.label, errors)
    return format_html("<div class=\"mb-3\"><label for=\"{}\" class=\"form-label\">{}</label>{}{}</div>",
                       field.id_for_label, field.label, control, errors)
