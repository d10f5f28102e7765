"""Forms of the letter of credit pages: an L/C's terms, an amendment, a presentation with its
discrepancies, a discrepancy's resolution, and the bank's acceptance and payment. Rules live in
services.py; these only check what a form can see on its own."""

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.bounds import BusinessDateField
from accounts.widgets import DateInput
from pipeline.execution.models import Shipment

from .models import Discrepancy, Document, LetterOfCredit
from .services import AMENDABLE

DATE_FIELDS = ("issued_on", "received_on", "latest_shipment_date", "expiry_date")
TERMS = ["number", "issuing_bank", "issuing_bank_bic", "advising_bank", "advising_bank_bic", "confirmed",
         "confirming_bank", "confirming_bank_bic", "amount", "currency", "tolerance_percent", "kind", "usance_days",
         "issued_on", "received_on", "latest_shipment_date", "expiry_date", "expiry_place", "presentation_days",
         "partial_shipments_allowed", "documents"]


def _documents_field(label: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(label=label, choices=Document.choices, required=False,
                                     widget=forms.CheckboxSelectMultiple)


class LetterOfCreditForm(forms.ModelForm):
    """An L/C's terms: recorded as expected with its number blank, received once the number is given."""

    documents = _documents_field(_("Documents required"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = LetterOfCredit
        fields = TERMS
        field_classes = {name: BusinessDateField for name in DATE_FIELDS}
        widgets = {name: DateInput for name in DATE_FIELDS}
        help_texts = {"number": _("Leave blank while the L/C is expected; give it when the L/C is received.")}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        letter = cast(LetterOfCredit, self.instance)
        if letter.pk:
            self.fields["version"].initial = letter.version
        else:
            del self.fields["version"]
        self.fields["received_on"].help_text = _("The day the advising bank passed it on; today if blank.")
        self.fields["currency"].widget.attrs.update({"maxlength": 3, "style": "text-transform: uppercase"})

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The fields under their headings, for the template."""
        return [(str(title), [self[name] for name in names if name in self.fields]) for title, names in (
            (_("The L/C"), ("number", "issued_on", "received_on")),
            (_("Banks"), ("issuing_bank", "issuing_bank_bic", "advising_bank", "advising_bank_bic", "confirmed",
                          "confirming_bank", "confirming_bank_bic")),
            (_("Amount"), ("amount", "currency", "tolerance_percent", "kind", "usance_days")),
            (_("Dates"), ("latest_shipment_date", "expiry_date", "expiry_place", "presentation_days",
                          "partial_shipments_allowed")),
            (_("Documents"), ("documents",)),
        )]


class AmendmentForm(forms.ModelForm):
    """The L/C's amendable terms as they stand, to change as the bank's amendment says."""

    documents = _documents_field(_("Documents required"))
    bank_issued_on = BusinessDateField(label=_("Amendment issued by the bank on"), widget=DateInput)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = LetterOfCredit
        fields = AMENDABLE
        field_classes = {name: BusinessDateField for name in DATE_FIELDS if name in AMENDABLE}
        widgets = {name: DateInput for name in DATE_FIELDS if name in AMENDABLE}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = cast(LetterOfCredit, self.instance).version
        self.fields["latest_shipment_date"].required = True
        self.fields["expiry_date"].required = True

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()

    def terms(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in AMENDABLE}


class PresentationForm(forms.Form):
    """The documents of one loaded shipment presented to the bank, and the discrepancies it found."""

    shipment = forms.ModelChoiceField(label=_("Shipment"), queryset=Shipment.objects.none())
    presented_on = BusinessDateField(label=_("Presented on"), widget=DateInput)
    documents = _documents_field(_("Documents presented"))
    discrepancies = forms.CharField(label=_("Discrepancies the bank found"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 3}),
                                    help_text=_("One a line; leave blank when the documents comply."))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, letter: LetterOfCredit, shipments: list[Shipment], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["shipment"])
        field.queryset = Shipment.objects.filter(pk__in=[shipment.pk for shipment in shipments])
        field.label_from_instance = lambda shipment: " · ".join(  # type: ignore[method-assign,assignment]
            part for part in (f"#{shipment.number}", shipment.vessel_name,
                              _("B/L %(date)s") % {"date": shipment.bl_date}) if part)
        if len(shipments) == 1:
            field.initial = shipments[0].pk
        self.fields["documents"].initial = letter.documents
        self.fields["presented_on"].initial = timezone.localdate()
        self.fields["version"].initial = letter.version

    def discrepancy_lines(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["discrepancies"].splitlines() if line.strip()]


class DiscrepancyForm(forms.Form):
    description = forms.CharField(label=_("Discrepancy"), max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput)


class ResolutionForm(forms.Form):
    resolution = forms.ChoiceField(label=_("Resolved by"), choices=Discrepancy.Resolution.choices)
    resolved_on = BusinessDateField(label=_("Resolved on"), widget=DateInput)
    version = forms.IntegerField(widget=forms.HiddenInput)


class BankDateForm(forms.Form):
    """The day the bank accepted the documents, or paid."""

    day = BusinessDateField(label=_("Date"), widget=DateInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
