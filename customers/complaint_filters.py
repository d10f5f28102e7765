"""The complaint list's filters; the assignee choices narrowed to the user in __init__."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from .complaints import overdue_q
from .models import Complaint


class ComplaintFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search",
                                  widget=forms.TextInput(attrs={"placeholder": _("Customer or description")}))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Complaint.Status.choices, empty_label=_("All"))
    severity = django_filters.ChoiceFilter(label=_("Severity"), choices=Complaint.Severity.choices,
                                           empty_label=_("All"))
    category = django_filters.ChoiceFilter(label=_("Category"), choices=Complaint.Category.choices,
                                           empty_label=_("All"))
    assignee = django_filters.ModelChoiceFilter(label=_("Assignee"), queryset=User.objects.none(),
                                                empty_label=_("All"))
    overdue = django_filters.BooleanFilter(label=_("Overdue only"), method="only_overdue",
                                           widget=forms.CheckboxInput)

    class Meta:
        model = Complaint
        fields = ("q", "status", "severity", "category", "assignee", "overdue")

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, queryset=queryset, **kwargs)
        # Only the people handling complaints the user can see.
        self.filters["assignee"].queryset = User.objects.filter(pk__in=queryset.values("assignee"))

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(customer__name__icontains=value) | Q(customer__short_name__icontains=value)
            | Q(description__icontains=value)
        )

    def only_overdue(self, queryset, name, value):
        return queryset.filter(overdue_q(timezone.now())) if value else queryset
