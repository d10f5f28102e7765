from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceivablesConfig(AppConfig):
    """Getting paid: invoices, credit and debit notes, payments received."""

    name = "pipeline.receivables"
    label = "receivables"
    verbose_name = _("Receivables")

    def ready(self) -> None:
        # Its reminders and the customer list's column: pipeline and customers do not import receivables.
        from customers.list_columns import register_list_column
        from pipeline.reminders import register_causes

        from .customer_column import OVERDUE_COLUMN
        from .reminders import invoices_overdue

        register_causes(invoices_overdue)
        register_list_column(OVERDUE_COLUMN)
