from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceivablesConfig(AppConfig):
    """Getting paid: invoices, credit and debit notes, payments received."""

    name = "pipeline.receivables"
    label = "receivables"
    verbose_name = _("Receivables")

    def ready(self) -> None:
        # Its parts of the deal, customer and complaint pages, its reminders and the customer list's column:
        # pipeline and customers do not import receivables.
        from customers.list_columns import register_list_column
        from customers.panels import Section, register_complaint_panel, register_panel, register_section
        from pipeline.deal_panels import register_deal_panel
        from pipeline.reminders import register_causes
        from pipeline.selectors import can_sell
        from pipeline.services import cancel_guards
        from pipeline.tally import TALLIES

        from .customer_column import OVERDUE_COLUMN
        from .panels import (
            complaint_credit_panel,
            customer_overdue_flag,
            customer_receivables_panel,
            deal_receivables_panel,
        )
        from .reminders import invoices_overdue
        from .services import invoices_hold_the_cancel
        from .tally import OWED_TALLY

        register_deal_panel(deal_receivables_panel)
        # The customer page's tab of what the customer owes, for who sees the money of its contracts.
        register_section(Section("receivables", _("Invoices and payments"), may_open=can_sell,
                                 flag=customer_overdue_flag))
        register_panel(customer_receivables_panel, "receivables")
        register_complaint_panel(complaint_credit_panel)
        register_causes(invoices_overdue)
        register_list_column(OVERDUE_COLUMN)
        cancel_guards.register(invoices_hold_the_cancel)
        if OWED_TALLY not in TALLIES:  # the operator's check of the tallies (manage.py pipeline_tally)
            TALLIES.append(OWED_TALLY)
