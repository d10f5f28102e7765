"""The feed a calendar app polls (no session: the secret token in the URL is the key), and the
profile card where a person creates, regenerates or revokes it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.pages import AuthenticatedRequest

from . import services
from .events import feed_events, ics
from .models import CalendarFeed

# The new URL, kept in the session only until the profile page has shown it once.
SHOW_ONCE = "calendar_feed_url"


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    found = services.feed_for_token(token)
    if found is None:
        raise Http404
    user = found.user
    CalendarFeed.objects.filter(pk=found.pk).update(last_fetched_at=timezone.now())
    with translation.override(user.language or translation.get_language()):
        body = ics(feed_events(user), absolute=request.build_absolute_uri, domain=request.get_host().split(":")[0],
                   name=_("BulkSales — %(person)s") % {"person": user.get_full_name() or user.username})
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    # Calendar apps poll every hour or so; private, since the body is one person's.
    response["Cache-Control"] = "private, max-age=900"
    response["Content-Disposition"] = 'inline; filename="bulksales.ics"'
    return response


@login_required
@require_POST
def issue(request: AuthenticatedRequest) -> HttpResponse:
    had_one = CalendarFeed.objects.filter(user=request.user).exists()
    token = services.issue_feed(user=request.user)
    request.session[SHOW_ONCE] = request.build_absolute_uri(reverse("calendar_feeds:feed", args=[token]))
    messages.success(request, _("A new calendar feed URL was created; the old one no longer works.") if had_one
                     else _("Your calendar feed was created."))
    return redirect("accounts:profile")


@login_required
@require_POST
def revoke(request: AuthenticatedRequest) -> HttpResponse:
    services.revoke_feed(user=request.user)
    request.session.pop(SHOW_ONCE, None)
    messages.success(request, _("Your calendar feed was revoked: calendars subscribed to it get nothing more."))
    return redirect("accounts:profile")


def profile_section(request: AuthenticatedRequest) -> str:
    """The calendar feed card of one's own profile: one query."""
    current = CalendarFeed.objects.filter(user=request.user).first()
    return render_to_string("calendar_feeds/_profile_section.html", {
        "feed": current, "new_url": request.session.pop(SHOW_ONCE, None) if current else None,
    }, request=request)
