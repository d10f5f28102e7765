"""The customer list's "Overdue balance" column (registered with customers.list_columns in this app's ready()):
each customer's balance owed past due, in the base currency, sortable, with an "overdue only" filter."""

from django.conf import settings
from django.db.models import Q
from django.utils.safestring import SafeString
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.pages import fill
from accounts.templatetags.numbers import floatformat
from customers.list_columns import ListColumn
from customers.models import Customer

from .selectors import with_overdue_balance


def overdue_cell(customer: Customer) -> SafeString:
    """The balance owed past due, in the base currency the header names; built here, not by a template: the list
    shows one in every row."""
    overdue = customer.overdue_base  # type: ignore[attr-defined]
    shown = fill('<span class="text-danger fw-semibold">{}</span>', floatformat(overdue, "0g")) \
        if overdue > 0 else "—"
    return fill('<span class="text-nowrap">{}</span>', shown)


# Money of the contracts: for who sells (customer service and marketing see no deal terms).
OVERDUE_COLUMN = ListColumn(
    key="overdue_base", header=format_lazy("{} ({})", _("Overdue balance"), settings.BASE_CURRENCY),
    annotate=with_overdue_balance, cell=overdue_cell,
    visible_to=access.can_sell, numeric=True, sortable=True, sort_label=_("Overdue balance"),
    filter_label=_("Overdue balance only"), filter_q=Q(overdue_base__gt=0))
