"""The form that asks for a quarter's scorecards to be recomputed."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from ..periods import previous_quarter, quarter_bounds, quarter_label, quarter_of

QUARTERS_OFFERED = 4  # the running quarter and the three before it


def quarter_choices(today: date) -> list[tuple[str, str]]:
    year, quarter = quarter_of(today)
    choices = []
    for _step in range(QUARTERS_OFFERED):
        start = quarter_bounds(year, quarter)[0]
        choices.append((start.isoformat(), quarter_label(year, quarter)))
        year, quarter = previous_quarter(year, quarter)
    return choices


class RecomputeForm(forms.Form):
    def __init__(self, data: Mapping[str, Any] | None = None, *, today: date) -> None:
        super().__init__(data)
        # The quarters offered depend on the day, so the field is made here.
        self.fields["period_start"] = forms.TypedChoiceField(
            label=gettext_lazy("Quarter"), coerce=date.fromisoformat, choices=quarter_choices(today))
