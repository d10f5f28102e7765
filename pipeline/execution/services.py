"""Writes of contract execution. Each checks who may write and what the contract allows, and raises
a translated RuleError the form shows; the recorded facts keep their history, an assay is never
edited (a correction supersedes it) and a confirmed final value changes no more."""

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.changes import figures_changed
from accounts.choices import display
from accounts.models import User
from accounts.services import RuleError
from customers import complaints
from customers.models import Complaint
from pipeline.models import Deal, Outcome, PortRole, SpecParameter
from pipeline.selectors import counted_for

from . import pricing
from .models import Assay, AssayResult, CargoClaim, LaytimeException, LaytimeStatement, Shipment
from .selectors import SuggestedClaim, can_record_execution, can_tie_claim, off_spec_q, valuation


def shipments_hold_the_signing(deal: Deal) -> str | None:
    """A contract with shipments recorded is being executed: it is not moved back to negotiation."""
    if Shipment.objects.filter(deal=deal).exists():
        return _("This contract has shipments recorded: it is being executed and cannot be moved back.")
    return None


def loaded_cargo_holds_the_cancel(deal: Deal) -> str | None:
    """Cargo loaded under a contract (a B/L issued) is a sale made: the contract is not cancelled."""
    if Shipment.objects.filter(deal=deal, bl_date__isnull=False).exists():
        return _("Cargo has been loaded under this contract (a B/L is recorded): it cannot be cancelled.")
    return None


def _check_recorder(by: User, deal: Deal) -> None:
    if deal.outcome != Outcome.WON:
        raise RuleError(_("Only a signed contract has shipments."))
    if not can_record_execution(by, deal):
        raise RuleError(_("Only the contract's owner, their manager or a director records its shipments."))


def _locked(shipment: Shipment, expected_version: int | None) -> Shipment:
    current = Shipment.objects.select_for_update().get(pk=shipment.pk)
    if expected_version is not None and current.version != expected_version:
        raise RuleError(_("Someone else changed this shipment while you were editing it. Your input is below; "
                          "check the shipment's current figures and save again."))
    if current.finalised_at:
        raise RuleError(_("This shipment's final value is confirmed: its figures no longer change."))
    return current


def laycan_outside(start: date | None, end: date | None, contract_start: date | None,
                   contract_end: date | None) -> bool:
    """Whether a shipment's narrowed laycan leaves the contract's. A laycan with one date set is that day (as the
    calendar draws it); a contract laycan open at one end bounds only the other."""
    first, last = start or end, end or start
    return bool(first and contract_start and first < contract_start or last and contract_end and last > contract_end)


def _check_laycan(shipment: Shipment, deal: Deal) -> None:
    start, end = shipment.laycan_start, shipment.laycan_end
    if start and end and end < start:
        raise RuleError(_("The laycan cannot end before it starts."))
    if laycan_outside(start, end, deal.laycan_start, deal.laycan_end):
        raise RuleError(_contract_laycan_refusal(deal.laycan_start, deal.laycan_end))


def _contract_laycan_refusal(start: date | None, end: date | None) -> str:
    """The shipment form's message, its dates as the user writes them; a contract laycan open at one end says so."""
    if start and end:
        return (_("The narrowed laycan must lie within the contract's, %(start)s to %(end)s.")
                % {"start": _day(start), "end": _day(end)})
    if start:
        return _("The narrowed laycan must not begin before the contract's, %(start)s.") % {"start": _day(start)}
    assert end is not None  # laycan_outside found the laycan outside a bound
    return _("The narrowed laycan must not end after the contract's, %(end)s.") % {"end": _day(end)}


