"""Complaint pages (客户投诉): list, record, detail with its timeline and history, and the moves on it.

Thin views: form in, service call, message, redirect. Scope comes from the selectors only.
"""

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Field
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access, params
from accounts.choices import display
from accounts.models import User
from accounts.pages import AuthenticatedRequest, filter_data, page_of
from accounts.services import RuleError

from .. import complaints, picking, selectors
from ..filters import ComplaintFilter
from ..forms.complaints import ComplaintAssignForm, ComplaintCommentForm, ComplaintForm, ComplaintTransitionForm
from ..models import Complaint, Contact
from ..panels import render_complaint_panels


def _visible_complaint(request: AuthenticatedRequest, pk: int) -> Complaint:
    return access.get_visible_or_404(
        selectors.complaints_visible_to(request.user).select_related(
            "customer__owner", "contact", "assignee", "recorded_by"
        ),
        pk=pk,
    )


@access.complaint_recorders_only
def complaint_list(request: AuthenticatedRequest) -> HttpResponse:
    visible = selectors.with_overdue(
        selectors.complaints_visible_to(request.user).select_related("customer", "assignee")
    )
    filtered = ComplaintFilter(filter_data(request), queryset=visible)
    return render(request, "customers/complaint_list.html", {"filter": filtered, "page": page_of(request, filtered.qs)})


@access.complaint_recorders_only
def complaint_create(request: AuthenticatedRequest) -> HttpResponse:
    customer_pk = params.optional_id(request.GET.get("customer"))
    visible = selectors.customers_visible_to(request.user)
    customer = visible.filter(pk=customer_pk).first() if customer_pk else None
    if picking.needs_picking(visible, customer):
        return picking.customer_pick(request, visible, title=_("Record a complaint"),
                                     question=_("Which customer is it about?"), cancel=reverse("complaints:list"))
    form = ComplaintForm(request.POST or None, user=request.user, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            complaint = complaints.complaint_record(**form.cleaned_data, by=request.user)
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Complaint #%(number)d was recorded.") % {"number": complaint.pk})
            return redirect("complaints:detail", pk=complaint.pk)
    return render(request, "customers/complaint_form.html", {"form": form, "customer": customer})


def _history(complaint: Complaint) -> list[dict[str, object]]:
    """Each saved version of the complaint, newest first, with the fields it changed."""
    records = list(complaint.history.select_related("history_user").order_by("history_date", "history_id"))
    fields = {field.name: field for field in Complaint._meta.fields}
    rows, changes_by_record = [], []
    user_ids, contact_ids = set(), set()
    for previous, record in zip([None, *records], records, strict=False):
        changes = record.diff_against(previous).changes if previous is not None else []
        for change in changes:
            if change.field in ("assignee", "recorded_by"):
                user_ids |= {change.old, change.new}
            elif change.field == "contact":
                contact_ids |= {change.old, change.new}
        changes_by_record.append((record, changes))
    # Related names in two queries however long the history, rather than one per change.
    names = {
        "assignee": {user.pk: str(user) for user in User.objects.filter(pk__in=user_ids - {None})},
        "contact": dict(Contact.objects.filter(pk__in=contact_ids - {None}).values_list("pk", "name")),
    }
    names["recorded_by"] = names["assignee"]
    for record, changes in changes_by_record:
        rows.append({
            "record": record,
            "created": record.history_type == "+",
            "changes": [
                {
                    "field": capfirst(fields[change.field].verbose_name),
                    "old": _display(fields[change.field], change.old, names),
                    "new": _display(fields[change.field], change.new, names),
                }
                for change in changes
                if change.field in fields
            ],
        })
    return rows[::-1]


def _display(field: Field, value: object, names: dict[str, dict[int, str]]) -> str | None:
    """A historical value as the user reads it: labels for choices, names for people, local times."""
    if value is None or value == "":
        return None
    if field.name in names and isinstance(value, int):  # a person's or a contact's id
        return names[field.name].get(value, str(value))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, Decimal):
        return formats.number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
    return str(value)


