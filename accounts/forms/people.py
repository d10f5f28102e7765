"""Forms about people: a person as the director sets them, one's own profile, and a hand-over."""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from ..models import Department, Position, Team, User


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
