from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PipelineConfig(AppConfig):
    name = "pipeline"
    verbose_name = _("Pipeline")

    def ready(self) -> None:
        from accounts import handover
        from accounts.models import SELLING_POSITIONS
        from customers.complaints import register_assigned_hook
        from customers.panels import register_panel
        from customers.tiers import register_sales_source

        from .bell import counted
        from .models import Activity, Deal, Reminder
        from .notifications import complaint_assigned
        from .panels import customer_activities_panel, customer_transfers_panel
        from .reminders import open_next_steps_of, open_reminders_to_move
        from .tiers_source import signed_sales
        from .views.deals import customer_deals_panel

        handover.register_owned(
            Deal, "owner", _("deals owned"),
            positions=SELLING_POSITIONS,
        )
        # Nothing stays with a leaving person: their open next steps and open reminders move too.
        handover.register_owned(Activity, "next_step_owner", _("open next steps"), only=open_next_steps_of)
        handover.register_owned(Reminder, "recipient", _("open reminders"), only=open_reminders_to_move)
        counted(Reminder, "recipient")  # the bell's cached count
        register_panel(customer_deals_panel)
        register_panel(customer_activities_panel)
        register_panel(customer_transfers_panel)
        register_sales_source(signed_sales)
        register_assigned_hook(complaint_assigned)
