from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from accounts import demo, demo_large, handover
        from accounts.models import Position

        from . import demo as customers_demo
        from .demo_large import seed_customers_large
        from .models import Complaint, Customer

        handover.register_owned(
            Customer, "owner", _("customers owned"),
            positions=[Position.REP, Position.ACCOUNT_MANAGER, Position.MANAGER, Position.DIRECTOR],
        )
        handover.register_owned(Complaint, "assignee", _("complaints assigned"))
        demo.register_seeder(customers_demo.seed_customers)
        demo_large.register_large_seeder(seed_customers_large)