def _day(value: date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def recorded_shipments_hold_the_amendment(amended: Deal) -> str | None:
    """New terms that the shipments already recorded would break: fewer liftings than there are shipments, or a
    laycan that a shipment's narrowed laycan leaves. The shipment is changed first, or the amendment is not made."""
    # Their narrowed laycans as stored (`laycan_from`, `laycan_to`: a single date set read as that day).
    shipments = list(Shipment.objects.filter(deal=amended.pk).order_by("number")
                     .values_list("number", "laycan_from", "laycan_to"))
    if len(shipments) > amended.liftings:
        return (_("This contract has %(count)s shipments recorded: it cannot be amended to fewer liftings.")
                % {"count": len(shipments)})
    for number, first, last in shipments:
        if laycan_outside(first, last, amended.laycan_start, amended.laycan_end):
            return (_("Shipment %(number)s's laycan, %(start)s to %(end)s, lies outside the new contract laycan: "
                      "change the shipment's laycan first.")
                    % {"number": number, "start": _day(first), "end": _day(last)})
    return None


def lifting_range(deal: Deal) -> tuple[Decimal, Decimal]:
    """The least and most one shipment's B/L may be: its share of the contract, more or less the tolerance."""
    return pricing.tolerance_range(deal.quantity_tonnes / deal.liftings, deal.tolerance_percent)


def bl_outside_tolerance(shipment: Shipment) -> bool:
    if shipment.bl_tonnes is None:
        return False
    least, most = lifting_range(shipment.deal)
    return not least <= shipment.bl_tonnes <= most


def _check_quantities(shipment: Shipment, *, by: User, acceptance_reason: str) -> None:
    if shipment.outturn_tonnes is not None and shipment.bl_tonnes is None:
        raise RuleError(_("Record the B/L quantity before the outturn."))
    if shipment.discharge_completed_at and not shipment.discharge_arrived_at:
        raise RuleError(_("Record when the vessel arrived at the discharge port before the discharge is completed."))
    if shipment.discharge_completed_at and shipment.discharge_arrived_at \
            and shipment.discharge_completed_at < shipment.discharge_arrived_at:
        raise RuleError(_("The discharge cannot be completed before the vessel arrived."))
    if not bl_outside_tolerance(shipment):
        shipment.bl_accepted_by, shipment.bl_acceptance_reason = None, ""
        return
    if shipment.bl_accepted_by_id:
        return  # accepted before, and the quantity did not change
    deal = shipment.deal
    least, most = lifting_range(deal)
    bounds = {"least": f"{least:,.0f}", "most": f"{most:,.0f}", "option": display(deal, "tolerance_option")}
    if not access.manages(by, deal.owner):
        raise RuleError(_("This B/L quantity takes the contract outside its tolerance (%(least)s t to %(most)s t, "
                          "%(option)s). Only a manager can accept it, with a reason.") % bounds)
    if not acceptance_reason.strip():
        raise RuleError(_("This B/L quantity is outside the contract's tolerance (%(least)s t to %(most)s t, "
                          "%(option)s): say why you accept it.") % bounds)
    shipment.bl_accepted_by, shipment.bl_acceptance_reason = by, acceptance_reason.strip()


@transaction.atomic
def shipment_save(*, shipment: Shipment, by: User, expected_version: int | None = None,
                  acceptance_reason: str = "") -> Shipment:
    """Record a shipment's nomination, B/L, discharge and outturn (a new one gets the next number)."""
    deal = Deal.objects.select_for_update().get(pk=shipment.deal_id)
    shipment.deal = deal
    _check_recorder(by, deal)
    lifted_before: tuple[date | None, Decimal | None] = (None, None)
    if shipment.pk:
        current = _locked(shipment, expected_version)
        lifted_before = (current.bl_date, current.bl_tonnes)
        if current.bl_tonnes != shipment.bl_tonnes:
            shipment.bl_accepted_by = None  # a new quantity needs its own acceptance
        shipment.version = current.version + 1
    else:
        shipment.number = (deal.shipments.aggregate(last=Max("number"))["last"] or 0) + 1
        if shipment.number > deal.liftings:
            raise RuleError(_("The contract is lifted in %(count)s shipments: amend it to add another.")
                            % {"count": deal.liftings})
    _check_laycan(shipment, deal)
    _check_quantities(shipment, by=by, acceptance_reason=acceptance_reason)
    shipment.save()
    if lifted_before != (shipment.bl_date, shipment.bl_tonnes):  # the tonnes delivered, in the B/L's month
        figures_changed(days=[lifted_before[0], shipment.bl_date], people=counted_for(deal))
    return shipment


@transaction.atomic
def assay_record(*, shipment: Shipment, place: str, laboratory: str, certificate_number: str,
                 certificate_date: date, results: dict[SpecParameter, Decimal], by: User,
                 supersedes: Assay | None = None, reason: str = "") -> Assay:
    """Record an inspector's certificate with one result per parameter of the contract's specification."""
    deal = shipment.deal
    _check_recorder(by, deal)
    _locked(shipment, None)
    if not deal.specification_id:
        raise RuleError(_("The contract's grade is not on the list of specifications: choose its specification "
                          "(by an amendment) before recording assays."))
    if any(parameter.specification_id != deal.specification_id for parameter in results):
        raise RuleError(_("An assay gives results only for the parameters of the contract's specification."))
    if not results:
        raise RuleError(_("Give at least one result."))
    if place not in PortRole.values:
        raise RuleError(_("Say where the cargo was sampled."))
    if supersedes is not None:
        if supersedes.shipment_id != shipment.pk or hasattr(supersedes, "superseded_by"):
            raise RuleError(_("Only a standing assay of this shipment can be corrected."))
        if not reason.strip():
            raise RuleError(_("Say why the assay is corrected."))
    assay = Assay.objects.create(shipment=shipment, place=place, laboratory=laboratory.strip(),
                                 certificate_number=certificate_number.strip(), certificate_date=certificate_date,
                                 supersedes=supersedes, correction_reason=reason.strip(), recorded_by=by)
    AssayResult.objects.bulk_create(AssayResult(assay=assay, parameter=parameter, value=value)
                                    for parameter, value in results.items())
    judge_results(AssayResult.objects.filter(assay=assay))
    return assay


def judge_results(results: QuerySet[AssayResult]) -> int:
    """Mark the results off spec that are (selectors.off_spec_q), once, as they are recorded: by an assay, or
    written in bulk (the large demo data). Returns how many are off spec."""
    return results.filter(off_spec_q()).update(off_spec=True)


@transaction.atomic
def laytime_record(*, shipment: Shipment, port_role: str, notice_tendered_at: datetime,
                   completed_at: datetime | None, exceptions: list[LaytimeException], by: User) -> LaytimeStatement:
    """Record (or correct) the times of a port call and the periods excepted; the figures follow."""
    _check_recorder(by, shipment.deal)
    # Laytime is settled apart from the cargo's value: it may be recorded after the value is final.
    Shipment.objects.select_for_update().get(pk=shipment.pk)
    if completed_at is not None and completed_at <= notice_tendered_at:
        raise RuleError(_("Loading or discharge is completed after notice of readiness is tendered."))
    for each in exceptions:
        if each.ends_at <= each.starts_at:
            raise RuleError(_("An excepted period ends after it starts."))
    statement, _created = LaytimeStatement.objects.update_or_create(
        shipment=shipment, port_role=port_role,
        defaults={"notice_tendered_at": notice_tendered_at, "completed_at": completed_at, "recorded_by": by})
    statement.exceptions.all().delete()
    for each in exceptions:
        each.statement = statement
    LaytimeException.objects.bulk_create(exceptions)
    return statement


@transaction.atomic
def shipment_finalise(*, shipment: Shipment, by: User, expected_version: int) -> Shipment:
    """Confirm the final value on the final assay and quantity: from then on a fact."""
    _check_recorder(by, shipment.deal)
    current = _locked(shipment, expected_version)
    worth = valuation(current)
    if worth.adjusted is not None and worth.adjusted.rejected:
        raise RuleError(_("The final assay makes this cargo rejectable: settle it as a claim, not at a value."))
    if worth.value is None or worth.quantity is None or worth.price is None:
        raise RuleError(_("The final value needs the quantity the contract counts and the final assay."))
    current.final_quantity, current.final_price = worth.quantity, worth.price.quantize(Decimal("0.000001"))
    current.final_value, current.final_value_base = worth.value, worth.value_base
    current.finalised_at, current.finalised_by = timezone.now(), by
    current.version += 1
    current.save()
    return current


@transaction.atomic
def claim_raise(*, shipment: Shipment, suggestion: SuggestedClaim, assignee: User, channel: str, severity: str,
                received_at: datetime, description: str, by: User) -> Complaint:
    """Record the complaint a short-landing or an off-spec result calls for, tied to the cargo."""
    deal = shipment.deal
    category = (Complaint.Category.QUANTITY if suggestion.kind == CargoClaim.Kind.QUANTITY
                else Complaint.Category.QUALITY)
    complaint = complaints.complaint_record(
        customer=deal.customer, contact=None, category=category, severity=severity, channel=channel,
        description=description, contract_number=deal.contract_number, claimed_amount=suggestion.amount,
        claimed_currency=deal.currency, assignee=assignee, received_at=received_at, by=by)
    CargoClaim.objects.create(complaint=complaint, shipment=shipment, kind=suggestion.kind,
                              parameter=suggestion.parameter, measured=suggestion.measured,
                              claimed_amount=suggestion.amount)
    figures_changed(days=[timezone.localdate(received_at)], people=counted_for(deal))  # the claims' value
    return complaint


@transaction.atomic
def claim_tie(*, complaint: Complaint, shipment: Shipment, parameter: SpecParameter | None, measured: Decimal,
              claimed_amount: Decimal, by: User) -> CargoClaim:
    """Tie a complaint recorded by hand to the cargo it is about, with its figures: from then on it counts
    among the shipment's claims, and the same shortage or result is not suggested again."""
    # Locked so that two people tying the same complaint at once leave one claim.
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if not can_tie_claim(by, complaint):
        raise RuleError(_("This complaint is tied to a shipment already, or is closed."))
    if shipment.deal.customer_id != complaint.customer_id:
        raise RuleError(_("That shipment is another customer's."))
    kind = CargoClaim.Kind.QUANTITY if complaint.category == Complaint.Category.QUANTITY else CargoClaim.Kind.QUALITY
    if kind == CargoClaim.Kind.QUALITY and (parameter is None or parameter.specification_id
                                            != shipment.deal.specification_id):
        raise RuleError(_("Choose the parameter of the contract's specification the claim is about."))
    if kind == CargoClaim.Kind.QUANTITY:
        parameter = None
    raised = CargoClaim.objects.filter(shipment=shipment, kind=kind, parameter=parameter).first()
    if raised is not None:
        raise RuleError(_("This cargo's claim is raised already, on complaint #%(number)d.")
                        % {"number": raised.complaint_id})
    if complaint.claimed_amount is None:
        complaint.claimed_amount, complaint.claimed_currency = claimed_amount, shipment.deal.currency
        complaint.save(update_fields=["claimed_amount", "claimed_currency"])
    claim = CargoClaim.objects.create(complaint=complaint, shipment=shipment, kind=kind, parameter=parameter,
                                      measured=measured, claimed_amount=claimed_amount)
    figures_changed(days=[timezone.localdate(complaint.received_at)], people=counted_for(shipment.deal))
    return claim
