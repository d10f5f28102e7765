"""Forms of departments and teams; a team's members come from the active sellers."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import SCORED_POSITIONS, Department, Position, Team, User
from .fields import ModelMultipleChoiceField


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
            position__in=SCORED_POSITIONS
        ).select_related("team")
        self.fields["members"].label_from_instance = _member_label
        if self.instance.pk:
            self.fields["members"].initial = list(self.instance.members.values_list("pk", flat=True))


def _member_label(user: User) -> str:
    if user.team_id:
        return f"{user} · {user.get_position_display()} · {user.team}"
    return f"{user} · {user.get_position_display()}"
