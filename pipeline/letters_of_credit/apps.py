from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LettersOfCreditConfig(AppConfig):
    """A signed contract's letters of credit: their terms checked against the contract and its shipments,
    amendments, presentations and discrepancies, and the reminders their dates call for."""

    name = "pipeline.letters_of_credit"
    label = "letters_of_credit"
    verbose_name = _("Letters of credit")

    def ready(self) -> None:
        # Its panel on the deal page and its reminders: pipeline does not import letters_of_credit.
        from pipeline.deal_panels import register_deal_panel
        from pipeline.reminders import register_causes

        from .panels import deal_letters_of_credit_panel
        from .reminders import letter_of_credit_causes

        register_deal_panel(deal_letters_of_credit_panel)
        register_causes(letter_of_credit_causes)
