"""Forms of the organisation pages. Choices always come from the access policy, never .all()."""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm, UserCreationForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template import loader
from django.utils.translation import gettext_lazy as _

from . import access, security
from .models import Attendance, Department, Position, Team, Training, User
from .tasks import send_account_email


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's, refusing ids no database integer can hold before they reach the query: SQLite
    raises OverflowError on them in an __in lookup (exact lookups are guarded, __in is not)."""

    def _check_values(self, value):
        for pk in value or ():
            try:
                number = int(pk)
            except (TypeError, ValueError):
                continue  # Django's own check explains a value that is not a number
            if not -(2**63) <= number < 2**63:
                raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                      params={"pk": pk})
        return super()._check_values(value)


class QueuedPasswordResetForm(PasswordResetForm):
    """Renders the reset email in the requester's language; the worker delivers it. Requests beyond the
    throttle (per address and per client) send nothing, behind the same "email sent" page."""

    def save(self, *args, request=None, **kwargs):
        if request is not None and not security.password_reset_allowed(request, self.cleaned_data["email"]):
            return
        super().save(*args, request=request, **kwargs)

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        transaction.on_commit(lambda: send_account_email.delay(subject=subject, body=body, to=to_email))


class _PersonFields(forms.ModelForm):
    """What a director sets about a person; the team and position rules are checked here."""

    class Meta:
        model = User
        fields = ["full_name", "username", "email", "phone", "position", "department", "team"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["full_name"].required = True
        self.fields["department"].required = True
        self.fields["department"].queryset = Department.objects.all()
        self.fields["team"].queryset = Team.objects.select_related("department")

    def clean(self):
        cleaned = super().clean()
        position = cleaned.get("position")
        if (
            self.instance.pk
            and position not in (Position.MANAGER, Position.DIRECTOR)
            and self.instance.managed_teams.exists()
        ):
            self.add_error("position", _("This person manages a team: hand the team over before changing position."))
        return cleaned


class UserCreateForm(_PersonFields, UserCreationForm):
    class Meta(_PersonFields.Meta):
        pass


class UserChangeForm(_PersonFields):
    pass


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "email", "phone", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].required = True
        self.fields["email"].required = True
        self.fields["language"].choices = [("", _("As the browser asks")), *settings.LANGUAGES]


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ["name", "name_zh"]


class TeamForm(forms.ModelForm):
    members = ModelMultipleChoiceField(
        label=_("Members"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A person is in one team at most: choosing someone from another team moves them here."),
    )

    class Meta:
        model = Team
        fields = ["name", "name_zh", "department", "manager"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        active = User.objects.filter(is_active=True)
        self.fields["manager"].queryset = active.filter(position__in=[Position.MANAGER, Position.DIRECTOR])
        self.fields["members"].queryset = active.filter(
            position__in=[Position.REP, Position.ACCOUNT_MANAGER]
        ).select_related("team")
        self.fields["members"].label_from_instance = _member_label
        if self.instance.pk:
            self.fields["members"].initial = list(self.instance.members.values_list("pk", flat=True))


def _member_label(user: User) -> str:
    if user.team_id:
        return f"{user} · {user.get_position_display()} · {user.team}"
    return f"{user} · {user.get_position_display()}"


class HandOverForm(forms.Form):
    to_user = forms.ModelChoiceField(label=_("Hand over to"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=300)
    deactivate = forms.BooleanField(
        label=_("Deactivate the leaving user afterwards"), required=False, initial=True
    )

    def __init__(self, *args, from_user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = User.objects.filter(is_active=True).exclude(pk=from_user.pk)
        self.fields["to_user"].empty_label = _("Choose a colleague")


class TrainingForm(forms.ModelForm):
    attendees = ModelMultipleChoiceField(
        label=_("Attendees"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Training
        fields = ["title", "kind", "starts_on", "ends_on", "trainer", "description"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, planner: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = access.trainees_for(planner)
        if self.instance.pk:
            self.fields["attendees"].initial = list(
                self.instance.attendances.filter(attendee__in=access.trainees_for(planner)).values_list(
                    "attendee_id", flat=True
                )
            )

    def clean(self):
        cleaned = super().clean()
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
    def clean(self):
        super().clean()
        # A row posted for an attendee outside the given queryset has no instance: refuse it.
        if any(form.instance.pk is None for form in self.initial_forms):
            raise forms.ValidationError(_("The list of attendees changed while you were editing it. Reload the page."))


AttendanceFormSet = forms.modelformset_factory(
    Attendance, form=AttendanceForm, formset=_ScopedAttendanceFormSet, extra=0
)
