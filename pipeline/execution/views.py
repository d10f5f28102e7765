"""Shipment pages: a signed contract's shipments, their facts, assays, final value, laytime and the
claims the figures suggest. Scoped like the deal they belong to: 404 outside it, 403 on a change by
someone who may only look."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access, params
from accounts.pages import AuthenticatedRequest
from accounts.services import RuleError
from accounts.sql import joins_as_written
from customers import selectors as customer_selectors
from customers.models import Complaint
from customers.panels import SERVICE
from pipeline import selectors as pipeline_selectors
from pipeline.models import Deal, Outcome, PortRole, SpecParameter

from . import selectors, services
from .forms import AssayForm, ClaimForm, ClaimTieForm, ExceptedPeriodFormSet, LaytimeForm, ShipmentForm, VersionForm
from .models import CargoClaim, LaytimeStatement, Shipment


def _visible(request: AuthenticatedRequest):
    return selectors.shipments_visible_to(request.user).select_related(
        "deal__customer", "deal__specification", "deal__owner", "deal__commodity", "bl_accepted_by", "finalised_by")


def _shipment_or_404(request: AuthenticatedRequest, pk: int) -> Shipment:
    return access.get_visible_or_404(_visible(request), pk=pk)


def _recordable(request: AuthenticatedRequest, pk: int) -> Shipment:
    shipment = _shipment_or_404(request, pk)
    if not selectors.can_record_execution(request.user, shipment.deal):
        raise PermissionDenied
    return shipment


def _facts_form(request: AuthenticatedRequest, shipment: Shipment, data=None) -> ShipmentForm:
    return ShipmentForm(data, instance=shipment, deal=shipment.deal,
                        may_accept=access.manages(request.user, shipment.deal.owner))


def _detail_page(request: AuthenticatedRequest, shipment: Shipment, facts_form: ShipmentForm | None = None,
                 assay_form: AssayForm | None = None) -> HttpResponse:
    deal = shipment.deal
    can_record = selectors.can_record_execution(request.user, deal)
    final = shipment.finalised_at is not None
    # The contract's price rules and parameters read once for the valuation, the assays and the claims.
    parameters, rules = selectors.parameters_of(deal), selectors.contract_rules(deal)
    worth = selectors.valuation(shipment, rules=rules, parameters=parameters)
    names = {parameter.code: str(parameter) for parameter in parameters}
    if can_record and not final:
        facts_form = facts_form or _facts_form(request, shipment)
        if parameters:
            assay_form = assay_form or AssayForm(parameters=parameters, deal=deal)
    outturn = selectors.outturn_of(shipment)
    dry = selectors.priced_dry(deal)
    laytime = dict(((statement.port_role, (statement, figures)) for statement, figures
                    in selectors.laytime_of(shipment)))
    return render(request, "execution/shipment_detail.html", {
        "shipment": shipment,
        "deal": deal,
        "can_record": can_record,
        "facts_form": facts_form if can_record and not final else None,
        "assay_form": assay_form if can_record and not final else None,
        "worth": worth,
        "lines": [(names.get(line.parameter, line.parameter), line) for line in worth.adjusted.lines]
        if worth.adjusted else [],
        "rejected": [names.get(code, code) for code in worth.adjusted.rejected] if worth.adjusted else [],
        "missing": [names.get(code, code) for code in worth.adjusted.missing] if worth.adjusted else [],
        "provisional": selectors.provisional_value(deal, worth, selectors.load_port_moisture(shipment)
                                                   if dry else None),
        "dry": dry,
        "outturn": outturn,
        "claimable": outturn.claimable_tonnes(deal.shortage_allowance_percent) if outturn else None,
        "bl_outside": services.bl_outside_tolerance(shipment),
        "lifting_range": services.lifting_range(deal),
        "assays": selectors.judged_assays(shipment, worth.assay, rules=rules),
        "can_finalise": can_record and not final and worth.value is not None,
        "finalise_form": VersionForm(initial={"version": shipment.version}),
        "ports": [(role, label, *laytime.get(role, (None, None))) for role, label in PortRole.choices],
        "suggestions": _suggestions(shipment, outturn, worth, parameters)
        if access.can_record_complaint(request.user) else [],
        "claims": selectors.claims_of(shipment),
    })


def _suggestions(shipment: Shipment, outturn, worth: selectors.Valuation,
                 parameters: list[SpecParameter]) -> list[dict]:
    """Each suggested claim with what its card says and the query string of its complaint form."""
    deal = shipment.deal
    cards = []
    for suggestion in selectors.suggested_claims(shipment, worth=worth, parameters=parameters):
        query = f"kind={suggestion.kind}"
        if suggestion.parameter is not None:
            query += f"&parameter={suggestion.parameter.pk}"
        cards.append({"suggestion": suggestion, "query": query, "text": _claim_text(shipment, suggestion, outturn),
                      "currency": deal.currency})
    return cards


def _claim_text(shipment: Shipment, suggestion: selectors.SuggestedClaim, outturn) -> str:
    """The figures a claim is raised on, in words: the card's text and the complaint's description."""
    deal = shipment.deal
    where = _("%(contract)s, shipment %(number)s%(vessel)s") % {
        "contract": deal.contract_number, "number": shipment.number,
        "vessel": f" ({shipment.vessel_name})" if shipment.vessel_name else ""}
    if suggestion.kind == CargoClaim.Kind.QUANTITY:
        return _("Short-landing on %(where)s: B/L %(bl)s t, outturn %(outturn)s t, short %(short)s t "
                 "(%(percent)s %%); %(claimable)s t beyond the %(allowance)s %% allowance, claimed "
                 "%(amount)s %(currency)s.") % {
            "where": where, "bl": f"{outturn.bl_tonnes:,.3f}", "outturn": f"{outturn.outturn_tonnes:,.3f}",
            "short": f"{outturn.short:,.3f}", "percent": f"{outturn.short_percent:.2f}",
            "claimable": f"{outturn.claimable_tonnes(deal.shortage_allowance_percent):,.3f}",
            "allowance": f"{deal.shortage_allowance_percent.normalize():f}", "amount": f"{suggestion.amount:,.2f}",
            "currency": deal.currency}
    parameter = suggestion.parameter
    return _("Off-spec %(parameter)s on %(where)s: result %(result)s against typical %(typical)s; "
             "claimed %(amount)s %(currency)s.") % {
        "parameter": parameter, "where": where, "result": f"{suggestion.measured.normalize():,f}",
        "typical": f"{parameter.typical.normalize():,f}" if parameter and parameter.typical is not None else "—",
        "amount": f"{suggestion.amount:,.2f}", "currency": deal.currency}


@access.sellers_only
def shipment_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    deal: Deal = access.get_visible_or_404(
        pipeline_selectors.deals_visible_to(request.user).filter(outcome=Outcome.WON)
        .select_related("customer", "specification", "owner"), pk=pk)
    if not selectors.can_record_execution(request.user, deal):
        raise PermissionDenied
    form = ShipmentForm(request.POST or None, instance=Shipment(deal=deal), deal=deal,
                        may_accept=access.manages(request.user, deal.owner))
    if request.method == "POST" and form.is_valid():
        try:
            shipment = services.shipment_save(shipment=form.save(commit=False), by=request.user,
                                              acceptance_reason=form.cleaned_data.get("acceptance_reason", ""))
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Shipment %(number)s was added.") % {"number": shipment.number})
            return redirect("shipments:detail", pk=shipment.pk)
    return render(request, "execution/shipment_form.html", {"form": form, "deal": deal})


@access.sellers_only
def shipment_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The shipment's page; a POST saves its facts."""
    with joins_as_written():  # the shipment by its key with its contract and their related rows (accounts.sql)
        shipment = _shipment_or_404(request, pk)
    if request.method != "POST":
        return _detail_page(request, shipment)
    # The form edits a copy, so that a refused save leaves the page's figures as recorded.
    edited = _recordable(request, pk)
    form = _facts_form(request, edited, request.POST)
    if form.is_valid():
        try:
            services.shipment_save(shipment=form.save(commit=False), by=request.user,
                                   expected_version=form.cleaned_data.get("version"),
                                   acceptance_reason=form.cleaned_data.get("acceptance_reason", ""))
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The shipment was saved."))
            return redirect("shipments:detail", pk=pk)
    return _detail_page(request, shipment, facts_form=form)


