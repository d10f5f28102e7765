"""The coaching list's filters: the rep, the kind, open actions and a date range."""

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.filters import FROM_DAY, TO_DAY, BusinessDateFilter
from accounts.models import SELLING_POSITIONS, User
from accounts.widgets import DateInput

from . import selectors
from .models import CoachingNote


class CoachingNoteFilter(django_filters.FilterSet):
    rep = django_filters.ModelChoiceFilter(label=_("Rep"), queryset=User.objects.none(), empty_label=_("All"))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=CoachingNote.Kind.choices, empty_label=_("All"))
    open_actions = django_filters.ChoiceFilter(
        label=_("Actions"), choices=[("1", _("With open actions")), ("0", _("All actions done"))],
        empty_label=_("All"), method="by_open_actions")
    held_after = BusinessDateFilter(label=FROM_DAY, field_name="held_on", lookup_expr="gte", widget=DateInput)
    held_before = BusinessDateFilter(label=TO_DAY, field_name="held_on", lookup_expr="lte", widget=DateInput)

    class Meta:
        model = CoachingNote
        fields = ["rep", "kind", "open_actions", "held_after", "held_before"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["rep"].queryset = access.users_visible_to(user).filter(
            position__in=SELLING_POSITIONS).order_by("full_name")

    def by_open_actions(self, queryset: QuerySet[CoachingNote], name: str, value: str) -> QuerySet[CoachingNote]:
        return selectors.has_open_actions(queryset, value == "1")
