"""Pages of the organisation: profile, language, users, departments, teams, hand-overs, training.

Thin views: form in, service call, message, redirect. Scope comes from `access` only.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from . import access, handover, services
from .filters import UserFilter
from .forms import (
    AttendanceFormSet,
    DepartmentForm,
    HandOverForm,
    ProfileForm,
    TeamForm,
    TrainingForm,
    UserChangeForm,
    UserCreateForm,
)
from .models import Department, HandOver, Team, Training, User

PAGE_SIZE = 50


def _form_page(request, form, title: str, *, back: str, submit: str | None = None, intro: str = "") -> HttpResponse:
    return render(
        request,
        "accounts/form.html",
        {"form": form, "title": title, "back": back, "submit": submit or _("Save"), "intro": intro},
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    # The dashboards (targets app) decide per position where each person lands.
    return redirect("dashboards:mine")


# --- Profile and language ---------------------------------------------------------------------


def _profile_context(viewer: User, person: User) -> dict:
    attendances = (
        access.attendances_visible_to(viewer)
        .filter(attendee=person)
        .select_related("training")
        .order_by("-training__starts_on")
    )
    return {"person": person, "attendances": attendances}


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    person = User.objects.select_related("department", "team__manager").get(pk=request.user.pk)
    return render(request, "accounts/profile.html", _profile_context(request.user, person) | {"own": True})


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        if user.language:
            translation.activate(user.language)  # confirm in the language just chosen
        messages.success(request, _("Your profile was saved."))
        return redirect("accounts:profile")
    return _form_page(request, form, _("Edit my profile"), back="accounts:profile")


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Switch language; for a signed-in user, remember it on every device."""
    response = set_language(request)
    code = request.POST.get("language", "")
    if request.user.is_authenticated and code in dict(User._meta.get_field("language").choices):
        services.user_set_language(user=request.user, language=code)
    return response


# --- Users --------------------------------------------------------------------------------------


@access.director_only
def user_list(request: HttpRequest) -> HttpResponse:
    users = access.users_visible_to(request.user).select_related("department", "team")
    filtered = UserFilter(request.GET or None, queryset=users)
    page = Paginator(filtered.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"filter": filtered, "page": page})


@access.director_only
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        messages.success(request, _("%(name)s can now sign in.") % {"name": user})
        return redirect("org:user_detail", pk=user.pk)
    return _form_page(request, form, _("New user"), back="org:user_list")


@login_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = access.get_visible_or_404(
        access.users_visible_to(request.user).select_related("department", "team__manager"), pk=pk
    )
    context = _profile_context(request.user, person) | {
        "own": person.pk == request.user.pk,
        "handovers": HandOver.objects.filter(Q(from_user=person) | Q(to_user=person)).select_related(
            "from_user", "to_user", "done_by"
        )[:20]
        if access.can_run_organisation(request.user)
        else [],
    }
    return render(request, "accounts/profile.html", context)


@access.director_only
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = access.get_visible_or_404(access.users_visible_to(request.user), pk=pk)
    form = UserChangeForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("%(name)s was saved.") % {"name": person})
        return redirect("org:user_detail", pk=person.pk)
    return _form_page(request, form, _("Edit %(name)s") % {"name": person}, back="org:user_list")


@access.director_only
@require_POST
def user_set_active(request: HttpRequest, pk: int) -> HttpResponse:
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
def user_hand_over(request: HttpRequest, pk: int) -> HttpResponse:
    person = access.get_visible_or_404(access.users_visible_to(request.user), pk=pk)
    form = HandOverForm(request.POST or None, from_user=person)
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
def handover_list(request: HttpRequest) -> HttpResponse:
    records = HandOver.objects.select_related("from_user", "to_user", "done_by")
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    for record in page:
        record.moved_labels = [(handover.label_for(key), count) for key, count in record.moved.items()]
    return render(request, "accounts/handover_list.html", {"page": page})


# --- Departments ---------------------------------------------------------------------------------


@access.director_only
def department_list(request: HttpRequest) -> HttpResponse:
    departments = access.departments_visible_to(request.user).annotate(
        member_count=Count("members", filter=Q(members__is_active=True), distinct=True),
        team_count=Count("teams", distinct=True),
    ).order_by("name")
    return render(request, "accounts/department_list.html", {"departments": departments})


