from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoachingConfig(AppConfig):
    """A manager's coaching record (辅导记录): notes on a rep, agreed actions, and the rep's acknowledgement."""

    name = "targets.coaching"
    label = "coaching"
    verbose_name = _("Coaching")

    def ready(self) -> None:
        from pipeline.bell import counted
        from pipeline.inbox_panels import register_inbox_count, register_inbox_panel

        from .models import CoachingAction, CoachingNote
        from .panels import inbox_coaching_panel
        from .selectors import inbox_items

        register_inbox_panel(inbox_coaching_panel)
        register_inbox_count(inbox_items)
        counted(CoachingNote, "rep")
        counted(CoachingAction)  # whose it is is its note's: everyone's counts, as actions change rarely
