"""The profile page's "API tokens" section: create a token (shown once), revoke one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.pages import AuthenticatedRequest
from accounts.services import RuleError

from . import tokens
from .models import ApiToken


@login_required
@require_POST
def token_create(request: AuthenticatedRequest) -> HttpResponse:
    try:
        token, key = tokens.token_create(user=request.user, name=request.POST.get("name", ""))
    except RuleError as error:
        messages.error(request, str(error))
        return redirect("accounts:profile")
    # Rendered, not redirected: the secret is never stored, so this answer is the only time it is shown.
    response = render(request, "api/token_created.html", {"token": token, "key": key})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        token = tokens.token_revoke(user=request.user, pk=pk)
    except ApiToken.DoesNotExist as missing:
        raise Http404 from missing
    messages.success(request, _("The API token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("accounts:profile")


def profile_section(request: AuthenticatedRequest) -> str:
    """The "API tokens" card of one's own profile: one query."""
    return render_to_string("api/_tokens_section.html", {"tokens": list(tokens.tokens_of(request.user))},
                            request=request)
