from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from accounts import handover
        from accounts.models import Position

        from .models import Complaint, Customer

        handover.register_owned(
            Customer, "owner", _("customers owned"),
            positions=[Position.REP, Position.ACCOUNT_MANAGER, Position.MANAGER, Position.DIRECTOR],
        )
        handover.register_owned(Complaint, "assignee", _("complaints assigned"))
