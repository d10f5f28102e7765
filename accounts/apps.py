from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import handover
        from .middleware import stamp_session
        from .models import Position, Team

        # What a manager owns in the organisation itself; higher apps register their records.
        handover.register_owned(
            Team, "manager", _("teams managed"), positions=[Position.MANAGER, Position.DIRECTOR]
        )
        user_logged_in.connect(stamp_session, dispatch_uid="accounts.stamp_session")
