"""Forms of the deal pages; every choice narrowed to what the user may see."""

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.bounds import BusinessDateField
from accounts.forms.fields import ModelMultipleChoiceField, field_of
from accounts.models import User
from accounts.services import RuleError
from accounts.widgets import DateInput
from customers import selectors as customer_selectors
from customers.models import Customer

from .. import selectors
from ..models import (
    CONTRACT_TERMS,
    EXECUTION_TERMS,
    STAGE_ORDER,
    Deal,
    ExchangeRate,
    LostReason,
    MarketResearch,
    Outcome,
    Specification,
    Stage,
)
from ..selectors import rate_for

TERMS = CONTRACT_TERMS


def currency_choices() -> list[tuple[str, str]]:
    currencies = sorted(set(ExchangeRate.objects.values_list("currency", flat=True)) | {settings.BASE_CURRENCY})
    return [(code, code) for code in currencies]


class SpecificationSelect(forms.Select):
    """The grades grouped by commodity; each option names its commodity, for static/js/grades.js to
    offer only the chosen commodity's grades."""

    commodity_of: dict[str, int] = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        commodity = self.commodity_of.get(str(value))
        if commodity:
            option["attrs"]["data-commodity"] = str(commodity)
        return option


def grade_choices(field: forms.ModelChoiceField, current: int | None) -> None:
    """Offer the grades on offer (and the deal's own, even if no longer offered), grouped by commodity."""
    grades = Specification.objects.filter(Q(active=True) | Q(pk=current)).select_related("commodity")
    field.queryset = grades
    groups: dict[int, tuple[str, list[tuple[int, str]]]] = {}
    for grade in grades:
        groups.setdefault(grade.commodity_id, (str(grade.commodity), []))[1].append((grade.pk, str(grade)))
    field.choices = [("", "---------"), *groups.values()]
    field.widget = SpecificationSelect(choices=field.choices)
    field.widget.commodity_of = {str(grade.pk): grade.commodity_id for grade in grades}


class _TermsForm(forms.ModelForm):
    """The bulk-cargo terms, validated as a trader would."""

    currency = forms.ChoiceField(label=_("Currency"), choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currencies = currency_choices()
        field_of(self, "currency", forms.ChoiceField).choices = self.currencies
        if isinstance(grade := self.fields.get("specification"), forms.ModelChoiceField):
            grade_choices(grade, self.instance.specification_id)
            grade.label = _("Grade")
            grade.help_text = _("The commodity's grade, with its quality specification.")
            self.fields["grade"].help_text = _("Only for a grade not on the list: the deal is then flagged.")
        for name in ("laycan_start", "laycan_end", "expected_signing_date"):
            if name in self.fields:
                self.fields[name].widget = DateInput()
        # The execution terms have the usual defaults; a form that leaves one out keeps its default.
        for name in EXECUTION_TERMS:
            if name in self.fields:
                self.fields[name].required = False

    # The terms, the execution terms under their own heading, then the rest (signing, reason), for a page
    # that lays the form out in these three parts.
    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name in TERMS and name not in EXECUTION_TERMS]

    def execution_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name in EXECUTION_TERMS]

    def other_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in TERMS]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        commodity, grade = cleaned.get("commodity"), cleaned.get("specification")
        if commodity and grade and grade.commodity_id != commodity.pk:
            self.add_error("specification", _("This grade is not a grade of %(commodity)s.") % {"commodity": commodity})
        if grade and cleaned.get("grade"):
            self.add_error("grade", _("A grade is chosen from the list: leave this empty, or choose no grade above."))
        start, end = cleaned.get("laycan_start"), cleaned.get("laycan_end")
        if start and end and end < start:
            self.add_error("laycan_end", _("The laycan cannot end before it starts."))
        currency = cleaned.get("currency")
        if currency:
            try:
                rate_for(currency)
            except RuleError as error:
                self.add_error("currency", str(error))
        return cleaned


