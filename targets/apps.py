from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "targets"
    verbose_name = _("Targets and scorecards")

    def ready(self) -> None:
        from accounts import changes, demo, demo_large

        from .demo import seed_targets
        from .demo_large import seed_targets_large
        from .scorecards import refresh_soon

        # Registered after the pipeline's seeder (targets is installed after pipeline): the targets
        # are set from the demo deals.
        changes.register_listener(refresh_soon)
        demo.register_seeder(seed_targets)
        demo_large.register_large_seeder(seed_targets_large)
