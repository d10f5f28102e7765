from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from accounts import handover
        from accounts.models import SELLING_POSITIONS

        from .models import Complaint, Customer

        handover.register_owned(
            Customer, "owner", _("customers owned"),
            positions=SELLING_POSITIONS,
        )
        handover.register_owned(Complaint, "assignee", _("complaints assigned"))
