"""Forms about people: a person as the director sets them, one's own profile, and a hand-over."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from .. import access
from ..models import Position, User
from .fields import field_of


class _PersonFields(forms.ModelForm):
    """What a director sets about a person; the team and position rules are checked here."""

    class Meta:
        model = User
        fields = ["full_name", "username", "email", "phone", "position", "department", "team"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["full_name"].required = True
        self.fields["department"].required = True
        field_of(self, "department", forms.ModelChoiceField).queryset = access.departments_visible_to(user)
        field_of(self, "team", forms.ModelChoiceField).queryset = access.teams_visible_to(user).select_related(
            "department")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
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
        fields = ["full_name", "email", "phone", "language", "email_on_assignment"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["full_name"].required = True
        self.fields["email"].required = True
        field_of(self, "language", forms.ChoiceField).choices = [("", _("As the browser asks")), *settings.LANGUAGES]


class HandOverForm(forms.Form):
    to_user = forms.ModelChoiceField(label=_("Hand over to"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=300)
    deactivate = forms.BooleanField(
        label=_("Deactivate the leaving user afterwards"), required=False, initial=True
    )

    def __init__(self, *args: Any, from_user: User, by: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        to_user = field_of(self, "to_user", forms.ModelChoiceField)
        to_user.queryset = access.users_visible_to(by).filter(is_active=True).exclude(pk=from_user.pk)
        to_user.empty_label = _("Choose a colleague")