@access.sellers_only
def assay_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Record an assay; with ?corrects=<id>, the assay that supersedes a standing one."""
    shipment = _shipment_or_404(request, pk)
    if request.method == "POST" or "corrects" in request.GET:
        shipment = _recordable(request, pk)
    corrects_id = params.optional_id(request.POST.get("corrects") or request.GET.get("corrects"))
    corrected = None
    if corrects_id is not None:
        corrected = access.get_visible_or_404(
            selectors.standing_assays(shipment), pk=corrects_id)
    deal = shipment.deal
    parameters = selectors.parameters_of(deal)
    initial = {}
    if corrected is not None:
        initial = {"place": corrected.place, "laboratory": corrected.laboratory,
                   **{AssayForm.result_name(result.parameter): result.value for result in corrected.results.all()}}
    form = AssayForm(request.POST or None, parameters=parameters, deal=deal, correcting=corrected is not None,
                     initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.assay_record(
                shipment=shipment, place=form.cleaned_data["place"], laboratory=form.cleaned_data["laboratory"],
                certificate_number=form.cleaned_data["certificate_number"],
                certificate_date=form.cleaned_data["certificate_date"], results=form.results(), by=request.user,
                supersedes=corrected, reason=form.cleaned_data.get("reason", ""))
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The assay was recorded."))
            return redirect("shipments:detail", pk=pk)
    return render(request, "execution/assay_form.html", {
        "form": form, "shipment": shipment, "deal": deal, "corrected": corrected,
        "can_record": selectors.can_record_execution(request.user, deal) and not shipment.finalised_at})


@access.sellers_only
@require_POST
def shipment_finalise(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    shipment = _recordable(request, pk)
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The page was out of date: check the figures and confirm again."))
        return redirect("shipments:detail", pk=pk)
    try:
        services.shipment_finalise(shipment=shipment, by=request.user, expected_version=form.cleaned_data["version"])
    except RuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The final value is confirmed."))
    return redirect("shipments:detail", pk=pk)


def _laytime_initial(statement: LaytimeStatement | None) -> tuple[dict, list[dict]]:
    if statement is None:
        return {}, []
    periods = [{"kind": each.kind, "starts_at": timezone.localtime(each.starts_at),
                "ends_at": timezone.localtime(each.ends_at), "note": each.note} for each in statement.exceptions.all()]
    return ({"notice_tendered_at": timezone.localtime(statement.notice_tendered_at),
             "completed_at": timezone.localtime(statement.completed_at)}, periods)


@access.sellers_only
def laytime_edit(request: AuthenticatedRequest, pk: int, port: str) -> HttpResponse:
    """Record or correct the laytime statement of one port call."""
    if port not in PortRole.values:
        raise Http404
    shipment = _shipment_or_404(request, pk)
    if request.method == "POST":
        shipment = _recordable(request, pk)
    statement = shipment.laytime.filter(port_role=port).prefetch_related("exceptions").first()
    initial, periods = _laytime_initial(statement)
    form = LaytimeForm(request.POST or None, initial=initial)
    formset = ExceptedPeriodFormSet(request.POST or None, initial=periods, prefix="periods")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        exceptions = [each for period in formset if (each := period.exception()) is not None]
        try:
            services.laytime_record(shipment=shipment, port_role=port, by=request.user, exceptions=exceptions,
                                    notice_tendered_at=form.cleaned_data["notice_tendered_at"],
                                    completed_at=form.cleaned_data["completed_at"])
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The laytime statement was saved."))
            return redirect("shipments:detail", pk=pk)
    deal = shipment.deal
    return render(request, "execution/laytime_form.html", {
        "form": form, "formset": formset, "shipment": shipment, "deal": deal,
        "port_label": PortRole(port).label, "has_rate": selectors.laytime_terms(deal, port, frozenset()) is not None,
        "can_record": selectors.can_record_execution(request.user, deal)})


@access.complaint_recorders_only
def claim_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The complaint a suggested claim calls for, prefilled, for whoever records complaints to confirm:
    the contract's sellers from the shipment page, customer service from the customer's page."""
    shipment = access.get_visible_or_404(
        selectors.claimable_shipments_for(request.user).select_related("deal__customer", "deal__specification"),
        pk=pk)
    source = request.POST if request.method == "POST" else request.GET
    kind, parameter_id = source.get("kind"), params.optional_id(source.get("parameter"))
    suggestion = next((each for each in selectors.suggested_claims(shipment) if each.kind == kind
                       and (each.parameter.pk if each.parameter else None) == parameter_id), None)
    if suggestion is None:
        messages.info(request, _("That claim is raised already, or the figures no longer call for it."))
        if selectors.shipments_visible_to(request.user).filter(pk=pk).exists():
            return redirect("shipments:detail", pk=pk)
        return redirect("customers:section", pk=shipment.deal.customer_id, section=SERVICE)
    text = _claim_text(shipment, suggestion, selectors.outturn_of(shipment))
    form = ClaimForm(request.POST or None, initial={"description": text})
    if request.method == "POST" and form.is_valid():
        try:
            complaint = services.claim_raise(shipment=shipment, suggestion=suggestion, by=request.user,
                                             **form.cleaned_data)
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Complaint #%(number)d was recorded.") % {"number": complaint.pk})
            return redirect("complaints:detail", pk=complaint.pk)
    return render(request, "execution/claim_form.html", {
        "form": form, "shipment": shipment, "deal": shipment.deal, "suggestion": suggestion, "text": text,
        "parameter_id": parameter_id,
        # Customer service sees no contract: its way back is the customer's page, the tab of its claims.
        "back": reverse("shipments:detail", args=[pk]) if selectors.shipments_visible_to(request.user).filter(
            pk=pk).exists() else reverse("customers:section", args=[shipment.deal.customer_id, SERVICE])})


