"""Coaching in the rep's inbox (registered with pipeline.inbox_panels in CoachingConfig.ready): their notes
to acknowledge and their open agreed actions, with the done toggle."""

from django.template.loader import render_to_string
from django.utils import timezone

from accounts.pages import AuthenticatedRequest

from . import selectors

INBOX_ROWS = 20


def inbox_coaching_panel(request: AuthenticatedRequest) -> str:
    """Two queries, however many rows; nothing at all when nothing waits."""
    user = request.user
    notes = list(selectors.unacknowledged_notes_of(user).select_related("coach")[:INBOX_ROWS])
    actions = list(selectors.inbox_actions_of(user, timezone.localdate()).select_related("note")[:INBOX_ROWS])
    if not notes and not actions:
        return ""
    return render_to_string("coaching/_inbox_panel.html", {
        "notes": notes, "actions": actions, "today": timezone.localdate(), "can_tick": True, "show_note": True,
        "next": "inbox",
    }, request=request)
