"""What every page's navigation bar shows of the follow-up reminders: how many are open."""

from datetime import date

from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from accounts.models import User

from .bell import cached_count
from .inbox_panels import inbox_count
from .selectors import open_reminders


def bell_count(user: User, day: date) -> int:
    """The bell's count: the person's open reminders and what other apps add to the inbox (pipeline.inbox_panels),
    from the cache (pipeline.bell) or in one COUNT query, the reminders and the rest united."""
    return cached_count(user.pk, day, lambda: inbox_count(open_reminders(user, day), user, day))


def reminders(request: HttpRequest) -> dict[str, SimpleLazyObject]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: only on pages that show the badge (not on htmx fragments). A page that counted it already (the inbox)
    # hands its own `reminder_count` to the template, which stands before this one.
    return {"reminder_count": SimpleLazyObject(lambda: bell_count(user, timezone.localdate()))}
