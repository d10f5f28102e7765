from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "targets"
    verbose_name = _("Targets and scorecards")

    def ready(self) -> None:
        from accounts import changes

        from .scorecards import refresh_soon

        changes.register_listener(refresh_soon)
