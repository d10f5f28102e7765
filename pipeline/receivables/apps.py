from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceivablesConfig(AppConfig):
    """Getting paid: invoices, credit and debit notes, payments received."""

    name = "pipeline.receivables"
    label = "receivables"
    verbose_name = _("Receivables")

    def ready(self) -> None:
        # Its reminders: pipeline does not import receivables.
        from pipeline.reminders import register_causes

        from .reminders import invoices_overdue

        register_causes(invoices_overdue)
