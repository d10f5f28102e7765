"""Forms of the director's quality specifications: the grade, and its parameters and price rules as
two formsets of plain forms (the service saves the rows, checking them as a whole)."""

from decimal import Decimal

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from customers.models import Commodity

from ..models import PriceRule, Specification, SpecParameter
from ..specifications import ParameterRow, RuleRow


class SpecificationForm(forms.ModelForm):
    class Meta:
        model = Specification
        fields = ("commodity", "name", "name_zh", "price_basis", "active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        commodity = self.fields["commodity"]
        assert isinstance(commodity, forms.ModelChoiceField)
        commodity.queryset = Commodity.objects.order_by("name")
        self.fields["active"].help_text = _("Only grades on offer can be chosen for a new deal.")


def plain(value: Decimal | None) -> str | None:
    """5500.0000 as 5500, for the form's inputs."""
    return None if value is None else f"{value.normalize():f}"


class RowForm(forms.Form):
    """A row of a formset, laid out as a line of small inputs on a wide screen (the commission plan's
    bands and rates use it too)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
            else:
                field.widget.attrs["class"] = "form-control form-control-sm"


class ParameterForm(RowForm):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    code = forms.SlugField(label=_("Code"), max_length=20)
    name = forms.CharField(label=_("Parameter"), max_length=100)
    name_zh = forms.CharField(label=_("Chinese name"), max_length=100, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    typical = forms.DecimalField(label=_("Typical"), max_digits=12, decimal_places=4, required=False)
    minimum = forms.DecimalField(label=_("Reject below"), max_digits=12, decimal_places=4, required=False)
    maximum = forms.DecimalField(label=_("Reject above"), max_digits=12, decimal_places=4, required=False)
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=999, required=False)

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().lower()


class RuleForm(RowForm):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    parameter = forms.ChoiceField(label=_("Parameter"), choices=())
    # Each initial is the widget's first choice, so that an untouched blank row counts as unchanged.
    kind = forms.ChoiceField(label=_("Kind"), choices=PriceRule.Kind.choices, initial=PriceRule.Kind.PRO_RATA)
    basis = forms.DecimalField(label=_("Basis or threshold"), max_digits=12, decimal_places=4)
    side = forms.ChoiceField(label=_("Applies"), choices=PriceRule.Side.choices, initial=PriceRule.Side.BELOW)
    step = forms.DecimalField(label=_("Per step of"), max_digits=12, decimal_places=4, initial=1, min_value=0.0001)
    amount = forms.DecimalField(label=_("Price change per step"), max_digits=12, decimal_places=4, initial=0,
                                help_text=_("Per tonne; negative for a penalty."))
    whole_steps = forms.BooleanField(label=_("A started step counts whole"), required=False)

    def __init__(self, *args, parameters: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        parameter = self.fields["parameter"]
        assert isinstance(parameter, forms.ChoiceField)
        parameter.choices = [("", "---------"), *parameters]


ParameterFormSet = forms.formset_factory(ParameterForm, extra=2, can_delete=True, max_num=40, validate_max=True)
RuleFormSet = forms.formset_factory(RuleForm, extra=2, can_delete=True, max_num=40, validate_max=True)

PARAMETER_FIELDS = ("code", "name", "name_zh", "unit", "typical", "minimum", "maximum", "position")
RULE_FIELDS = ("kind", "basis", "side", "step", "amount", "whole_steps")


def parameter_initial(specification: Specification) -> list[dict]:
    return [{"id": parameter.pk, **{name: _initial(getattr(parameter, name)) for name in PARAMETER_FIELDS}}
            for parameter in specification.parameters.all()] if specification.pk else []


def rule_initial(specification: Specification) -> list[dict]:
    if not specification.pk:
        return []
    return [{"id": rule.pk, "parameter": rule.parameter.code,
             **{name: _initial(getattr(rule, name)) for name in RULE_FIELDS}}
            for rule in specification.price_rules.select_related("parameter")]


def _initial(value: object) -> object:
    return plain(value) if isinstance(value, Decimal) else value


def rule_parameters(specification: Specification, data: QueryDict | None) -> list[tuple[str, str]]:
    """The codes a rule may name: the grade's parameters, and on a POST those just typed in (the service
    then checks that each rule's code is among the parameters saved)."""
    parameters: dict[str, str] = {}
    if specification.pk:
        parameters = {parameter.code: f"{parameter.code} · {parameter}"
                      for parameter in SpecParameter.objects.filter(specification=specification)}
    for key in data or ():
        code = str(data.get(key, "")).strip().lower() if data else ""
        if key.startswith("parameters-") and key.endswith("-code") and code:
            parameters.setdefault(code, code)
    return sorted(parameters.items())


def _kept(formset: forms.BaseFormSet) -> list[forms.Form]:
    """The rows to keep: neither ticked for deletion nor a blank extra row."""
    deleted = set(map(id, formset.deleted_forms))
    return [form for index, form in enumerate(formset.forms)
            if id(form) not in deleted and (index < formset.initial_form_count() or form.has_changed())]


def parameter_rows(formset: forms.BaseFormSet) -> tuple[list[ParameterRow], list[forms.Form]]:
    kept = _kept(formset)
    rows = [ParameterRow(pk=form.cleaned_data["id"],
                         **{name: form.cleaned_data[name] for name in PARAMETER_FIELDS if name != "position"},
                         position=form.cleaned_data["position"] or 0) for form in kept]
    return rows, kept


def rule_rows(formset: forms.BaseFormSet) -> tuple[list[RuleRow], list[forms.Form]]:
    kept = _kept(formset)
    rows = [RuleRow(pk=form.cleaned_data["id"], parameter=form.cleaned_data["parameter"],
                    **{name: form.cleaned_data[name] for name in RULE_FIELDS}) for form in kept]
    return rows, kept
