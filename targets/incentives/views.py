"""The incentive plan and commission statement pages: the plans (read by whom they apply to, set by the
director), the statements a person checks line by line, their workflow steps and the payroll exports."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access, exports, replica
from accounts.models import Position
from accounts.pages import AuthenticatedRequest, filter_data, page_of
from accounts.services import RuleError
from pipeline.selectors import deals_visible_to

from . import exports as statement_exports
from . import forms as plan_forms
from . import selectors, services
from .filters import StatementFilter
from .models import IncentivePlan, Statement

# --- Plans -------------------------------------------------------------------------------------------


@access.sellers_only
def plan_list(request: AuthenticatedRequest) -> HttpResponse:
    plans = selectors.with_plan_counts(selectors.plans_visible_to(request.user), request.user)
    return render(request, "incentives/plan_list.html", {
        "plans": plans.order_by("-year", "-quarter", "name"),
        "can_change": selectors.can_change_plan(request.user),
    })


@access.sellers_only
def plan_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    plan = access.get_visible_or_404(selectors.plans_visible_to(request.user).select_related("created_by"), pk=pk)
    statements = selectors.statements_visible_to(request.user).filter(plan=plan)
    can_change = selectors.can_change_plan(request.user)
    return render(request, "incentives/plan_detail.html", {
        "plan": plan,
        "bands": list(plan.bands.all()),
        "rates": plan.rates.select_related("commodity"),
        "teams": plan.teams.order_by("name"),
        "positions": [Position(position).label for position in plan.positions if position in Position.values],
        "statements": statements.select_related("person__team").order_by("person__full_name"),
        "status_counts": selectors.status_counts(statements),
        "totals": selectors.statement_totals(statements),
        "locked": selectors.plan_is_locked(plan),
        "can_change": can_change,
    })


@access.director_only
def plan_edit(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    plan = access.get_visible_or_404(selectors.plans_visible_to(request.user), pk=pk) if pk else IncentivePlan()
    if plan.pk and selectors.plan_is_locked(plan):
        messages.error(request, _("Statements of this plan have been submitted or approved: its terms stay as they "
                                  "are. Copy it to the next quarter to change them."))
        return redirect("incentives:plan", pk=plan.pk)
    data = request.POST if request.method == "POST" else None
    form = plan_forms.PlanForm(data, instance=plan)
    bands = plan_forms.BandFormSet(data, prefix="bands", initial=plan_forms.band_initial(plan))
    rates = plan_forms.RateFormSet(data, prefix="rates", initial=plan_forms.rate_initial(plan))
    # Each validated in full, so that every mistake is shown at once.
    if data is not None and all([form.is_valid(), bands.is_valid(), rates.is_valid()]):
        band_rows, band_forms = plan_forms.band_rows(bands)
        rate_rows, rate_forms = plan_forms.rate_rows(rates)
        try:
            saved = services.plan_save(plan=form.save(commit=False), bands=band_rows, rates=rate_rows,
                                       teams=form.cleaned_data["teams"], by=request.user,
                                       expected_version=form.cleaned_data["version"])
        except services.PlanInvalid as error:
            rows: dict[str, list[forms.Form]] = {"bands": band_forms, "rates": rate_forms}
            for problem in error.problems:
                if problem.rows and problem.field:
                    rows[problem.rows][problem.index].add_error(problem.field, problem.message)
                else:
                    form.add_error(problem.field, problem.message)
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The plan %(name)s was saved.") % {"name": saved})
            return redirect("incentives:plan", pk=saved.pk)
    return render(request, "incentives/plan_form.html", {"form": form, "bands": bands, "rates": rates, "plan": plan})


@access.director_only
@require_POST
def plan_copy(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    plan = access.get_visible_or_404(selectors.plans_visible_to(request.user), pk=pk)
    try:
        copy = services.plan_copy_to_next_quarter(plan=plan, by=request.user)
    except RuleError as error:
        messages.error(request, str(error))
        return redirect("incentives:plan", pk=plan.pk)
    messages.success(request, _("The plan was copied to %(plan)s: check its terms.") % {"plan": copy})
    return redirect("incentives:plan_edit", pk=copy.pk)


# --- Statements --------------------------------------------------------------------------------------


def _filtered(request: AuthenticatedRequest) -> StatementFilter:
    return StatementFilter(filter_data(request), queryset=selectors.statements_visible_to(request.user),
                           user=request.user)


@access.sellers_only
def statement_list(request: AuthenticatedRequest) -> HttpResponse:
    filtered = _filtered(request)
    statements = filtered.qs.select_related("person__team", "plan").order_by(
        "-plan__year", "-plan__quarter", "person__full_name", "pk")
    return render(request, "incentives/statement_list.html", {
        "filter": filtered,
        "page": page_of(request, statements),
        "totals": selectors.statement_totals(filtered.qs),
    })


@access.sellers_only
def statement_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    statement = access.get_visible_or_404(
        selectors.statements_visible_to(request.user).select_related("person__team", "plan"), pk=pk)
    lines = list(statement.lines.select_related("recovers__plan"))
    # A contract links to its deal only for who may open the deal.
    deal_ids = {line.deal_id for line in lines if line.deal_id}
    visible_deals: set[int] = set()
    if deal_ids:
        visible_deals = set(deals_visible_to(request.user).filter(pk__in=deal_ids).order_by()
                            .values_list("pk", flat=True))
    moves = selectors.statement_moves(request.user, statement)
    return render(request, "incentives/statement_detail.html", {
        "statement": statement,
        "lines": lines,
        "visible_deals": visible_deals,
        "steps": statement.steps.select_related("by"),
        "moves": moves,
        "step_form": plan_forms.StepForm(initial={"version": statement.version}),
        "return_form": plan_forms.ReturnForm(initial={"version": statement.version}) if "return" in moves else None,
    })


Step = Callable[..., Statement]


def _step(request: AuthenticatedRequest, pk: int, service: Step, form_class: type[plan_forms.StepForm],
          done: str) -> HttpResponse:
    statement = access.get_visible_or_404(selectors.statements_visible_to(request.user).select_related("person"),
                                          pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            service(statement=statement, by=request.user, expected_version=form.cleaned_data["version"],
                    note=form.cleaned_data["note"])
        except RuleError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, done)
    elif "note" in form.errors:
        messages.error(request, _("Say why the statement goes back, so that the manager knows what to check."))
    else:
        messages.error(request, _("The page was out of date: check the statement and try again."))
    return redirect("incentives:statement", pk=statement.pk)


@access.sellers_only
@require_POST
def statement_submit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _step(request, pk, services.statement_submit, plan_forms.StepForm,
                 _("The statement was submitted for approval."))


@access.sellers_only
@require_POST
def statement_return(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _step(request, pk, services.statement_return, plan_forms.ReturnForm,
                 _("The statement went back to draft."))


@access.sellers_only
@require_POST
def statement_approve(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _step(request, pk, services.statement_approve, plan_forms.StepForm,
                 _("The statement was approved: it is locked now."))


@access.sellers_only
@require_POST
def statement_mark_paid(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _step(request, pk, services.statement_mark_paid, plan_forms.StepForm,
                 _("The statement was marked paid."))


def _export(request: AuthenticatedRequest, fmt: str,
            table: Callable[[QuerySet[Statement]], statement_exports.Table], name: str, title: str) -> HttpResponse:
    exports.format_or_404(fmt)
    headers, rows = table(_filtered(request).qs)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return exports.export_response(rows, headers=headers, title=title, fmt=fmt, filename=f"{name}-{stamp}")


@access.sellers_only
@replica.heavy_read
def statement_lines_export(request: AuthenticatedRequest, fmt: str) -> HttpResponse:
    """The filtered statements' lines for payroll, one row per line, exactly the statements the user may see."""
    return _export(request, fmt, statement_exports.line_table, "commission-lines", _("Commission lines"))


@access.sellers_only
@replica.heavy_read
def statement_totals_export(request: AuthenticatedRequest, fmt: str) -> HttpResponse:
    """The filtered statements, one row per statement with its total."""
    return _export(request, fmt, statement_exports.total_table, "commission-statements", _("Commission statements"))