def _detail_page(request: AuthenticatedRequest, complaint: Complaint, **forms: Form) -> HttpResponse:
    """The detail page, with the given bound forms in place of fresh ones (to show their errors)."""
    user, now = request.user, timezone.now()
    can_work = selectors.can_work_complaint(user, complaint)
    can_assign = selectors.can_reassign_complaint(user)
    if can_work and complaints.allowed_moves(complaint.status):
        forms.setdefault("transition_form", ComplaintTransitionForm(complaint=complaint))
    if can_assign:
        forms.setdefault("assign_form", ComplaintAssignForm(complaint=complaint))
    forms.setdefault("comment_form", ComplaintCommentForm())
    context = {
        "complaint": complaint,
        "response_overdue": complaints.response_overdue(complaint, now),
        "resolution_overdue": complaints.resolution_overdue(complaint, now),
        "responded_late": complaint.responded_at is not None and complaint.responded_at > complaint.respond_by,
        "resolved_late": complaint.resolved_at is not None and complaint.resolved_at > complaint.resolve_by,
        "events": complaint.events.select_related("by"),
        "history": _history(complaint),
        "can_work": can_work,
        "can_assign": can_assign,
        "can_see_customer": selectors.customers_visible_to(user).filter(pk=complaint.customer_id).exists(),
        "panels": render_complaint_panels(request, complaint),
        **forms,
    }
    return render(request, "customers/complaint_detail.html", context)


@access.complaint_recorders_only
def complaint_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _visible_complaint(request, pk))


def _apply(request: AuthenticatedRequest, complaint: Complaint, form_name: str, form: Form,
           action: Callable[[dict[str, Any]], str], *, error_field: str | None) -> HttpResponse:
    """One of the detail page's forms posted: once valid, `action` calls the service and says what it did,
    and the page is shown afresh; a refusal is shown on the form, at `error_field` (None: the whole form)."""
    if form.is_valid():
        try:
            message = action(form.cleaned_data)
        except RuleError as error:
            form.add_error(error_field, str(error))
        else:
            messages.success(request, message)
            return redirect("complaints:detail", pk=complaint.pk)
    return _detail_page(request, complaint, **{form_name: form})


@access.complaint_recorders_only
@require_POST
def complaint_transition(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    complaint = _visible_complaint(request, pk)
    if not selectors.can_work_complaint(request.user, complaint):
        raise PermissionDenied

    def transition(data: dict[str, Any]) -> str:
        complaints.complaint_transition(complaint=complaint, to_status=data["to_status"], by=request.user,
                                        text=data["text"], settlement=data["settlement"],
                                        settled_amount=data["settled_amount"])
        return _("The complaint is now %(status)s.") % {"status": display(complaint, "status")}

    form = ComplaintTransitionForm(request.POST, complaint=complaint)
    return _apply(request, complaint, "transition_form", form, transition, error_field=None)


@access.complaint_recorders_only
@require_POST
def complaint_comment(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    complaint = _visible_complaint(request, pk)

    def comment(data: dict[str, Any]) -> str:
        complaints.complaint_comment(complaint=complaint, by=request.user, text=data["text"])
        return _("Your comment was added.")

    form = ComplaintCommentForm(request.POST)
    return _apply(request, complaint, "comment_form", form, comment, error_field="text")


@access.complaint_recorders_only
@require_POST
def complaint_assign(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    complaint = _visible_complaint(request, pk)
    if not selectors.can_reassign_complaint(request.user):
        raise PermissionDenied

    def assign(data: dict[str, Any]) -> str:
        complaints.complaint_assign(complaint=complaint, assignee=data["assignee"], by=request.user)
        return _("%(name)s now handles the complaint.") % {"name": complaint.assignee}

    form = ComplaintAssignForm(request.POST, complaint=complaint)
    return _apply(request, complaint, "assign_form", form, assign, error_field="assignee")
