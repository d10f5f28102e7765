"""Forms of the incentive plans (the plan, its bands and its rates per tonne as two formsets of plain
forms that the service checks as a whole) and of the statement's workflow steps."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Position, Team
from customers.models import Commodity
from pipeline.forms.specifications import RowForm, plain

from .models import IncentivePlan
from .selectors import PLAN_POSITIONS
from .services import BandRow, RateRow


class PlanForm(forms.ModelForm):
    positions = forms.MultipleChoiceField(
        label=_("Positions"), widget=forms.CheckboxSelectMultiple,
        choices=[(position, Position(position).label) for position in PLAN_POSITIONS])
    teams = forms.ModelMultipleChoiceField(label=_("Teams"), queryset=Team.objects.none(), required=False,
                                           widget=forms.CheckboxSelectMultiple,
                                           help_text=_("None ticked: every team."))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = IncentivePlan
        fields = ("name", "year", "quarter", "positions", "teams", "basis", "percent_of_amount", "new_customer_bonus",
                  "satisfaction_floor", "gate_reduction_percent", "cap", "override_percent")
        help_texts = {
            "percent_of_amount": _("Of the credited amount in the base currency, before the band's multiplier."),
            "satisfaction_floor": _("Below this average satisfaction the variable part is reduced; empty: no gate."),
            "cap": _("The most a person earns in the quarter; empty: no cap."),
            "override_percent": _("A manager earns this per cent of the team's credited amount, by the band of the "
                                  "team's attainment."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = self.fields["teams"]
        assert isinstance(teams, forms.ModelMultipleChoiceField)
        teams.queryset = Team.objects.order_by("name")
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version
            # 0.100 as 0.1: the figures as the director typed them.
            for name in ("percent_of_amount", "new_customer_bonus", "satisfaction_floor", "gate_reduction_percent",
                         "cap", "override_percent"):
                self.initial[name] = plain(getattr(self.instance, name))


class BandForm(RowForm):
    from_percent = forms.DecimalField(label=_("From attainment (%)"), max_digits=7, decimal_places=2,
                                      min_value=Decimal(0))
    multiplier = forms.DecimalField(label=_("Multiplier"), max_digits=6, decimal_places=3, min_value=Decimal(0))


class RateForm(RowForm):
    commodity = forms.ModelChoiceField(label=_("Commodity"), queryset=Commodity.objects.none())
    per_tonne = forms.DecimalField(label=_("Commission per tonne"), max_digits=12, decimal_places=4,
                                   min_value=Decimal(0))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        commodity = self.fields["commodity"]
        assert isinstance(commodity, forms.ModelChoiceField)
        commodity.queryset = Commodity.objects.order_by("name")


BandFormSet = forms.formset_factory(BandForm, extra=2, can_delete=True, max_num=12, validate_max=True)
RateFormSet = forms.formset_factory(RateForm, extra=2, can_delete=True, max_num=30, validate_max=True)


def band_initial(plan: IncentivePlan) -> list[dict]:
    if not plan.pk:
        # The worked example's bands, a start the director adjusts.
        return [{"from_percent": "50", "multiplier": "1"}, {"from_percent": "100", "multiplier": "1.5"},
                {"from_percent": "120", "multiplier": "2"}]
    return [{"from_percent": plain(band.from_percent), "multiplier": plain(band.multiplier)}
            for band in plan.bands.all()]


def rate_initial(plan: IncentivePlan) -> list[dict]:
    if not plan.pk:
        return []
    return [{"commodity": rate.commodity_id, "per_tonne": plain(rate.per_tonne)} for rate in plan.rates.all()]


def _kept(formset: forms.BaseFormSet) -> list[forms.Form]:
    """The rows to keep: neither ticked for deletion nor a blank extra row."""
    deleted = set(map(id, formset.deleted_forms))
    return [form for index, form in enumerate(formset.forms)
            if id(form) not in deleted and (index < formset.initial_form_count() or form.has_changed())]


def band_rows(formset: forms.BaseFormSet) -> tuple[list[BandRow], list[forms.Form]]:
    kept = _kept(formset)
    return [BandRow(form.cleaned_data["from_percent"], form.cleaned_data["multiplier"]) for form in kept], kept


def rate_rows(formset: forms.BaseFormSet) -> tuple[list[RateRow], list[forms.Form]]:
    kept = _kept(formset)
    return [RateRow(form.cleaned_data["commodity"], form.cleaned_data["per_tonne"]) for form in kept], kept


class StepForm(forms.Form):
    """A workflow step: the version the user saw, and an optional note."""

    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReturnForm(StepForm):
    note = forms.CharField(label=_("Why it goes back"), max_length=300)