class DealForm(_TermsForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    research = ModelMultipleChoiceField(label=_("Market research"), queryset=MarketResearch.objects.none(),
                                        required=False, widget=forms.SelectMultiple(attrs={"size": 4}))

    class Meta:
        model = Deal
        fields = ["customer", "owner", *TERMS, "expected_signing_date", "competitor", "research", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, user: User, customer: Customer | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        customers = customer_selectors.customers_visible_to(user).filter(owner__in=selectors.possible_owners(user))
        if customer is not None:  # picked first (customers.picking): that customer only
            customers = customers.filter(pk=customer.pk)
            self.initial["customer"] = customer.pk  # over the instance's own, on an edit
        field_of(self, "customer", forms.ModelChoiceField).queryset = customers
        field_of(self, "owner", forms.ModelChoiceField).queryset = selectors.possible_owners(user)
        research = field_of(self, "research", ModelMultipleChoiceField)
        research.queryset = selectors.research_to_offer(user, self.instance).select_related("commodity")
        research.help_text = _("The latest %(count)s pieces of market research you see (a deal keeps those it "
                               "names, however old).") % {"count": selectors.LISTED_RESEARCH}
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            # The owner changes only by a recorded transfer.
            del self.fields["owner"]
            if self.instance.outcome == Outcome.WON:
                # Signed: the terms are the contract's, changed only by an approved amendment.
                for name in TERMS:
                    self.fields[name].disabled = True
        else:
            # form.initial holds the unsaved instance's empty values, which would win over a field's initial.
            self.initial["owner"] = user.pk
            if ("USD", "USD") in self.currencies:
                self.initial.setdefault("currency", "USD")


class _ContractTermsForm(_TermsForm):
    """The terms of one deal, over the version the user read (signing, amending)."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Deal
        fields = TERMS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version


class SignForm(_ContractTermsForm):
    """Signing: the final terms, the contract number and the signing date."""

    contract_number = forms.CharField(label=_("Contract number"), max_length=60)
    signed_on = BusinessDateField(label=_("Signing date"), widget=DateInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["signed_on"].initial = timezone.localdate()

    def clean_signed_on(self) -> date:
        signed_on = self.cleaned_data["signed_on"]
        if signed_on > timezone.localdate():
            raise ValidationError(_("The signing date cannot be in the future."))
        return signed_on

    def clean_contract_number(self) -> str:
        number = self.cleaned_data["contract_number"].strip()
        if Deal.objects.filter(contract_number=number).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("Another deal already has this contract number."))
        return number


class MoveForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("Move to"), choices=())
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False,
                             help_text=_("Required when the deal moves back."))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, deal: Deal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "to_stage", forms.ChoiceField).choices = [(stage.value, stage.label) for stage in STAGE_ORDER
                                           if stage not in (deal.stage, Stage.FOLLOW_UP)]
        self.fields["version"].initial = deal.version


class LoseForm(forms.Form):
    lost_reason = forms.ModelChoiceField(label=_("Reason for losing"), queryset=LostReason.objects.all())
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Why reopen it"), max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput)


class AmendmentForm(_ContractTermsForm):
    """New terms for a signed contract, and why; the fields start at the terms in force."""

    reason = forms.CharField(label=_("Reason for the amendment"), max_length=300,
                             widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class TransferForm(forms.Form):
    to_user = forms.ModelChoiceField(label=_("Transfer to"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, user: User, owner: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "to_user", forms.ModelChoiceField).queryset = (
            access.transfer_candidates(user).exclude(pk=owner.pk).order_by("full_name"))


class CustomerTransferForm(TransferForm):
    with_open_deals = forms.BooleanField(label=_("Transfer its open deals too"), required=False, initial=True,
                                         help_text=_("Signed and lost deals stay with their owners."))


class SplitForm(forms.Form):
    """A deal's second seller and their share of the credit; no second seller clears the split."""

    co_seller = forms.ModelChoiceField(
        label=_("Second seller"), queryset=User.objects.none(), required=False,
        help_text=_("Leave empty to credit the whole sale to one person."),
        error_messages={"invalid_choice": _("Choose an active seller you manage, other than the person the deal "
                                            "is credited to.")})
    share = forms.DecimalField(label=_("Second seller's share (%)"), max_digits=5, decimal_places=2, required=False,
                               help_text=_("More than 0 and less than 100; the credited person keeps the rest."))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: User, deal: Deal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "co_seller", forms.ModelChoiceField).queryset = (
            access.co_seller_candidates(user, deal).order_by("full_name"))
        self.fields["version"].initial = deal.version
        self.fields["co_seller"].initial = deal.co_seller_id
        self.fields["share"].initial = deal.co_seller_share if deal.co_seller_id else None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        share = cleaned.get("share")
        if cleaned.get("co_seller") is None:
            cleaned["share"] = Decimal(0)
        elif share is None:
            self.add_error("share", _("Give the second seller's share."))
        elif not Decimal(0) < share < Decimal(100):
            self.add_error("share", _("The share is more than 0 and less than 100 %."))
        return cleaned


class CancelForm(forms.Form):
    """Cancelling a signed contract: why, and a confirmation."""

    reason = forms.ModelChoiceField(label=_("Reason"), queryset=LostReason.objects.all())
    note = forms.CharField(label=_("Why the contract is cancelled"), max_length=300,
                           widget=forms.Textarea(attrs={"rows": 2}))
    confirm = forms.BooleanField(label=_("Yes, cancel this signed contract"),
                                 error_messages={"required": _("Tick the box to confirm the cancellation.")})
    version = forms.IntegerField(widget=forms.HiddenInput)
