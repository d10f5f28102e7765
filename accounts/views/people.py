"""The director's pages about people: users, their activation and hand-overs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import access, handover, services
from ..filters import UserFilter
from ..forms.people import HandOverForm, UserChangeForm, UserCreateForm
from ..models import HandOver
from ..pages import AuthenticatedRequest, filter_data, form_page, page_of
from .profile import profile_context


@access.director_only
def user_list(request: AuthenticatedRequest) -> HttpResponse:
    users = access.users_visible_to(request.user).select_related("department", "team")
    filtered = UserFilter(filter_data(request), queryset=users, user=request.user)
    page = page_of(request, filtered.qs)
    return render(request, "accounts/user_list.html", {"filter": filtered, "page": page})


@access.director_only
def user_create(request: AuthenticatedRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        messages.success(request, _("%(name)s can now sign in.") % {"name": user})
        return redirect("org:user_detail", pk=user.pk)
    return form_page(request, form, _("New user"), back="org:user_list")


@login_required
def user_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = access.get_visible_or_404(
        access.users_visible_to(request.user).select_related("department", "team__manager"), pk=pk
    )
    context = profile_context(request.user, person) | {
        "own": person.pk == request.user.pk,
        "handovers": HandOver.objects.filter(Q(from_user=person) | Q(to_user=person)).select_related(
            "from_user", "to_user", "done_by"
        )[:20]
        if access.can_run_organisation(request.user)
        else [],
    }
    return render(request, "accounts/profile.html", context)


@access.director_only
def user_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = access.get_visible_or_404(access.users_visible_to(request.user), pk=pk)
    form = UserChangeForm(request.POST or None, instance=person, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("%(name)s was saved.") % {"name": person})
        return redirect("org:user_detail", pk=person.pk)
    return form_page(request, form, _("Edit %(name)s") % {"name": person}, back="org:user_list")


@access.director_only
@require_POST
def user_set_active(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = access.get_visible_or_404(access.users_visible_to(request.user), pk=pk)
    try:
        if request.POST.get("active") == "1":
            services.user_reactivate(user=person)
            messages.success(request, _("%(name)s can sign in again.") % {"name": person})
        else:
            services.user_deactivate(user=person, by=request.user)
            messages.success(request, _("%(name)s was deactivated and can no longer sign in.") % {"name": person})
    except services.RuleError as error:
        messages.error(request, str(error))
    return redirect("org:user_detail", pk=person.pk)


@access.director_only
def user_hand_over(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = access.get_visible_or_404(access.users_visible_to(request.user), pk=pk)
    form = HandOverForm(request.POST or None, from_user=person, by=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.hand_over(
                from_user=person,
                to_user=form.cleaned_data["to_user"],
                by=request.user,
                reason=form.cleaned_data["reason"],
                deactivate=form.cleaned_data["deactivate"],
            )
        except services.RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("%(count)d records moved from %(from)s to %(to)s.")
                % {"count": sum(record.moved.values()), "from": person, "to": record.to_user},
            )
            return redirect("org:user_detail", pk=person.pk)
    owned = [
        (entry.label, entry.model._default_manager.filter(**{entry.field: person}).count())
        for entry in handover.owned_fields()
    ]
    return render(request, "accounts/handover_form.html", {"form": form, "person": person, "owned": owned})


@access.director_only
def handover_list(request: AuthenticatedRequest) -> HttpResponse:
    records = HandOver.objects.select_related("from_user", "to_user", "done_by")
    page = page_of(request, records)
    return render(request, "accounts/handover_list.html", {"page": page})
