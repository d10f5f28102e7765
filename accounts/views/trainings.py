"""Training plans (培训计划): the list, a training, its attendees and their attendance."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .. import access, services
from ..forms.trainings import AttendanceFormSet, TrainingForm
from ..models import Training
from ..pages import AuthenticatedRequest, form_page, page_of


@login_required
def training_list(request: AuthenticatedRequest) -> HttpResponse:
    visible = access.attendances_visible_to(request.user)
    trainings = access.trainings_visible_to(request.user).annotate(
        attendee_count=Count("attendances", filter=Q(attendances__in=visible)),
        attended_count=Count("attendances", filter=Q(attendances__in=visible, attendances__attended=True)),
    ).order_by("-starts_on", "title")
    page = page_of(request, trainings)
    return render(
        request,
        "accounts/training_list.html",
        {"page": page, "can_plan": access.can_plan_training(request.user)},
    )


@login_required
def training_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
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
def training_edit(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
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
    return form_page(request, form, title, back="training:list")


@access.manager_or_director
def training_attendance(request: AuthenticatedRequest, pk: int) -> HttpResponse:
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
