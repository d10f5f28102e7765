"""Contract execution's parts of pages of the apps below it (registered in ExecutionConfig.ready): a
signed deal's shipments and its state on the board's cards, the vessels on the laycan calendar, the
cargo a complaint's claim is about, and a customer's claims."""

from collections.abc import Collection, Iterable
from datetime import date

from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy

from accounts.models import User, in_reader_language
from accounts.pages import AuthenticatedRequest, address_pattern
from customers.models import Complaint, Customer
from pipeline.deal_panels import DealBadge
from pipeline.laycan_sources import LaycanEntry, LaycanSource
from pipeline.models import Deal, Outcome, SpecParameter

from . import selectors
from .models import SHIPMENT_STATE_FIELDS, CargoClaim, Shipment
from .pricing import AdjustmentLine


def deal_execution_panel(request: AuthenticatedRequest, deal: Deal) -> str:
    """The contract's shipments and what is lifted and delivered of it: the same few queries however
    many shipments and assays."""
    if deal.outcome != Outcome.WON:
        return ""
    shipments = list(deal.shipments.all())
    specification_parameters = selectors.parameters_of(deal)
    valuations = selectors.valuations_of(deal, shipments, specification_parameters)
    parameters = {parameter.code: parameter for parameter in specification_parameters}

    def adjustments(worth: selectors.Valuation) -> list[tuple[SpecParameter | str, str, AdjustmentLine]]:
        # Each price adjustment beside the value: the parameter in the reader's language, the result as the
        # certificate gives it (5,350, not 5350.0000) and the change per tonne.
        if worth.adjusted is None or worth.adjusted.rejected:
            return []
        return [(parameters.get(line.parameter, line.parameter), f"{line.result.normalize():,f}", line)
                for line in worth.adjusted.lines]

    dry = selectors.priced_dry(deal)
    moistures = selectors.load_port_moistures(shipments) if dry and shipments else {}
    rows = [{"shipment": shipment, "outturn": selectors.outturn_of(shipment), "worth": valuations[shipment.pk],
             "adjustments": adjustments(valuations[shipment.pk]),
             "provisional": selectors.provisional_value(deal, valuations[shipment.pk], moistures.get(shipment.pk))}
            for shipment in shipments]
    return render_to_string("execution/_deal_panel.html", {
        "deal": deal, "rows": rows, "execution": selectors.contract_execution(deal), "dry": dry,
        "can_add": selectors.can_record_execution(request.user, deal) and len(shipments) < deal.liftings,
    }, request=request)


def complaint_cargo_panel(request: AuthenticatedRequest, complaint: Complaint) -> str:
    """The shipment a claim was raised on, linked for those who see it (customer service sees no contract)."""
    if complaint.category not in (Complaint.Category.QUANTITY, Complaint.Category.QUALITY):
        return ""  # a claim on the cargo is one of these two
    claim = (CargoClaim.objects.filter(complaint=complaint).select_related("shipment__deal", "parameter").first())
    if claim is None:
        return _tie_panel(request, complaint)
    return render_to_string("execution/_complaint_panel.html", {
        "claim": claim, "shipment": claim.shipment,
        "can_open": selectors.shipments_visible_to(request.user).filter(pk=claim.shipment_id).exists(),
    }, request=request)


def _tie_panel(request: AuthenticatedRequest, complaint: Complaint) -> str:
    """A complaint recorded by hand, not tied to its cargo yet: the customer's shipments it may name."""
    if not selectors.may_tie_claims(request.user, complaint):
        return ""
    candidates = list(selectors.tie_candidates(request.user, complaint)[:selectors.TIE_CANDIDATES])
    if not candidates:
        return ""
    return render_to_string("execution/_complaint_tie_panel.html", {
        "complaint": complaint, "candidates": candidates}, request=request)


# A signed contract's state, from its shipments, on its card on the board and its page's header.
contract_state_badge = DealBadge(annotate=selectors.with_execution_state,
                                 template="execution/_contract_state_badge.html", reads=("execution_state",),
                                 outcomes=(Outcome.WON,))


def shipment_laycan_windows(user: User, deals: QuerySet[Deal], first: date, last: date,
                            ) -> Iterable[tuple[int, date, date]]:
    """The nominated vessels' narrowed laycans beside the contracts': their keys and dates, one query."""
    return selectors.shipment_laycans_in(user, deals, first, last).values_list("pk", "laycan_from", "laycan_to")


def describe_shipment_laycans(pks: Collection[int]) -> dict[int, LaycanEntry]:
    """The vessels drawn on the calendar (`pks`: of the shipments its windows gave): what each bar says and where
    it leads, in one query, read as values (a manager's month describes some 70: made into shipments, contracts,
    customers and commodities, they took twice as long)."""
    detail_url = address_pattern("shipments:detail")
    rows = Shipment.objects.filter(pk__in=pks).order_by().values_list(
        "pk", "laycan_from", "laycan_to", "number", *SHIPMENT_STATE_FIELDS, "deal__contract_number",
        "deal__customer__name", "deal__customer__short_name", "deal__commodity__name", "deal__commodity__name_zh")
    entries = {}
    for pk, laycan_from, laycan_to, number, *facts, contract, name, short_name, commodity, commodity_zh in rows:
        vessel = facts[-1]  # the last of SHIPMENT_STATE_FIELDS
        reference = f"{contract}/{number}"
        entries[pk] = LaycanEntry(
            laycan_from=laycan_from, laycan_to=laycan_to, label=vessel or reference,
            reference=reference if vessel else "",
            detail=f"{Customer.label_from(short_name, name)} · {in_reader_language(commodity, commodity_zh)} · "
                   f"{Shipment.state_of(*facts).label}",
            url=detail_url.format(pk))
    return entries


shipment_laycans = LaycanSource(windows=shipment_laycan_windows, describe=describe_shipment_laycans,
                                kind=gettext_lazy("Vessel"))


CUSTOMER_CLAIMS = 10  # the latest; the complaints list has them all


def customer_claims_panel(request: AuthenticatedRequest, customer: Customer) -> str:
    """The customer's cargo claims and how many of its assayed cargoes were off spec, as far as the user
    sees them: four queries however many claims and shipments, fewer for a customer with no claim or no
    shipment; nothing when there is neither."""
    on_record = selectors.cargo_on_record(customer)
    if not on_record.shipped:
        return ""  # no cargo: no claim (each is on a shipment), no assay and nothing to confirm
    claims = list(selectors.customer_claims(request.user, customer)[:CUSTOMER_CLAIMS]) if on_record.claimed else []
    quality = selectors.cargo_quality(request.user, customer)
    to_confirm = selectors.claims_to_confirm(request.user, customer, off_spec_on_record=on_record.off_spec)
    if not claims and not quality.assayed and not to_confirm:
        return ""
    return render_to_string("execution/_customer_claims_panel.html", {
        "customer": customer, "claims": claims, "quality": quality, "to_confirm": to_confirm,
    }, request=request)
