"""Per-request plumbing: the user's language, idle sessions, and the Permissions-Policy header."""

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils import translation

GetResponse = Callable[[HttpRequest], HttpResponseBase]

# When the session's expiry was last pushed forward (seconds since the epoch).
SEEN_KEY = "_bulksales_seen"


class UserLanguageMiddleware:
    """Speak to a signed-in user in the language they chose, on every device they use."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


def stamp_session(sender: type, request: HttpRequest, user: object, **kwargs: Any) -> None:
    """Connected to `user_logged_in`: the sign-in itself counts as activity (saved with it)."""
    request.session[SEEN_KEY] = int(time.time())


class IdleSessionMiddleware:
    """Keep an active session alive: each time it is used, once SESSION_IDLE_REFRESH_SECONDS have
    passed since the last time, save it again, which pushes its expiry (SESSION_COOKIE_AGE, the idle
    limit) forward. Saving on every request (SESSION_SAVE_EVERY_REQUEST) would cost a write per page."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            if now - request.session.get(SEEN_KEY, 0) >= settings.SESSION_IDLE_REFRESH_SECONDS:
                request.session[SEEN_KEY] = now
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Turn off the browser features the CRM never uses, for us and anything we might embed."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.value = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY_DENIED)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.value)
        return response
