"""Departments and teams."""

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .. import access, services
from ..forms.organisation import DepartmentForm, TeamForm
from ..models import Department, Team
from ..pages import AuthenticatedRequest, form_page

# --- Departments ---------------------------------------------------------------------------------


@access.director_only
def department_list(request: AuthenticatedRequest) -> HttpResponse:
    departments = access.departments_visible_to(request.user).annotate(
        member_count=Count("members", filter=Q(members__is_active=True), distinct=True),
        team_count=Count("teams", distinct=True),
    ).order_by("name")
    return render(request, "accounts/department_list.html", {"departments": departments})


@access.director_only
def department_edit(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    department = access.get_visible_or_404(access.departments_visible_to(request.user), pk=pk) if pk else Department()
    form = DepartmentForm(request.POST or None, instance=department)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The department was saved."))
        return redirect("org:department_list")
    title = _("Edit department") if pk else _("New department")
    return form_page(request, form, title, back="org:department_list")


# --- Teams ----------------------------------------------------------------------------------------


@access.manager_or_director
def team_list(request: AuthenticatedRequest) -> HttpResponse:
    teams = (
        access.teams_visible_to(request.user)
        .select_related("department", "manager")
        .annotate(member_count=Count("members", filter=Q(members__is_active=True)))
        .order_by("name")
    )
    return render(request, "accounts/team_list.html", {"teams": teams})


@access.manager_or_director
def team_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    team = access.get_visible_or_404(
        access.teams_visible_to(request.user).select_related("department", "manager"), pk=pk
    )
    members = team.members.select_related("department").order_by("-is_active", "full_name")
    trainings = (
        access.trainings_visible_to(request.user).filter(attendances__attendee__team=team)
        .annotate(team_attendees=Count("attendances", filter=Q(attendances__attendee__team=team)))
        .order_by("-starts_on")[:10]
    )
    return render(request, "accounts/team_detail.html", {"team": team, "members": members, "trainings": trainings})


@access.director_only
def team_edit(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    team = access.get_visible_or_404(access.teams_visible_to(request.user), pk=pk) if pk else Team()
    form = TeamForm(request.POST or None, instance=team, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.team_save(team=form.save(commit=False), members=form.cleaned_data["members"])
        messages.success(request, _("The team was saved."))
        return redirect("org:team_detail", pk=team.pk)
    title = _("Edit team") if pk else _("New team")
    return form_page(request, form, title, back="org:team_list")
