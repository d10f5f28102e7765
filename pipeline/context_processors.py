"""What every page's navigation bar shows of the follow-up reminders: how many are open."""

from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from .selectors import open_reminders


def reminders(request: HttpRequest) -> dict[str, SimpleLazyObject]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: one COUNT query, and only on pages that show the badge (not on htmx fragments).
    return {"reminder_count": SimpleLazyObject(lambda: open_reminders(user, timezone.localdate()).count())}
