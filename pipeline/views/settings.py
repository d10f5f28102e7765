"""The director's pipeline lists: ports, exchange rates, reasons for losing and quality specifications.

Everyone signed in reads the exchange rates (reps price their deals with them); the rest, and
every change, is the director's.
"""

from collections import Counter
from datetime import timedelta
from typing import TypedDict

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.db.models import Count
from django.forms import ModelForm
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import access, params
from accounts.pages import AuthenticatedRequest, form_page
from accounts.services import RuleError
from accounts.templatetags.numbers import floatformat

from .. import selectors, services, specifications
from ..forms import specifications as spec_forms
from ..forms.settings import ExchangeRateForm, LostReasonForm, PortForm
from ..models import ExchangeRate, LostReason, Port, Repricing, Specification

# --- Ports ---------------------------------------------------------------------------------------


@access.director_only
def port_list(request: AuthenticatedRequest) -> HttpResponse:
    # One grouped read of the deals by their (loading, discharging) pair, a few hundred rows, added up per port: a
    # count per port (the OR of two columns, over 200,000 deals each) took 160 ms; a deal naming one port for both
    # counts once there.
    pairs = (selectors.deals_visible_to(request.user).order_by().values("load_port", "discharge_port")
             .annotate(n=Count("pk")).values_list("load_port", "discharge_port", "n"))
    counts: Counter[int] = Counter()
    for load, discharge, number in pairs:
        for named in {load, discharge} - {None}:
            counts[named] += number
    ports = list(Port.objects.order_by("name"))
    for port in ports:
        port.deal_count = counts[port.pk]
    return render(request, "pipeline/settings_ports.html", {"ports": ports})


def _entry_page(request: AuthenticatedRequest, form: "ModelForm[Port] | ModelForm[LostReason]", *, title: str,
                saved: str, back: str) -> HttpResponse:
    """A new or changed entry of one of the director's lists: saved as it is (nothing else depends on it)."""
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, saved)
        return redirect(back)
    return form_page(request, form, title, back=back)


