"""Letter of credit pages: an L/C's terms, checks, amendments, presentations and discrepancies, and the
forms for its next step. Scoped like the contract: 404 outside it, 403 on a change by someone who may
only look."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access
from accounts.pages import AuthenticatedRequest
from accounts.services import RuleError
from customers.models import PaymentTerms
from pipeline import selectors as pipeline_selectors
from pipeline.models import Deal, Outcome

from . import selectors, services
from .forms import (
    AmendmentForm,
    BankDateForm,
    DiscrepancyForm,
    LetterOfCreditForm,
    PresentationForm,
    ResolutionForm,
)
from .models import Discrepancy, Document, LCAmendment, LetterOfCredit, Presentation

Status = LetterOfCredit.Status


def _visible(request: AuthenticatedRequest):
    return selectors.letters_of_credit_visible_to(request.user).select_related(
        "deal__customer", "deal__owner", "deal__commodity", "created_by")


def _letter_or_404(request: AuthenticatedRequest, pk: int) -> LetterOfCredit:
    return access.get_visible_or_404(_visible(request), pk=pk)


def _recordable(request: AuthenticatedRequest, pk: int) -> LetterOfCredit:
    letter = _letter_or_404(request, pk)
    if not selectors.can_record_letters_of_credit(request.user, letter.deal):
        raise PermissionDenied
    return letter


def _shown(name: str, value: Any) -> str:
    """A term's value as an amendment kept it, as the page shows it."""
    field = LetterOfCredit._meta.get_field(name)
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name == "documents":
        return ", ".join(str(Document(each).label) for each in value if each in Document.values) or "—"
    choices = dict(getattr(field, "choices", None) or ())
    if value in choices:
        return str(choices[value])
    if name in ("latest_shipment_date", "expiry_date"):
        return formats.date_format(date.fromisoformat(value), "SHORT_DATE_FORMAT")
    if name == "amount":
        return f"{Decimal(value):,.2f}"
    return str(value)


def change_rows(amendment: LCAmendment) -> list[tuple[str, str, str]]:
    """What an amendment changed: (term, was, became), in the reader's language."""
    return [(capfirst(str(LetterOfCredit._meta.get_field(change["field"]).verbose_name)),  # type: ignore[union-attr]
             _shown(change["field"], change["old"]), _shown(change["field"], change["new"]))
            for change in amendment.changes]


def _detail_page(request: AuthenticatedRequest, letter: LetterOfCredit) -> HttpResponse:
    deal = letter.deal
    today = timezone.localdate()
    letters = list(deal.letters_of_credit.all())
    shipments = list(deal.shipments.all())
    presentations = selectors.presentations_of(letters)
    coverage, states = selectors.contract_credits(deal, letters, shipments, presentations, today)
    state = next(each for each in states if each.letter.pk == letter.pk)
    can_record = selectors.can_record_letters_of_credit(request.user, deal)
    presentable = selectors.presentable_shipments(shipments, presentations)
    version = {"version": letter.version}
    may_present = letter.status in services.BEFORE_PAYMENT and bool(presentable) and (
        letter.partial_shipments_allowed or not state.presentations)
    return render(request, "letters_of_credit/letter_of_credit_detail.html", {
        "letter": letter, "deal": deal, "state": state, "coverage": coverage, "can_record": can_record,
        "contract_range": selectors.checks.contract_value_range(deal.quantity_tonnes, deal.tolerance_percent,
                                                                deal.price_per_tonne),
        "usable": selectors.checks.usable_maximum(letter.amount, letter.tolerance_percent),
        "amendments": [(amendment, change_rows(amendment))
                       for amendment in letter.amendments.select_related("recorded_by")],
        "deadlines": [(shipment, selectors.checks.presentation_deadline(
            bl_date=shipment.bl_date, presentation_days=letter.presentation_days, expiry_date=letter.expiry_date))
            for shipment in presentable] if letter.status in services.BEFORE_PAYMENT else [],
        "may_amend": can_record and letter.status in services.BEFORE_PAYMENT,
        "may_receive": can_record and letter.status == Status.EXPECTED,
        "may_present": can_record and may_present,
        "discrepancy_form": DiscrepancyForm(initial=version) if can_record and letter.status in (
            Status.PRESENTED, Status.DISCREPANT) else None,
        "resolution_form": ResolutionForm(initial={**version, "resolved_on": today})
        if can_record and letter.status == Status.DISCREPANT else None,
        "accept_form": BankDateForm(initial={**version, "day": today}, auto_id="id_accept_%s")
        if can_record and letter.status == Status.PRESENTED else None,
        "paid_form": BankDateForm(initial={**version, "day": today}, auto_id="id_paid_%s")
        if can_record and (letter.status == Status.ACCEPTED or letter.status == Status.PRESENTED
                           and letter.kind == LetterOfCredit.Kind.SIGHT) else None,
    })


