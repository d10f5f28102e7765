"""What the navigation bar may offer of the customers app, from the same rules its views use."""

from django.http import HttpRequest

from . import selectors


def navigation(request: HttpRequest) -> dict[str, dict[str, bool]]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"customers_nav": {"complaints": selectors.can_record_complaint(user)}}
