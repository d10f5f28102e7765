from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExecutionConfig(AppConfig):
    """The life of a signed contract: shipments, assays, laytime and the claims tied to the cargo."""

    name = "pipeline.execution"
    label = "execution"
    verbose_name = _("Contract execution")
