"""What every page's navigation bar shows of the follow-up reminders: how many are open."""

from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from .bell import cached_count
from .inbox_panels import inbox_count
from .selectors import open_reminders


def reminders(request: HttpRequest) -> dict[str, SimpleLazyObject]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: only on pages that show the badge (not on htmx fragments); from the cache (pipeline.bell), or
    # one COUNT query (the reminders and what other apps add to the inbox, united).
    def count() -> int:
        day = timezone.localdate()
        return cached_count(user.pk, day, lambda: inbox_count(open_reminders(user, day), user, day))

    return {"reminder_count": SimpleLazyObject(count)}
