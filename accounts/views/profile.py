"""The home page, one's own profile and the language switch."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from .. import access, services
from ..forms.people import ProfileForm
from ..models import User
from ..pages import AuthenticatedRequest, form_page
from ..profile_sections import profile_sections


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    # The dashboards (targets app) decide per position where each person lands.
    return redirect("dashboards:mine")


def profile_context(viewer: User, person: User) -> dict[str, object]:
    attendances = (
        access.attendances_visible_to(viewer)
        .filter(attendee=person)
        .select_related("training")
        .order_by("-training__starts_on")
    )
    return {"person": person, "attendances": attendances}


@login_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    person = User.objects.select_related("department", "team__manager").get(pk=request.user.pk)
    return render(request, "accounts/profile.html", profile_context(request.user, person)
                  | {"own": True, "sections": profile_sections(request)})


@login_required
def profile_edit(request: AuthenticatedRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        if user.language:
            translation.activate(user.language)  # confirm in the language just chosen
        messages.success(request, _("Your profile was saved."))
        return redirect("accounts:profile")
    return form_page(request, form, _("Edit my profile"), back="accounts:profile")


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Switch language; for a signed-in user, remember it on every device."""
    response = set_language(request)
    code = request.POST.get("language", "")
    if isinstance(request.user, User) and code in dict(settings.LANGUAGES):
        services.user_set_language(user=request.user, language=code)
    return response