@access.director_only
def port_edit(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    port = access.get_visible_or_404(Port.objects.all(), pk=pk) if pk else Port()
    return _entry_page(request, PortForm(request.POST or None, instance=port),
                       title=_("Edit port") if pk else _("New port"), saved=_("The port was saved."),
                       back="pipeline_settings:ports")


# --- Exchange rates ------------------------------------------------------------------------------


class _Currency(TypedDict):
    code: str
    current: ExchangeRate | None  # the rate in force today
    rates: list[ExchangeRate]  # newest first, scheduled ones included


@login_required
def rate_list(request: AuthenticatedRequest) -> HttpResponse:
    """Every currency's rate in force today and its history, newest first, in one query."""
    today = timezone.localdate()
    currencies: dict[str, _Currency] = {}
    for rate in ExchangeRate.objects.order_by("currency", "-valid_from"):
        entry = currencies.setdefault(rate.currency, {"code": rate.currency, "current": None, "rates": []})
        if rate.valid_from > today:
            rate.state = "scheduled"
        elif entry["current"] is None:
            rate.state = "current"
            entry["current"] = rate
        else:
            rate.state = "past"
        entry["rates"].append(rate)
    return render(request, "pipeline/settings_rates.html", {
        "currencies": list(currencies.values()),
        "base_currency": settings.BASE_CURRENCY,
        "can_edit": selectors.can_run_pipeline_settings(request.user),
        # The worker's re-pricings of the last day, running or done, newest first.
        "repricings": Repricing.objects.filter(started_at__gte=timezone.now() - REPRICINGS_SHOWN_FOR)
        .select_related("requested_by")[:REPRICINGS_SHOWN],
    })


REPRICINGS_SHOWN, REPRICINGS_SHOWN_FOR = 5, timedelta(days=1)


@login_required
def repricing_progress(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A re-pricing's progress bar alone, which htmx polls every second until it is finished (everyone who reads
    the rates sees them re-priced: a currency and a count, nothing of anyone's deals)."""
    run = access.get_visible_or_404(Repricing.objects.select_related("requested_by"), pk=pk)
    return render(request, "pipeline/_repricing_progress.html", {"run": run})


@access.director_only
def rate_create(request: AuthenticatedRequest) -> HttpResponse:
    form = ExchangeRateForm(request.POST or None, initial={
        "currency": request.GET.get("currency", "")[:3], "valid_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        rate = form.to_rate()
        try:
            saved = services.exchange_rate_save(rate=rate, by=request.user)
        except IntegrityError:  # the same rate saved by someone else a moment ago
            form.add_error("valid_from", _("%(currency)s already has a rate from %(date)s. Pick another day.")
                           % {"currency": rate.currency, "date": rate.valid_from.isoformat()})
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _rate_saved_message(rate, saved))
            return redirect("pipeline_settings:rates")
    return form_page(
        request, form, _("New exchange rate"), back="pipeline_settings:rates",
        intro=_("Deals not yet signed are re-priced at the rate in force today; signed deals keep the rate of "
                "their signing date."),
    )


def _rate_saved_message(rate: ExchangeRate, result: services.RateSaved) -> str:
    saved = _("The %(currency)s rate from %(date)s was saved.") % {
        "currency": rate.currency, "date": rate.valid_from.isoformat()}
    repriced = result.repriced
    if rate.valid_from > timezone.localdate():
        return saved + " " + ngettext(
            "%(count)d deal not yet signed stays priced at today's rate.",
            "%(count)d deals not yet signed stay priced at today's rate.", repriced) % {"count": repriced}
    if result.run is not None:
        return saved + " " + ngettext(
            "%(count)s deal not yet signed is being re-priced: the bar below shows how far it has got.",
            "%(count)s deals not yet signed are being re-priced: the bar below shows how far they have got.",
            repriced) % {"count": floatformat(repriced, "0g")}
    return saved + " " + ngettext(
        "%(count)d deal not yet signed was re-priced.",
        "%(count)d deals not yet signed were re-priced.", repriced) % {"count": repriced}


# --- Reasons for losing ----------------------------------------------------------------------------


@access.director_only
def lost_reason_list(request: AuthenticatedRequest) -> HttpResponse:
    # Grouped once from the deals' reason index: a semi-join of each reason's deals on every deal took 150 ms. Rows
    # counted, not their ids: the index alone answers COUNT(*), where COUNT(id) read 10,000 pages of deals (71 ms).
    counts = dict(selectors.deals_visible_to(request.user).exclude(lost_reason=None).order_by()
                  .values("lost_reason").annotate(n=Count("*")).values_list("lost_reason", "n"))
    reasons = list(LostReason.objects.order_by("name"))
    for reason in reasons:
        reason.deal_count = counts.get(reason.pk, 0)
    return render(request, "pipeline/settings_lost_reasons.html", {"reasons": reasons})


@access.director_only
def lost_reason_edit(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    reason = access.get_visible_or_404(LostReason.objects.all(), pk=pk) if pk else LostReason()
    return _entry_page(request, LostReasonForm(request.POST or None, instance=reason),
                       title=_("Edit reason for losing") if pk else _("New reason for losing"),
                       saved=_("The reason for losing was saved."), back="pipeline_settings:lost_reasons")


# --- Quality specifications ------------------------------------------------------------------------


@access.director_only
def specification_list(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "pipeline/settings_specifications.html",
                  {"specifications": specifications.specifications_listed()})


@access.director_only
def specification_edit(request: AuthenticatedRequest, pk: int | None = None) -> HttpResponse:
    if pk:
        specification = access.get_visible_or_404(Specification.objects.select_related("commodity"), pk=pk)
    else:
        specification = Specification()
        if commodity_id := params.optional_id(request.GET.get("commodity")):
            specification.commodity_id = commodity_id
    data = request.POST if request.method == "POST" else None
    form = spec_forms.SpecificationForm(data, instance=specification)
    parameters = spec_forms.ParameterFormSet(data, prefix="parameters",
                                             initial=spec_forms.parameter_initial(specification))
    rules = spec_forms.RuleFormSet(data, prefix="rules", initial=spec_forms.rule_initial(specification),
                                   form_kwargs={"parameters": spec_forms.rule_parameters(specification, data)})
    # Each validated in full, so that every mistake is shown at once.
    if data is not None and all([form.is_valid(), parameters.is_valid(), rules.is_valid()]):
        parameter_rows, parameter_forms = spec_forms.parameter_rows(parameters)
        rule_rows, rule_forms = spec_forms.rule_rows(rules)
        try:
            saved = specifications.specification_save(specification=form.save(commit=False),
                                                      parameters=parameter_rows, rules=rule_rows)
        except specifications.SpecificationInvalid as error:
            rows = {"parameters": parameter_forms, "rules": rule_forms}
            for problem in error.problems:
                if problem.rows:
                    rows[problem.rows][problem.index].add_error(problem.field, problem.message)
                else:
                    form.add_error(problem.field if problem.field in form.fields else None, problem.message)
        else:
            messages.success(request, _("The grade %(name)s was saved.") % {"name": saved})
            if "continue" in request.POST:
                return redirect("pipeline_settings:specification_edit", pk=saved.pk)
            return redirect("pipeline_settings:specifications")
    return render(request, "pipeline/settings_specification_form.html", {
        "form": form, "parameters": parameters, "rules": rules, "specification": specification,
        "under_contract": specifications.is_under_contract(specification),
    })
