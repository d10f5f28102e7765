"""The coaching note form (the coach's) with its agreed actions, and the rep's acknowledgement."""

from datetime import date
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from accounts import access
from accounts.bounds import BusinessDateField
from accounts.forms.fields import field_of
from accounts.models import User
from accounts.sql import more_than
from accounts.widgets import DateInput
from customers.selectors import customers_visible_to
from pipeline.models import Deal, Outcome
from pipeline.selectors import deals_visible_to

from .models import CoachingAction, CoachingNote


class _DealField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Deal) -> str:
        return f"{obj.commodity} · {obj.quantity_tonnes:,.0f} {pgettext('unit', 't')} · {obj.customer} · {obj.owner}"


# Past this many open deals among a coach's people, a new note asks whom it is for first, and offers only that
# rep's deals and customers.
LISTED_DEALS = 200


def few_enough_to_list(coach: User) -> bool:
    """Whether the coachees' open deals fit the note's drop-down: one query that stops counting past the limit."""
    coachees = access.coachees_for(coach)
    open_deals = deals_visible_to(coach).filter(outcome=Outcome.OPEN, owner__in=coachees.values("pk"))
    return not more_than(open_deals, LISTED_DEALS)


class CoachingNoteForm(forms.ModelForm):
    held_on = BusinessDateField(label=_("Date"), widget=DateInput)
    deal = _DealField(label=_("Deal"), queryset=Deal.objects.none(), required=False, empty_label=_("No deal"))

    class Meta:
        model = CoachingNote
        fields = ["rep", "kind", "held_on", "deal", "customer", "went_well", "to_improve"]
        widgets = {"went_well": forms.Textarea(attrs={"rows": 3}), "to_improve": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, coach: User, rep: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        coachees = access.coachees_for(coach)
        rep_field = field_of(self, "rep", forms.ModelChoiceField)
        rep_field.queryset, rep_field.empty_label = coachees.order_by("full_name"), _("Choose a rep")
        # Only the coachees' records, and only those the coach may see; of deals, the open ones (a review
        # prepares a deal still to win) and the note's own. With the rep known (picked first, or the note's),
        # only theirs: a director's coachees hold 68,000 open deals at the large size.
        owners = coachees.values("pk")
        if rep is not None:
            owners = coachees.filter(pk=rep.pk).values("pk")
            if self.instance.pk is None:
                rep_field.queryset, rep_field.initial = coachees.filter(pk=rep.pk), rep.pk
        open_or_own = Q(outcome=Outcome.OPEN) | Q(pk=self.instance.deal_id or 0)
        field_of(self, "deal", forms.ModelChoiceField).queryset = (
            deals_visible_to(coach).filter(open_or_own, owner__in=owners)
            .select_related("commodity", "customer", "owner").order_by("-pk"))
        field_of(self, "customer", forms.ModelChoiceField).queryset = (
            customers_visible_to(coach).filter(owner__in=owners).order_by("name"))
        field_of(self, "customer", forms.ModelChoiceField).empty_label = _("No customer")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if not (cleaned.get("went_well") or "").strip() and not (cleaned.get("to_improve") or "").strip():
            raise forms.ValidationError(_("Write what went well or what to improve (or both)."))
        deal, rep = cleaned.get("deal"), cleaned.get("rep")
        if deal is not None and rep is not None and deal.owner_id != rep.pk:
            self.add_error("deal", _("Choose one of the rep's own deals."))
        return cleaned


class CoachingActionForm(forms.ModelForm):
    due_on = BusinessDateField(label=_("Due on"), widget=DateInput)

    class Meta:
        model = CoachingAction
        fields = ["text", "due_on"]
        labels = {"text": _("Agreed action")}


class _ActionFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        held_on = self.instance.held_on
        if not isinstance(held_on, date):
            return  # the note's own date is wrong: its form says so
        for form in self.forms:
            due = form.cleaned_data.get("due_on") if form.cleaned_data else None
            if due and not form.cleaned_data.get("DELETE") and due < held_on:
                form.add_error("due_on", _("An action cannot be due before the day of the coaching."))


ActionFormSet = forms.inlineformset_factory(
    CoachingNote, CoachingAction, form=CoachingActionForm, formset=_ActionFormSet,
    extra=2, can_delete=True, max_num=20, validate_max=True,
)


class AcknowledgeForm(forms.Form):
    comment = forms.CharField(label=_("Your comment (optional)"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))
