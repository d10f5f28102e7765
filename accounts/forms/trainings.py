"""Forms of training plans: a training and its attendees, and their attendance and scores."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .. import access
from ..models import Attendance, Training, User
from ..widgets import DateInput
from .fields import ModelMultipleChoiceField, field_of


class TrainingForm(forms.ModelForm):
    attendees = ModelMultipleChoiceField(
        label=_("Attendees"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Training
        fields = ["title", "kind", "starts_on", "ends_on", "trainer", "description"]
        widgets = {
            "starts_on": DateInput,
            "ends_on": DateInput,
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, planner: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "attendees", ModelMultipleChoiceField).queryset = access.trainees_for(planner)
        if self.instance.pk:
            self.fields["attendees"].initial = list(
                self.instance.attendances.filter(attendee__in=access.trainees_for(planner)).values_list(
                    "attendee_id", flat=True
                )
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The training cannot end before it starts."))
        return cleaned


class AttendanceForm(forms.ModelForm):
    attended = forms.NullBooleanField(
        label=_("Attended"),
        required=False,
        widget=forms.NullBooleanSelect,
    )
    score = forms.IntegerField(label=_("Score"), min_value=0, max_value=100, required=False)

    class Meta:
        model = Attendance
        fields = ["attended", "score", "comment"]


class _ScopedAttendanceFormSet(forms.BaseModelFormSet):
    def clean(self) -> None:
        super().clean()
        # A row posted for an attendee outside the given queryset has no instance: refuse it.
        if any(form.instance.pk is None for form in self.initial_forms):
            raise forms.ValidationError(_("The list of attendees changed while you were editing it. Reload the page."))


AttendanceFormSet = forms.modelformset_factory(
    Attendance, form=AttendanceForm, formset=_ScopedAttendanceFormSet, extra=0
)
