"""What every page's navigation bar shows of the follow-up reminders: how many are open."""

from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from .inbox_panels import bell_count


def reminders(request: HttpRequest) -> dict[str, SimpleLazyObject]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: only on pages that show the badge (not on htmx fragments). A page that counted it already (the inbox)
    # hands its own `reminder_count` to the template, which stands before this one.
    return {"reminder_count": SimpleLazyObject(lambda: bell_count(user, timezone.localdate()))}
