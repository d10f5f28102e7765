"""The statement list's filters, their choices narrowed to what the user may see."""

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.models import Team, User

from ..periods import quarter_label
from .models import IncentivePlan, Statement


def quarter_key(year: int, quarter: int) -> str:
    return f"{year}-Q{quarter}"


class StatementFilter(django_filters.FilterSet):
    quarter = django_filters.ChoiceFilter(label=_("Quarter"), choices=(), method="in_quarter", empty_label=_("All"))
    person = django_filters.ModelChoiceFilter(label=_("Person"), queryset=User.objects.none(), empty_label=_("All"))
    team = django_filters.ModelChoiceFilter(label=_("Team"), field_name="person__team", queryset=Team.objects.none(),
                                            empty_label=_("All"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Statement.Status.choices, empty_label=_("All"))

    class Meta:
        model = Statement
        fields: list[str] = []

    def __init__(self, *args: Any, queryset: QuerySet[Statement], user: User, **kwargs: Any) -> None:
        super().__init__(*args, queryset=queryset, **kwargs)
        quarters = (IncentivePlan.objects.filter(pk__in=queryset.values("plan")).order_by("-year", "-quarter")
                    .values_list("year", "quarter").distinct())
        self.filters["quarter"].extra["choices"] = [(quarter_key(year, quarter), quarter_label(year, quarter))
                                                    for year, quarter in quarters]
        if access.can_open_team_pages(user):
            self.filters["person"].queryset = User.objects.filter(pk__in=queryset.values("person")).order_by(
                "full_name")
            self.filters["team"].queryset = access.teams_visible_to(user).order_by("name")
        else:
            # A seller sees only their own statements: no one else to choose.
            del self.filters["person"], self.filters["team"]

    def in_quarter(self, queryset: QuerySet[Statement], name: str, value: str) -> QuerySet[Statement]:
        year, _sep, quarter = value.partition("-Q")
        return queryset.filter(plan__year=int(year), plan__quarter=int(quarter))
