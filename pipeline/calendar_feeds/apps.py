from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarFeedsConfig(AppConfig):
    """Each person's private iCalendar feed of their follow-ups, laycans, L/C expiries and complaint
    deadlines, for the calendar apps that subscribe to a URL (they cannot sign in)."""

    name = "pipeline.calendar_feeds"
    label = "calendar_feeds"
    verbose_name = _("Calendar feeds")

    def ready(self) -> None:
        # Its card on the profile page: accounts does not import the pipeline.
        from accounts.profile_sections import register_profile_section

        from .views import profile_section

        register_profile_section(profile_section)