@access.sellers_only
def letter_of_credit_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _letter_or_404(request, pk))


def _initial_terms(deal: Deal) -> dict[str, Any]:
    """A new L/C as the contract calls for it: its maximum value, currency and tolerance."""
    return {"amount": deal.amount.quantize(Decimal("0.01")), "currency": deal.currency,
            "tolerance_percent": deal.tolerance_percent, "partial_shipments_allowed": deal.liftings > 1,
            "kind": (LetterOfCredit.Kind.USANCE if deal.payment_terms == PaymentTerms.LC_USANCE
                     else LetterOfCredit.Kind.SIGHT),
            "documents": [Document.INVOICE, Document.BILL_OF_LADING, Document.QUALITY, Document.WEIGHT,
                          Document.ORIGIN]}


@access.sellers_only
def letter_of_credit_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    deal: Deal = access.get_visible_or_404(
        pipeline_selectors.deals_visible_to(request.user).filter(outcome=Outcome.WON)
        .select_related("customer", "owner"), pk=pk)
    if not selectors.can_record_letters_of_credit(request.user, deal):
        raise PermissionDenied
    form = LetterOfCreditForm(request.POST or None, instance=LetterOfCredit(deal=deal), initial=_initial_terms(deal))
    if request.method == "POST" and form.is_valid():
        try:
            letter = services.letter_of_credit_record(
                letter=form.save(commit=False), by=request.user,
                received_on=form.cleaned_data.get("received_on") or timezone.localdate())
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The letter of credit was recorded."))
            return redirect("letters_of_credit:detail", pk=letter.pk)
    return render(request, "letters_of_credit/letter_of_credit_form.html", {"form": form, "deal": deal,
                                                                            "letter": None})


