from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "bulksales.api"
    label = "api"
    verbose_name = _("API")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Its card on one's own profile page: accounts does not import the API.
        from accounts.profile_sections import register_profile_section

        from .token_views import profile_section

        register_profile_section(profile_section)
