"""Forms of departments and teams; a team's members come from the active sellers."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .. import access
from ..choices import display
from ..models import SCORED_POSITIONS, Department, Position, Team, User
from .fields import ModelMultipleChoiceField, field_of


class TeamMembersField(ModelMultipleChoiceField):
    """Each person with their position and, if they have one, their present team."""

    def label_from_instance(self, obj: User) -> str:
        if obj.team_id:
            return f"{obj} · {display(obj, 'position')} · {obj.team}"
        return f"{obj} · {display(obj, 'position')}"


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ["name", "name_zh"]


class TeamForm(forms.ModelForm):
    members = TeamMembersField(
        label=_("Members"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A person is in one team at most: choosing someone from another team moves them here."),
    )

    class Meta:
        model = Team
        fields = ["name", "name_zh", "department", "manager"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        active = access.users_visible_to(user).filter(is_active=True)
        field_of(self, "department", forms.ModelChoiceField).queryset = access.departments_visible_to(user)
        field_of(self, "manager", forms.ModelChoiceField).queryset = active.filter(
            position__in=[Position.MANAGER, Position.DIRECTOR])
        field_of(self, "members", TeamMembersField).queryset = active.filter(
            position__in=SCORED_POSITIONS
        ).select_related("team")
        if self.instance.pk:
            self.fields["members"].initial = list(self.instance.members.values_list("pk", flat=True))
