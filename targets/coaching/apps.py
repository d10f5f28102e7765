from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoachingConfig(AppConfig):
    """A manager's coaching record (辅导记录): notes on a rep, agreed actions, and the rep's acknowledgement."""

    name = "targets.coaching"
    label = "coaching"
    verbose_name = _("Coaching")
