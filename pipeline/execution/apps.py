from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExecutionConfig(AppConfig):
    """The life of a signed contract: shipments, assays, laytime and the claims tied to the cargo."""

    name = "pipeline.execution"
    label = "execution"
    verbose_name = _("Contract execution")

    def ready(self) -> None:
        # Its parts of the deal, board, calendar, complaint and customer pages, and its reminders:
        # pipeline and customers do not import execution.
        from customers.panels import SERVICE, register_complaint_panel, register_panel
        from pipeline.deal_panels import register_deal_badge, register_deal_panel
        from pipeline.laycan_sources import register_laycan_source
        from pipeline.reminders import register_causes
        from pipeline.services import amendment_guards, cancel_guards, signing_guards
        from pipeline.tally import TALLIES

        from .contract_copies import CONTRACT_COPIES
        from .panels import (
            complaint_cargo_panel,
            contract_state_badge,
            customer_claims_panel,
            deal_execution_panel,
            shipment_laycans,
        )
        from .reminders import execution_causes
        from .services import (
            loaded_cargo_holds_the_cancel,
            recorded_shipments_hold_the_amendment,
            shipments_hold_the_signing,
        )

        register_deal_panel(deal_execution_panel)
        register_deal_badge(contract_state_badge)
        register_laycan_source(shipment_laycans)
        register_complaint_panel(complaint_cargo_panel)
        register_panel(customer_claims_panel, SERVICE)
        register_causes(execution_causes)
        signing_guards.register(shipments_hold_the_signing)
        cancel_guards.register(loaded_cargo_holds_the_cancel)
        amendment_guards.register(recorded_shipments_hold_the_amendment)
        if CONTRACT_COPIES not in TALLIES:  # the operator's check (manage.py pipeline_tally)
            TALLIES.append(CONTRACT_COPIES)