@access.director_only
def department_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    department = access.get_visible_or_404(access.departments_visible_to(request.user), pk=pk) if pk else Department()
    form = DepartmentForm(request.POST or None, instance=department)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The department was saved."))
        return redirect("org:department_list")
    title = _("Edit department") if pk else _("New department")
    return _form_page(request, form, title, back="org:department_list")


# --- Teams ----------------------------------------------------------------------------------------


@access.manager_or_director
def team_list(request: HttpRequest) -> HttpResponse:
    teams = (
        access.teams_visible_to(request.user)
        .select_related("department", "manager")
        .annotate(member_count=Count("members", filter=Q(members__is_active=True)))
        .order_by("name")
    )
    return render(request, "accounts/team_list.html", {"teams": teams})


@access.manager_or_director
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    team = access.get_visible_or_404(
        access.teams_visible_to(request.user).select_related("department", "manager"), pk=pk
    )
    members = team.members.select_related("department").order_by("-is_active", "full_name")
    trainings = (
        Training.objects.filter(attendances__attendee__team=team)
        .annotate(team_attendees=Count("attendances", filter=Q(attendances__attendee__team=team)))
        .order_by("-starts_on")[:10]
    )
    return render(request, "accounts/team_detail.html", {"team": team, "members": members, "trainings": trainings})


@access.director_only
def team_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    team = access.get_visible_or_404(access.teams_visible_to(request.user), pk=pk) if pk else Team()
    form = TeamForm(request.POST or None, instance=team)
    if request.method == "POST" and form.is_valid():
        services.team_save(team=form.save(commit=False), members=form.cleaned_data["members"])
        messages.success(request, _("The team was saved."))
        return redirect("org:team_detail", pk=team.pk)
    title = _("Edit team") if pk else _("New team")
    return _form_page(request, form, title, back="org:team_list")


# --- Training plans --------------------------------------------------------------------------------


@login_required
def training_list(request: HttpRequest) -> HttpResponse:
    visible = access.attendances_visible_to(request.user)
    trainings = access.trainings_visible_to(request.user).annotate(
        attendee_count=Count("attendances", filter=Q(attendances__in=visible)),
        attended_count=Count("attendances", filter=Q(attendances__in=visible, attendances__attended=True)),
    ).order_by("-starts_on", "title")
    page = Paginator(trainings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/training_list.html",
        {"page": page, "can_plan": access.can_plan_training(request.user)},
    )


@login_required
def training_detail(request: HttpRequest, pk: int) -> HttpResponse:
    training = access.get_visible_or_404(access.trainings_visible_to(request.user).select_related("created_by"), pk=pk)
    attendances = (
        access.attendances_visible_to(request.user)
        .filter(training=training)
        .select_related("attendee__team")
    )
    return render(
        request,
        "accounts/training_detail.html",
        {
            "training": training,
            "attendances": attendances,
            "can_change": access.can_change_training(request.user, training),
        },
    )


@access.manager_or_director
def training_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if pk:
        training = access.get_visible_or_404(access.trainings_visible_to(request.user), pk=pk)
        if not access.can_change_training(request.user, training):
            raise PermissionDenied
    else:
        training = Training()
    form = TrainingForm(request.POST or None, instance=training, planner=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.training_save(
                training=form.save(commit=False), attendees=form.cleaned_data["attendees"], by=request.user
            )
        except services.RuleError as error:
            form.add_error("attendees", str(error))
        else:
            messages.success(request, _("The training was saved."))
            return redirect("training:detail", pk=training.pk)
    title = _("Edit training") if pk else _("New training")
    return _form_page(request, form, title, back="training:list")


@access.manager_or_director
def training_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    training = access.get_visible_or_404(access.trainings_visible_to(request.user), pk=pk)
    if not access.can_change_training(request.user, training):
        raise PermissionDenied
    rows = access.attendances_visible_to(request.user).filter(training=training).select_related("attendee")
    formset = AttendanceFormSet(request.POST or None, queryset=rows)
    if request.method == "POST" and formset.is_valid():
        formset.save()
        messages.success(request, _("Attendance and scores were saved."))
        return redirect("training:detail", pk=training.pk)
    return render(request, "accounts/attendance_form.html", {"training": training, "formset": formset})

