"""A form's fields in the markup crispy-bootstrap5 gives them, built in Python: `{{ field|form_field }}` for
crispy's `|as_crispy_field` and `{{ form|form_fields }}` for its `|crispy`.

Through crispy's templates a field is a dozen templates deep (field.html, the widget's own, its attributes, the
help text and errors), about 0.6 ms each: the shipment page's 21 fields took a third of the page. Here the text
inputs, selects (of one choice or many: a deal's 4,000 pieces of market research took 370 ms through crispy's
templates), text areas and check boxes that our forms use are written out directly, through the same
widget renderers as the filter bars (accounts/widgets.py), and so are radio buttons and lists of check boxes (the
new-team form's 225 people took 140 ms through crispy's templates); anything else (files, hidden and
multi-value widgets, a form with a crispy helper) is still crispy's. tests/test_form_fields.py holds the two to
the same markup, and the tests that walk every page compare them for every field they render (conftest's
`form_fields_checked`, which sets `CHECK_AGAINST_CRISPY`).
"""

import copy
import re
from collections.abc import Callable

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, as_crispy_form, optgroups
from django import forms, template
from django.conf import settings
from django.forms.boundfield import BoundField
from django.utils.html import format_html_join
from django.utils.safestring import SafeData, SafeString

from accounts.pages import fill, joined
from accounts.widgets import INPUT_TEMPLATES, attributes, render_input, render_select, render_textarea

register = template.Library()

# Set by the test suite: every field is also rendered by crispy and the two compared (see the module's doc).
CHECK_AGAINST_CRISPY = False


def _ours(field: BoundField) -> bool:
    """Whether we write this field ourselves (else crispy does)."""
    widget = field.field.widget
    if field.is_hidden or field.field.localize or getattr(field.form, "helper", None):
        return False
    if type(widget) in (forms.CheckboxSelectMultiple, forms.RadioSelect):
        return True
    if field.use_fieldset:
        return False
    if type(widget) in (forms.Select, forms.SelectMultiple, forms.Textarea):
        return True
    return (isinstance(widget, forms.widgets.Input) and widget.template_name in INPUT_TEMPLATES
            and not isinstance(widget, forms.FileInput))


def _widget_with_class(widget: forms.Widget, *extra: str) -> forms.Widget:
    """A copy of the widget with the class crispy's {% crispy_field %} gives it (its own classes, its kind's,
    then `extra`), where crispy changes the form's own widget."""
    kind = widget.__class__.__name__.lower()
    kind = getattr(settings, "CRISPY_CLASS_CONVERTERS", {}).get(kind, kind)
    css = widget.attrs.get("class", "")
    css = (f"{css} {kind}" if kind not in css else css) if css else kind
    for name in extra:
        if name not in css.split():
            css += f" {name}"
    copied = copy.copy(widget)
    copied.attrs = {**widget.attrs, "class": css}
    return copied


def _control(field: BoundField, *classes: str) -> SafeString:
    """The field's widget as `str(field)` renders it once crispy has set its class (BoundField.as_widget)."""
    widget = _widget_with_class(field.field.widget, *classes, *(["is-invalid"] if field.errors else []))
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    if isinstance(widget, forms.Select):
        return render_select(widget, field.html_name, field.value(), attrs)
    if isinstance(widget, forms.Textarea):
        return render_textarea(widget, field.html_name, field.value(), attrs)
    return render_input(widget, field.html_name, field.value(), attrs)  # type: ignore[arg-type]


def _errors_block(field: BoundField) -> SafeString:
    """crispy's field_errors_block.html: the field's errors, each in its paragraph."""
    return fill(
        "<div id=\"{}_error\" class=\"invalid-feedback\">{}</div>", getattr(field.errors, "field_id", ""),
        format_html_join("", "<p id=\"error_{}_{}\"><strong>{}</strong></p>",
                         ((number, field.auto_id, error) for number, error in enumerate(field.errors, 1))))


def _help_text(field: BoundField) -> SafeString | str:
    """crispy's help_text.html."""
    help_text = field.help_text
    if not help_text:
        return ""
    # crispy shows help texts unescaped (|safe): ours are the forms' own words, never a user's.
    shown = help_text if isinstance(help_text, SafeData) else SafeString(str(help_text))  # nosec B703 B308
    return fill("<div {}class=\"form-text\">{}</div>", fill("id=\"{}_helptext\" ", field.auto_id)
                if field.auto_id else "", shown)


def _help_and_errors(field: BoundField) -> SafeString:
    """crispy's help_text_and_errors.html as the filters render it: the errors' block, then the help text."""
    return fill("{}{}", _errors_block(field) if field.errors else "", _help_text(field))


def _label_text(field: BoundField) -> SafeString:
    return fill("{}{}", field.label,
                SafeString("<span class=\"asteriskField\">*</span>") if field.field.required else "")


