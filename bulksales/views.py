"""Cross-cutting views: the health check that load balancers and monitors call, and the error pages."""

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from django.views.decorators.cache import never_cache
from kombu import Connection

logger = logging.getLogger(__name__)


def _database_answers() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure means "not healthy"; the reason is reported
        return f"{type(error).__name__}: {error}"
    return None


def _broker_answers() -> str | None:
    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            transport_options=getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),
            connect_timeout=3,
        ) as broker:
            broker.ensure_connection(max_retries=1, timeout=3)
            _ = broker.default_channel  # opens a channel: the transport really answers
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return None


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    problems = {"database": _database_answers(), "broker": _broker_answers()}
    body: dict[str, str | list[str]] = {
        name: ("ok" if problem is None else "error") for name, problem in problems.items()}
    failing = [name for name, problem in problems.items() if problem is not None]
    body["status"] = "ok" if not failing else "error"
    if failing:
        body["failing"] = failing
        # The reasons go to the log, not to an unauthenticated caller.
        logger.error("healthz failing: %s", {name: problems[name] for name in failing})
        return JsonResponse(body, status=503)
    return JsonResponse(body)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page: static, so it renders when the database or a context processor is what failed.

    The language is the one already active for this request (the user's, set by the middleware), or
    else the one the browser asks for (cookie, Accept-Language); neither reads the database.
    """
    language = translation.get_language()
    if language == settings.LANGUAGE_CODE:
        language = translation.get_language_from_request(request)
    with translation.override(language):
        body = loader.get_template("500.html").render({"LANGUAGE_CODE": translation.get_language()})
    return HttpResponseServerError(body)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent with a missing or stale CSRF token: say so in the site's layout, not Django's page."""
    return render(request, "403_csrf.html", status=403)
