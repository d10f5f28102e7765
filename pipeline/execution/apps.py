from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExecutionConfig(AppConfig):
    """The life of a signed contract: shipments, assays, laytime and the claims tied to the cargo."""

    name = "pipeline.execution"
    label = "execution"
    verbose_name = _("Contract execution")

    def ready(self) -> None:
        from pipeline.reminders import register_causes

        from .reminders import execution_causes

        register_causes(execution_causes)