def _choice_boxes(field: BoundField) -> SafeString:
    """A check box or radio button per choice, as crispy's radio_checkbox_select.html writes them (a team's 225
    possible members took 140 ms through it): the choices' errors under the last one, then the help text."""
    box_class = "form-check-input is-invalid" if field.errors else "form-check-input"
    groups = optgroups(field)
    parts = []
    for group_number, (group, options, _index) in enumerate(groups, 1):
        if group:
            parts.append(fill("<strong>{}</strong>", group))
        for number, option in enumerate(options, 1):
            last = field.errors and number == len(options) and group_number == len(groups)
            parts.append(fill(
                "<div class=\"form-check\"><input type=\"{}\" class=\"{}\" name=\"{}\" value=\"{}\" {}>"
                "<label for=\"{}\" class=\"form-check-label\">{}</label>{}</div>",
                option["type"], box_class, field.html_name, option["value"], attributes(option["attrs"]),
                option["attrs"].get("id", ""), option["label"], _errors_block(field) if last else ""))
    return fill("<div>{}</div>{}", joined(parts), _help_text(field))


def _render(field: BoundField) -> SafeString:
    extra = f" {field.css_classes()}" if field.css_classes() else ""
    required = " requiredField" if field.field.required else ""
    if isinstance(field.field.widget, (forms.CheckboxSelectMultiple, forms.RadioSelect)):
        # In a fieldset named by its legend, as crispy's field.html gives a field that uses one.
        legend = fill("<fieldset{}><legend class=\"form-label{} fs-6\">{}</legend>",
                      fill(" aria-describedby=\"{}\"", field.aria_describedby) if field.aria_describedby else "",
                      required, _label_text(field)) if field.label else ""
        return fill("<div id=\"div_{}\" class=\"mb-3{}\">{}{}{}</div>", field.auto_id, extra, legend,
                    _choice_boxes(field), SafeString("</fieldset>") if field.label else "")
    if isinstance(field.field.widget, forms.CheckboxInput):
        return fill(
            "<div class=\"mb-3\"><div id=\"div_{}\" class=\"form-check{}\">{}"
            "<label for=\"{}\" class=\"form-check-label{}\">{}</label>{}</div></div>",
            field.auto_id, extra, _control(field, "form-check-input"), field.id_for_label, required,
            _label_text(field), _help_and_errors(field))
    label = fill("<label {}class=\"form-label{}\">{}</label>",
                 fill("for=\"{}\" ", field.id_for_label) if field.id_for_label else "", required,
                 _label_text(field)) if field.label else ""
    kind = "form-select" if isinstance(field.field.widget, forms.Select) else "form-control"
    return fill("<div id=\"div_{}\" class=\"mb-3{}\">{}{}{}</div>", field.auto_id, extra, label,
                _control(field, kind), _help_and_errors(field))


_BETWEEN_TAGS = re.compile(r">\s+<")
_SPACES = re.compile(r"\s+")


def same_markup(html: str) -> str:
    """`html` with the white space that does not show dropped (between tags, before a tag's end, and runs of it):
    what two renderings of a field are compared by."""
    return (_BETWEEN_TAGS.sub("><", _SPACES.sub(" ", str(html))).replace("> ", ">").replace(" <", "<")
            .replace(" >", ">").strip())


def _checked(ours: SafeString, crispy: Callable[[], str], what: str) -> SafeString:
    """`ours`, once found the same as crispy's markup when the tests ask (CHECK_AGAINST_CRISPY)."""
    if CHECK_AGAINST_CRISPY and same_markup(ours) != same_markup(theirs := crispy()):
        raise AssertionError(f"{what} differs from crispy:\nours:   {same_markup(ours)}\ncrispy: {same_markup(theirs)}")
    return ours


@register.filter
def form_field(field: BoundField) -> SafeString:
    """crispy's `|as_crispy_field`, the same markup."""
    if not _ours(field):
        return as_crispy_field(field)
    return _checked(_render(field), lambda: as_crispy_field(field),
                    f"form_field of {field.form.__class__.__name__}.{field.name}")


def _errors(form: forms.BaseForm) -> SafeString:
    """crispy's errors.html: the form's own errors above its fields."""
    errors = form.non_field_errors()
    if not errors:
        return SafeString("")
    return fill("<div class=\"alert alert-block alert-danger\"><ul class=\"m-0\">{}</ul></div>",
                format_html_join("", "<li>{}</li>", ((error,) for error in errors)))


@register.filter
def form_fields(form: forms.BaseForm) -> SafeString:
    """crispy's `|crispy` for a form (not a formset): its errors, then each field."""
    if not isinstance(form, forms.BaseForm) or getattr(form, "helper", None):
        return as_crispy_form(form)
    ours = fill("{}{}", _errors(form), format_html_join(
        "", "{}", ((field if field.is_hidden else form_field(field),) for field in form)))
    return _checked(ours, lambda: as_crispy_form(form), f"form_fields of {form.__class__.__name__}")