@access.complaint_recorders_only
def claim_tie(request: AuthenticatedRequest, complaint_pk: int, pk: int) -> HttpResponse:
    """Tie a quality or quantity complaint recorded by hand to the shipment it is about, with its figures,
    prefilled from what the shipment's figures suggest."""
    complaint = access.get_visible_or_404(customer_selectors.complaints_visible_to(request.user), pk=complaint_pk)
    if not selectors.can_tie_claim(request.user, complaint):
        raise PermissionDenied
    shipment = access.get_visible_or_404(selectors.tie_candidates(request.user, complaint)
                                         .select_related("deal__customer", "deal__specification"), pk=pk)
    deal, quality = shipment.deal, complaint.category == Complaint.Category.QUALITY
    kind = CargoClaim.Kind.QUALITY if quality else CargoClaim.Kind.QUANTITY
    suggestion = next((each for each in selectors.suggested_claims(shipment) if each.kind == kind), None)
    initial: dict[str, object] = {}
    if suggestion is not None:
        initial = {"parameter": suggestion.parameter, "measured": suggestion.measured,
                   "claimed_amount": suggestion.amount}
    if complaint.claimed_amount is not None and complaint.claimed_currency in ("", deal.currency):
        initial["claimed_amount"] = complaint.claimed_amount  # what the customer claims, as recorded
    form = ClaimTieForm(request.POST or None, initial=initial, deal=deal, quality=quality)
    if request.method == "POST" and form.is_valid():
        try:
            services.claim_tie(complaint=complaint, shipment=shipment, parameter=form.cleaned_data.get("parameter"),
                               measured=form.cleaned_data["measured"],
                               claimed_amount=form.cleaned_data["claimed_amount"], by=request.user)
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The complaint is tied to shipment %(reference)s.")
                             % {"reference": f"{deal.contract_number}/{shipment.number}"})
            return redirect("complaints:detail", pk=complaint.pk)
    return render(request, "execution/claim_tie.html", {
        "form": form, "complaint": complaint, "shipment": shipment, "deal": deal,
        "outturn": selectors.outturn_of(shipment)})
