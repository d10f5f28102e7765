"""Forms of the target pages: a team's quarter, its split among reps, the copy forward and the score weights."""

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from customers.models import Commodity

from ..models import FIGURE_LABELS, RepTarget, ScoreWeights, TeamTarget

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

REASON_HELP = _("Required when changing targets already set; kept in the history with your name.")


def _figure_fields() -> dict[str, forms.Field]:
    """The split figures as form fields: quantities that cannot be negative."""
    number = {"class": "text-end", "inputmode": "decimal"}
    return {
        "sales_amount": forms.DecimalField(label=FIGURE_LABELS["sales_amount"], min_value=0, max_digits=18,
                                           decimal_places=2, widget=forms.NumberInput(attrs=number | {"step": "0.01"})),
        "tonnage": forms.DecimalField(label=FIGURE_LABELS["tonnage"], min_value=0, max_digits=14, decimal_places=2,
                                      widget=forms.NumberInput(attrs=number | {"step": "0.01"})),
        "signed_contracts": forms.IntegerField(label=FIGURE_LABELS["signed_contracts"], min_value=0,
                                               max_value=1_000_000,
                                               widget=forms.NumberInput(attrs=number | {"inputmode": "numeric"})),
        "new_customers": forms.IntegerField(label=FIGURE_LABELS["new_customers"], min_value=0, max_value=1_000_000,
                                            widget=forms.NumberInput(attrs=number | {"inputmode": "numeric"})),
    }


def _with_currency(form: forms.Form) -> None:
    form.fields["sales_amount"].label = _("Sales amount (%(currency)s)") % {"currency": settings.BASE_CURRENCY}


class TeamTargetForm(forms.Form):
    """A team's five quarter targets and, when they change, why."""

    reason = forms.CharField(label=_("Reason for the change"), max_length=300, required=False, help_text=REASON_HELP)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        figures = _figure_fields() | {
            "min_satisfaction": forms.DecimalField(
                label=_("Average satisfaction at least (0-5)"), min_value=0, max_value=5, max_digits=3,
                decimal_places=2, help_text=_("0 sets no floor."),
                widget=forms.NumberInput(attrs={"class": "text-end", "step": "0.1", "inputmode": "decimal"})),
        }
        self.fields.update(figures)
        self.order_fields([*TeamTarget.FIGURES, "reason"])
        _with_currency(self)

    def figures(self) -> dict[str, Decimal | int]:
        return {name: self.cleaned_data[name] for name in TeamTarget.FIGURES}


class RepShareForm(forms.Form):
    """One rep's row of the split: which rep (checked against the team), and their four figures."""

    rep = forms.IntegerField(widget=forms.HiddenInput)
    rep_user: User  # set by the split's formset, for the row's heading

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_figure_fields())
        _with_currency(self)
        for name in TeamTarget.SPLIT:
            self.fields[name].widget.attrs["class"] = "form-control form-control-sm text-end"


class _SplitFormSet(forms.BaseFormSet):
    """One row per active rep of the team, in a fixed order; a row for anyone else is refused."""

    def __init__(self, data: Mapping[str, Any] | None = None, *, reps: Iterable[User],
                 shares: Mapping[int, RepTarget], prefix: str | None = None) -> None:
        self.reps = list(reps)
        initial = [
            {"rep": rep.pk} | {name: getattr(shares[rep.pk], name) if rep.pk in shares else 0
                               for name in TeamTarget.SPLIT}
            for rep in self.reps
        ]
        super().__init__(data, initial=initial, prefix=prefix)
        for form, rep in zip(self.forms, self.reps, strict=False):
            form.rep_user = rep

    def clean(self) -> None:
        if any(self.errors):
            return
        posted = [form.cleaned_data.get("rep") for form in self.forms]
        if posted != [rep.pk for rep in self.reps]:
            raise ValidationError(_("The team's reps changed while you were editing. Reload the page and try again."))

    def shares(self, *, existing: set[int]) -> dict[int, dict[str, Decimal | int]]:
        """Rep id -> figures; a rep with no share yet and nothing entered gets no empty share."""
        result = {}
        for form in self.forms:
            figures = {name: form.cleaned_data[name] for name in TeamTarget.SPLIT}
            rep_id = form.cleaned_data["rep"]
            if rep_id in existing or any(figures.values()):
                result[rep_id] = figures
        return result


# The stubs type a factory's formset as the base class, losing `_SplitFormSet`'s own methods.
SplitFormSet: type[_SplitFormSet] = forms.formset_factory(  # type: ignore[assignment]
    RepShareForm, formset=_SplitFormSet, extra=0)


class SplitReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the change"), max_length=300, required=False, help_text=REASON_HELP)


class CopyForwardForm(forms.Form):
    uplift_percent = forms.DecimalField(
        label=_("Uplift (%)"), min_value=-50, max_value=200, max_digits=5, decimal_places=2, initial=0,
        help_text=_("From -50 to 200; 10 raises every target by 10%."),
        widget=forms.NumberInput(attrs={"class": "text-end", "step": "0.5"}),
    )

    def clean_uplift_percent(self) -> Decimal:
        value = self.cleaned_data["uplift_percent"]
        # "10", not "10.00", in the revisions' reason.
        return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _weight(label: "StrOrPromise") -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=100,
                              widget=forms.NumberInput(attrs={"class": "text-end", "inputmode": "numeric"}))


class ScoreWeightsForm(forms.ModelForm):
    """The composite score's five weights, in percent of the score."""

    sales_amount = _weight(_("Sales amount"))
    signed_contracts = _weight(_("Signed contracts"))
    new_customers = _weight(_("New customers"))
    satisfaction = _weight(_("Customer satisfaction"))
    sales_cycle = _weight(_("Sales cycle"))

    class Meta:
        model = ScoreWeights
        fields = ScoreWeights.PARTS

    def clean(self) -> dict[str, Any]:
        super().clean()  # a model form's own clean turns on the unique checks
        cleaned = self.cleaned_data
        if all(cleaned.get(name) is not None for name in ScoreWeights.PARTS):
            total = sum(cleaned[name] for name in ScoreWeights.PARTS)
            if total != 100:
                raise ValidationError(
                    _("The five weights must add up to 100; they add up to %(total)d."), params={"total": total}
                )
        return cleaned


class CommodityTonnageForm(forms.Form):
    commodity = forms.ModelChoiceField(label=_("Commodity"), queryset=Commodity.objects.all(), required=False)
    tonnes = forms.DecimalField(label=_("Tonnes"), min_value=0, max_digits=14, decimal_places=2, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = self.cleaned_data
        if cleaned.get("commodity") and cleaned.get("tonnes") is None:
            self.add_error("tonnes", _("Give the tonnes for this commodity."))
        return cleaned


class _CommodityTonnageFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        seen = set()
        for form in self.forms:
            commodity = form.cleaned_data.get("commodity") if hasattr(form, "cleaned_data") else None
            if commodity in seen:
                raise ValidationError(_("Each commodity once, please: %(name)s is listed twice."),
                                      params={"name": commodity})
            if commodity:
                seen.add(commodity)

    def tonnages(self) -> dict[Commodity, Decimal]:
        return {form.cleaned_data["commodity"]: form.cleaned_data["tonnes"]
                for form in self.forms if form.cleaned_data.get("commodity")}


# As SplitFormSet: the stubs lose the formset's own class.
CommodityTonnageFormSet: type[_CommodityTonnageFormSet] = forms.formset_factory(  # type: ignore[assignment]
    CommodityTonnageForm, formset=_CommodityTonnageFormSet, extra=3)
