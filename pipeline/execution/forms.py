"""Forms of the shipment pages: the facts of a shipment, an assay's certificate, a laytime statement
with its excepted periods, and the complaint a claim is raised with. Rules live in services.py;
these only check what a form can see on its own."""

import datetime
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.bounds import BusinessDateField, BusinessDateTimeField
from accounts.choices import display
from accounts.models import User
from accounts.widgets import DateInput, DateTimeInput
from customers.models import Complaint
from customers.selectors import possible_assignees
from pipeline.models import Deal, PortRole, SpecParameter

from .models import LaytimeException, Shipment
from .services import lifting_range

DATE_FIELDS = ("nominated_on", "eta_load", "laycan_start", "laycan_end", "bl_date")
MOMENT_FIELDS = ("load_arrived_at", "discharge_arrived_at", "discharge_completed_at")
# The facts, in the order of the shipment's life: nomination, loading, discharge.
NOMINATION = ("vessel_name", "imo", "nominated_on", "eta_load", "laycan_start", "laycan_end")
LOADING = ("load_arrived_at", "bl_date", "bl_tonnes")
DISCHARGE = ("discharge_arrived_at", "discharge_completed_at", "outturn_tonnes")


class ShipmentForm(forms.ModelForm):
    # The version the user saw: a save over someone else's newer one is refused (services.shipment_save).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    imo = forms.CharField(label=_("IMO number"), max_length=12, required=False,
                          help_text=_("Seven digits, e.g. 9074729."))
    acceptance_reason = forms.CharField(
        label=_("why it is accepted"), max_length=300, required=False,
        help_text=_("Only for a B/L quantity outside the contract's tolerance, which you accept as a manager."))

    class Meta:
        model = Shipment
        fields = [*NOMINATION, *LOADING, *DISCHARGE]

    def __init__(self, *args: Any, deal: Deal, may_accept: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name in DATE_FIELDS:
            self.fields[name].widget = DateInput()
        for name in MOMENT_FIELDS:
            self.fields[name].widget = DateTimeInput()
        self.fields["version"].initial = self.instance.version
        least, most = lifting_range(deal)
        self.fields["bl_tonnes"].help_text = _("Within the contract: %(least)s t to %(most)s t, %(option)s.") % {
            "least": f"{least:,.0f}", "most": f"{most:,.0f}", "option": display(deal, "tolerance_option")}
        if not may_accept:
            # Only a manager accepts a quantity outside tolerance: nobody else is offered the reason.
            del self.fields["acceptance_reason"]

    def clean_imo(self) -> str:
        # Written on papers as "IMO 9074729": the number is the seven digits.
        return self.cleaned_data["imo"].upper().removeprefix("IMO").replace(" ", "").strip()

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("laycan_start"), cleaned.get("laycan_end")
        if start and end and end < start:
            self.add_error("laycan_end", _("The laycan cannot end before it starts."))
        arrived, completed = cleaned.get("discharge_arrived_at"), cleaned.get("discharge_completed_at")
        if arrived and completed and completed < arrived:
            self.add_error("discharge_completed_at", _("The discharge cannot be completed before the vessel arrived."))
        return cleaned

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The fields under their headings, for the template."""
        return [(str(title), [self[name] for name in names]) for title, names in (
            (_("Nomination"), NOMINATION), (_("Loading"), LOADING), (_("Discharge"), DISCHARGE))]


def _limits_text(parameter: SpecParameter) -> str:
    parts = []
    if parameter.typical is not None:
        parts.append(_("typical %(value)s") % {"value": f"{parameter.typical.normalize():,f}"})
    if parameter.minimum is not None:
        parts.append(_("reject below %(value)s") % {"value": f"{parameter.minimum.normalize():,f}"})
    if parameter.maximum is not None:
        parts.append(_("reject above %(value)s") % {"value": f"{parameter.maximum.normalize():,f}"})
    return " · ".join(str(part) for part in parts)


class AssayForm(forms.Form):
    """An inspector's certificate: one result per parameter of the contract's specification."""

    place = forms.ChoiceField(label=_("Sampled at"), choices=PortRole.choices)
    laboratory = forms.CharField(label=_("Laboratory or inspector"), max_length=100, help_text=_("e.g. SGS, CCIC"))
    certificate_number = forms.CharField(label=_("Certificate number"), max_length=60)
    certificate_date = BusinessDateField(label=_("Certificate date"), widget=DateInput)
    reason = forms.CharField(label=_("Why it is corrected"), max_length=300)

    def __init__(self, *args: Any, parameters: list[SpecParameter], deal: Deal, correcting: bool = False,
                 **kwargs: Any):
        kwargs.setdefault("auto_id", "id_assay_%s")
        super().__init__(*args, **kwargs)
        self.parameters = parameters
        self.fields["place"].initial = deal.final_assay
        if not correcting:
            del self.fields["reason"]
        for parameter in parameters:
            self.fields[self.result_name(parameter)] = forms.DecimalField(
                label=str(parameter), max_digits=12, decimal_places=4, required=False,
                help_text=_limits_text(parameter))

    @staticmethod
    def result_name(parameter: SpecParameter) -> str:
        return f"result_{parameter.pk}"

    def result_fields(self) -> list[forms.BoundField]:
        return [self[self.result_name(parameter)] for parameter in self.parameters]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.parameters and not self.results() and not self.errors:
            raise ValidationError(_("Give at least one result."))
        return cleaned

    def results(self) -> dict[SpecParameter, Decimal]:
        return {parameter: value for parameter in self.parameters
                if (value := self.cleaned_data.get(self.result_name(parameter))) is not None}


class LaytimeForm(forms.Form):
    notice_tendered_at = BusinessDateTimeField(label=_("Notice of readiness tendered"), widget=DateTimeInput)
    completed_at = BusinessDateTimeField(label=_("Loading or discharge completed"), widget=DateTimeInput)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        notice, completed = cleaned.get("notice_tendered_at"), cleaned.get("completed_at")
        if notice and completed and completed <= notice:
            self.add_error("completed_at", _("Loading or discharge is completed after notice of readiness is "
                                             "tendered."))
        return cleaned


class ExceptedPeriodForm(forms.Form):
    """One period the clock stops for; a holiday is its whole day, whatever the hours given."""

    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "—"), *LaytimeException.Kind.choices], required=False)
    starts_at = BusinessDateTimeField(label=pgettext_lazy("moment", "From"), widget=DateTimeInput, required=False)
    ends_at = BusinessDateTimeField(label=pgettext_lazy("moment", "To"), widget=DateTimeInput, required=False,
                                    help_text=_("Not needed for a holiday."))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # A row left as it was stored is still a period: always cleaned, an empty row is simply none.
        self.empty_permitted = False

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        kind, starts, ends = cleaned.get("kind"), cleaned.get("starts_at"), cleaned.get("ends_at")
        if self.errors or not (kind or starts or ends or cleaned.get("note")):
            return cleaned  # an empty row is no period
        if not kind:
            self.add_error("kind", _("Say what stopped the clock."))
        if starts is None:
            self.add_error("starts_at", _("Give when the period starts."))
        elif kind == LaytimeException.Kind.HOLIDAY:
            day = timezone.localtime(starts).date()
            start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(0)))
            cleaned["starts_at"] = start
            cleaned["ends_at"] = timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1),
                                                                               datetime.time(0)))
        elif ends is None:
            self.add_error("ends_at", _("Give when the period ends."))
        elif ends <= starts:
            self.add_error("ends_at", _("An excepted period ends after it starts."))
        return cleaned

    def exception(self) -> LaytimeException | None:
        data = self.cleaned_data
        if not data.get("kind"):
            return None
        return LaytimeException(kind=data["kind"], starts_at=data["starts_at"], ends_at=data["ends_at"],
                                note=data.get("note", "").strip())


ExceptedPeriodFormSet = forms.formset_factory(ExceptedPeriodForm, extra=3, max_num=40)


class ClaimForm(forms.Form):
    """The complaint a suggested claim is raised with, prefilled with the figures."""

    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=User.objects.none(),
                                      help_text=_("The customer service colleague who handles it."))
    received_at = BusinessDateTimeField(label=_("Received"), widget=DateTimeInput)
    channel = forms.ChoiceField(label=_("Received through"), choices=Complaint.Channel.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Complaint.Severity.choices,
                                 initial=Complaint.Severity.HIGH)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        assignee = cast(forms.ModelChoiceField, self.fields["assignee"])
        assignee.queryset = possible_assignees()
        assignee.empty_label = _("Choose a colleague")
        self.fields["received_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class VersionForm(forms.Form):
    """The version of the shipment the user confirmed the final value of."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class ClaimTieForm(forms.Form):
    """The figures a complaint recorded by hand claims on a shipment: the tonnes short, or the parameter
    and its result; and the amount, in the contract's currency."""

    parameter = forms.ModelChoiceField(label=_("Parameter"), queryset=SpecParameter.objects.none())
    measured = forms.DecimalField(label=_("Result"), max_digits=14, decimal_places=4)
    claimed_amount = forms.DecimalField(label=_("Claimed amount"), max_digits=16, decimal_places=2,
                                        min_value=Decimal("0.01"))

    def __init__(self, *args: Any, deal: Deal, quality: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if quality:
            parameter = cast(forms.ModelChoiceField, self.fields["parameter"])
            parameter.queryset = SpecParameter.objects.filter(specification=deal.specification_id)
            parameter.empty_label = _("Choose a parameter")
        else:
            del self.fields["parameter"]
            self.fields["measured"].label = _("Tonnes short")
            self.fields["measured"].validators.append(MinValueValidator(Decimal("0.001")))
        self.fields["claimed_amount"].label = _("Claimed amount (%(currency)s)") % {"currency": deal.currency}