@access.sellers_only
def letter_of_credit_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The terms of an L/C still expected; given its number, it is received."""
    letter = _recordable(request, pk)
    if letter.status != Status.EXPECTED:
        messages.info(request, _("This L/C is received: its terms change only by an amendment."))
        return redirect("letters_of_credit:detail", pk=pk)
    form = LetterOfCreditForm(request.POST or None, instance=letter)
    if request.method == "POST" and form.is_valid():
        try:
            services.letter_of_credit_update(
                letter=form.save(commit=False), by=request.user, expected_version=form.cleaned_data["version"],
                received_on=form.cleaned_data.get("received_on") or timezone.localdate())
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The letter of credit was saved."))
            return redirect("letters_of_credit:detail", pk=pk)
    return render(request, "letters_of_credit/letter_of_credit_form.html", {"form": form, "deal": letter.deal,
                                                                            "letter": letter})


@access.sellers_only
def amendment_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    letter = _recordable(request, pk)
    form = AmendmentForm(request.POST or None, instance=_letter_or_404(request, pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.letter_of_credit_amend(
                letter=letter, terms=form.terms(), issued_on=form.cleaned_data["bank_issued_on"],
                note=form.cleaned_data["note"], by=request.user, expected_version=form.cleaned_data["version"])
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The amendment was recorded."))
            return redirect("letters_of_credit:detail", pk=pk)
    return render(request, "letters_of_credit/amendment_form.html", {"form": form, "letter": letter,
                                                                     "deal": letter.deal})


@access.sellers_only
def presentation_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    letter = _recordable(request, pk)
    deal = letter.deal
    presentations = list(Presentation.objects.filter(letter_of_credit__deal=deal))
    shipments = selectors.presentable_shipments(list(deal.shipments.all()), presentations)
    form = PresentationForm(request.POST or None, letter=letter, shipments=shipments)
    if request.method == "POST" and form.is_valid():
        try:
            services.presentation_record(
                letter=letter, shipment=form.cleaned_data["shipment"],
                presented_on=form.cleaned_data["presented_on"], documents=form.cleaned_data["documents"],
                discrepancies=form.discrepancy_lines(), by=request.user,
                expected_version=form.cleaned_data["version"])
        except RuleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The presentation was recorded."))
            return redirect("letters_of_credit:detail", pk=pk)
    return render(request, "letters_of_credit/presentation_form.html", {"form": form, "letter": letter,
                                                                        "deal": deal})


def _stale(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    messages.error(request, _("The page was out of date: check the L/C and try again."))
    return redirect("letters_of_credit:detail", pk=pk)


def _done(request: AuthenticatedRequest, pk: int, call: Any, note: str) -> HttpResponse:
    try:
        call()
    except RuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, note)
    return redirect("letters_of_credit:detail", pk=pk)


@access.sellers_only
@require_POST
def discrepancy_create(request: AuthenticatedRequest, pk: int, presentation_pk: int) -> HttpResponse:
    letter = _recordable(request, pk)
    presentation = access.get_visible_or_404(letter.presentations.select_related("letter_of_credit__deal"),
                                             pk=presentation_pk)
    form = DiscrepancyForm(request.POST)
    if not form.is_valid():
        return _stale(request, pk)
    return _done(request, pk, lambda: services.discrepancy_record(
        presentation=presentation, description=form.cleaned_data["description"], by=request.user,
        expected_version=form.cleaned_data["version"]), _("The discrepancy was recorded."))


@access.sellers_only
@require_POST
def discrepancy_resolve(request: AuthenticatedRequest, pk: int, discrepancy_pk: int) -> HttpResponse:
    letter = _recordable(request, pk)
    discrepancy: Discrepancy = access.get_visible_or_404(
        Discrepancy.objects.filter(presentation__letter_of_credit=letter)
        .select_related("presentation__letter_of_credit__deal"), pk=discrepancy_pk)
    form = ResolutionForm(request.POST)
    if not form.is_valid():
        return _stale(request, pk)
    return _done(request, pk, lambda: services.discrepancy_resolve(
        discrepancy=discrepancy, resolution=form.cleaned_data["resolution"],
        resolved_on=form.cleaned_data["resolved_on"], by=request.user, expected_version=form.cleaned_data["version"]),
        _("The discrepancy is resolved."))


def _bank_date(request: AuthenticatedRequest, pk: int, service: Any, day_name: str, note: str) -> HttpResponse:
    """The bank accepted the documents, or paid, on the day given."""
    letter = _recordable(request, pk)
    form = BankDateForm(request.POST)
    if not form.is_valid():
        return _stale(request, pk)
    return _done(request, pk, lambda: service(letter=letter, by=request.user, expected_version=form.cleaned_data[
        "version"], **{day_name: form.cleaned_data["day"]}), note)


@access.sellers_only
@require_POST
def letter_of_credit_accept(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _bank_date(request, pk, services.letter_of_credit_accept, "accepted_on",
                      _("The bank's acceptance is recorded."))


@access.sellers_only
@require_POST
def letter_of_credit_paid(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _bank_date(request, pk, services.letter_of_credit_paid, "paid_on",
                      _("The payment under the L/C is recorded."))
