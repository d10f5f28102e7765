from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncentivesConfig(AppConfig):
    """Incentive plans (激励方案), commission statements (提成结算单) and their clawbacks (追回)."""

    name = "targets.incentives"
    label = "incentives"
    verbose_name = _("Incentives")

    def ready(self) -> None:
        # The what-if on a deal's page: the pipeline does not import targets.
        from pipeline.deal_panels import register_deal_panel

        from .panels import deal_commission_panel

        register_deal_panel(deal_commission_panel)
