"""Reads of contract execution: which shipments a user sees, and the figures of a shipment and a
contract (final value, outturn, assay judgements, suggested claims), from the pure calculations."""

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import NamedTuple

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts import access
from accounts.models import User
from customers import selectors as customer_selectors
from customers.models import Complaint, Customer
from pipeline import selectors as pipeline_selectors
from pipeline.models import (
    MOISTURE,
    Deal,
    LaytimeDays,
    Outcome,
    PortRole,
    PriceRule,
    QuantityBasis,
    Specification,
    SpecParameter,
)

from . import pricing
from .laytime import LaytimeStatement as Statement
from .laytime import LaytimeTerms, laytime_statement
from .models import Assay, AssayResult, CargoClaim, LaytimeException, LaytimeStatement, Shipment


def shipments_visible_to(user: User, customer: Customer | None = None) -> QuerySet[Shipment]:
    """A shipment is seen by whoever sees its contract (with `customer`: of that customer's contracts)."""
    return pipeline_selectors.of_visible_deals(user, Shipment.objects.all(), customer)


# Shipment.state in SQL, most advanced first: the same tests in the same order as the property.
_STATE_FACTS: list[tuple[Q, Shipment.State]] = [
    (Q(finalised_at__isnull=False), Shipment.State.FINAL),
    (Q(outturn_tonnes__isnull=False) | Q(discharge_completed_at__isnull=False), Shipment.State.DISCHARGED),
    (Q(bl_tonnes__isnull=False), Shipment.State.SAILING),
    (Q(load_arrived_at__isnull=False), Shipment.State.LOADING),
    (~Q(vessel_name=""), Shipment.State.NOMINATED),
]
_STATE_ORDER = [Shipment.State.AWAITING_NOMINATION, *reversed([state for _, state in _STATE_FACTS])]


def state_sql() -> Case:
    """A shipment's `state` as a column."""
    return Case(*[When(facts, then=Value(state.value)) for facts, state in _STATE_FACTS],
                default=Value(Shipment.State.AWAITING_NOMINATION.value), output_field=CharField())


def _progress_sql() -> Case:
    """How far a shipment has come, 0 (awaiting nomination) to 5 (final), to find a contract's least advanced."""
    return Case(*[When(facts, then=Value(_STATE_ORDER.index(state))) for facts, state in _STATE_FACTS],
                default=Value(0), output_field=IntegerField())


def with_execution_state(deals: QuerySet[Deal]) -> QuerySet[Deal]:
    """Each signed contract's `execution_state` (a Shipment.State value), in the deals' own query: the
    least advanced of its shipments not yet final; once all recorded ones are final, "final" if they are
    all its liftings, else awaiting the next nomination. None for a deal not signed."""
    return deals.annotate(execution_state=_execution_state())


@cache
def _execution_state() -> Case:
    """`with_execution_state`'s column, built once per process: it depends on nothing a request gives, and a query
    copies what it takes (Django resolves a copy of an expression), so one serves them all. Built anew, it was half
    the Python work of the deal page's own query (7,500 of its 14,600 calls)."""
    open_shipments = (Shipment.objects.filter(deal=OuterRef("pk"), finalised_at__isnull=True)
                      .annotate(progress=_progress_sql(), state_code=state_sql()).order_by("progress"))
    finals = (Shipment.objects.filter(deal=OuterRef("pk"), finalised_at__isnull=False).order_by().values("deal")
              .annotate(count=Count("pk")).values("count"))
    after_the_open = Case(When(liftings__lte=Coalesce(Subquery(finals), 0), then=Value(Shipment.State.FINAL.value)),
                          default=Value(Shipment.State.AWAITING_NOMINATION.value), output_field=CharField())
    return Case(
        When(outcome=Outcome.WON, then=Coalesce(Subquery(open_shipments.values("state_code")[:1]), after_the_open)),
        default=Value(None), output_field=CharField())


def claimable_shipments_for(user: User) -> QuerySet[Shipment]:
    """The shipments whose suggested claims a user may confirm: those of the contracts they see, and, for
    whoever records complaints, those of the customers they see (customer service sees no contract, but
    it is who takes a claim from the buyer)."""
    if not access.can_record_complaint(user):
        return Shipment.objects.none()
    customers = customer_selectors.customers_visible_to(user)
    return Shipment.objects.filter(Q(deal__in=pipeline_selectors.deals_visible_to(user))
                                   | Q(deal__customer__in=customers), deal__outcome=Outcome.WON)


# How many of the customer's shipments a complaint's page offers to tie it to.
TIE_CANDIDATES = 8


def may_tie_claims(user: User, complaint: Complaint) -> bool:
    """A quality or quantity complaint recorded by hand may be tied to the cargo it is about while it is
    not closed, by whoever records complaints (and only once: see can_tie_claim)."""
    return (complaint.category in (Complaint.Category.QUANTITY, Complaint.Category.QUALITY)
            and complaint.status != Complaint.Status.CLOSED and access.can_record_complaint(user))


def can_tie_claim(user: User, complaint: Complaint) -> bool:
    return may_tie_claims(user, complaint) and not CargoClaim.objects.filter(complaint=complaint).exists()


def tie_candidates(user: User, complaint: Complaint) -> QuerySet[Shipment]:
    """The customer's loaded cargoes a complaint may name: those of the contract it gives first, then the
    latest loaded."""
    matches = Q(deal__contract_number__iexact=complaint.contract_number.strip()) if complaint.contract_number.strip() \
        else Q(pk__in=[])
    shipments = claimable_shipments_for(user).filter(deal__customer=complaint.customer_id, bl_tonnes__isnull=False)
    if complaint.category == Complaint.Category.QUALITY:
        shipments = shipments.filter(deal__specification__isnull=False)  # a result is of a parameter of its grade
    return (shipments
            .annotate(named=Case(When(matches, then=Value(0)), default=Value(1), output_field=IntegerField()))
            .select_related("deal").order_by("named", "-bl_date", "-pk"))


# How many claims to confirm a customer's page lists at most, of each kind.
SUGGESTIONS_LISTED = 5


@dataclass(frozen=True)
class ClaimToConfirm:
    """A shipment whose figures call for a claim not raised yet: its shortage, or a result off spec."""

    shipment: Shipment
    kind: str  # CargoClaim.Kind
    measured: Decimal
    parameter: SpecParameter | None = None

    @property
    def measured_shown(self) -> str:
        return f"{self.measured.normalize():,f}"


def claims_to_confirm(user: User, customer: Customer, *, off_spec_on_record: bool = True) -> list[ClaimToConfirm]:
    """The customer's cargoes valued on the B/L and short beyond their allowance, and their standing
    results off spec, with no claim raised on them yet: two queries, for the page of a customer the user
    sees (each is priced on the claim's page); one when the caller knows the customer's cargo has no result
    off spec (`CargoOnRecord.off_spec`)."""
    if not access.can_record_complaint(user):
        return []
    # claimable_shipments_for, for a customer the user sees: all its won contracts' shipments. Named outright,
    # without its OR of two subqueries, PostgreSQL starts from the customer's contracts, not from every shipment.
    shipments = Shipment.objects.filter(deal__customer=customer, deal__outcome=Outcome.WON)
    # A shortage is claimed only on a cargo valued on its B/L (see suggested_claims).
    short = (shipments.filter(outturn_tonnes__isnull=False, bl_tonnes__isnull=False,
                              deal__quantity_basis=QuantityBasis.BL,
                              outturn_tonnes__lt=F("bl_tonnes") - F("bl_tonnes")
                              * F("deal__shortage_allowance_percent") / 100)
             .exclude(Exists(CargoClaim.objects.filter(shipment=OuterRef("pk"), kind=CargoClaim.Kind.QUANTITY)))
             .select_related("deal").only("bl_tonnes", "outturn_tonnes", *_CARGO_NAMED).order_by("-pk")
             [:SUGGESTIONS_LISTED])
    # The same contracts, on the join the rows are read with (a semi-join on `shipments` too cost PostgreSQL more
    # to plan than to run).
    off_spec = (unclaimed_off_spec_results().filter(assay__shipment__deal__customer=customer,
                                                    assay__shipment__deal__outcome=Outcome.WON)
                .select_related("parameter", "assay__shipment__deal")
                .only("value", "parameter", *(f"assay__shipment__{name}" for name in _CARGO_NAMED))
                .order_by("-pk")[:SUGGESTIONS_LISTED]) if off_spec_on_record else []
    found = [ClaimToConfirm(shipment, CargoClaim.Kind.QUANTITY, shipment.bl_tonnes - shipment.outturn_tonnes)
             for shipment in short if shipment.bl_tonnes is not None and shipment.outturn_tonnes is not None]
    found += [ClaimToConfirm(result.assay.shipment, CargoClaim.Kind.QUALITY, result.value, result.parameter)
              for result in off_spec]
    return found


def can_record_execution(user: User, deal: Deal) -> bool:
    """Who records a contract's shipments, assays and laytime: those who may change the deal."""
    return deal.outcome == Outcome.WON and pipeline_selectors.can_change_deal(user, deal)


def parameters_of(deal: Deal) -> list[SpecParameter]:
    if not deal.specification_id:
        return []
    return list(SpecParameter.objects.filter(specification_id=deal.specification_id))


def standing_assays(shipment: Shipment) -> QuerySet[Assay]:
    """The assays not corrected by a later one, with their results."""
    return (shipment.assays.filter(superseded_by__isnull=True)
            .prefetch_related(Prefetch("results", queryset=AssayResult.objects.select_related("parameter"))))


def final_assay(shipment: Shipment) -> Assay | None:
    """The assay the contract makes final: the latest standing one at the contract's place."""
    return standing_assays(shipment).filter(place=shipment.deal.final_assay).order_by("-recorded_at", "-pk").first()


def priced_dry(deal: Deal) -> bool:
    """Whether the contract's price is per dry metric tonne (its specification says so)."""
    return deal.specification is not None and deal.specification.price_basis == Specification.PriceBasis.DRY


def load_port_moistures(shipments: list[Shipment]) -> dict[int, Decimal]:
    """Each shipment's moisture on its latest standing load-port assay, in one query: what the B/L's wet tonnes
    are dried by to value and bill a cargo priced per dry tonne before its final assay."""
    moistures = {}
    for shipment_id, value in (AssayResult.objects.filter(
            assay__shipment__in=shipments, assay__superseded_by__isnull=True, assay__place=PortRole.LOAD,
            parameter__code=MOISTURE).order_by("assay__recorded_at", "assay__pk")
            .values_list("assay__shipment_id", "value")):
        moistures[shipment_id] = value  # oldest first: the latest wins
    return moistures


def load_port_moisture(shipment: Shipment) -> Decimal | None:
    return load_port_moistures([shipment]).get(shipment.pk)


def results_of(assay: Assay) -> dict[str, Decimal]:
    return {result.parameter.code: result.value for result in assay.results.all()}


@dataclass(frozen=True)
class Judgement:
    """A result against its specification: in spec, out of spec (penalised) or rejectable."""

    IN_SPEC = "in_spec"
    OUT_OF_SPEC = "out_of_spec"
    REJECTABLE = "rejectable"


def off_spec_q() -> Q:
    """Assay results (AssayResult rows) off spec: beyond their parameter's rejection limits, or on the
    side of a price rule that cuts the price (below a pro-rata basis, beyond a penalty's threshold). Weighed
    once, when a result is recorded (services.judge_results); reads use the stored `off_spec`."""
    cuts = PriceRule.objects.filter(parameter=OuterRef("parameter")).filter(
        Q(kind=PriceRule.Kind.PRO_RATA, basis__gt=OuterRef("value"))
        | Q(kind=PriceRule.Kind.PER_STEP, side=PriceRule.Side.BELOW, basis__gt=OuterRef("value"), amount__lt=0)
        | Q(kind=PriceRule.Kind.PER_STEP, side=PriceRule.Side.ABOVE, basis__lt=OuterRef("value"), amount__lt=0))
    return (Q(parameter__minimum__isnull=False, value__lt=F("parameter__minimum"))
            | Q(parameter__maximum__isnull=False, value__gt=F("parameter__maximum")) | Q(Exists(cuts)))


def unclaimed_off_spec_results() -> QuerySet[AssayResult]:
    """The standing assays' results off spec with no quality claim raised on their shipment and parameter:
    what the customer's page offers to claim and what the hourly job reminds of."""
    claimed = CargoClaim.objects.filter(shipment=OuterRef("assay__shipment"), kind=CargoClaim.Kind.QUALITY,
                                        parameter=OuterRef("parameter"))
    return AssayResult.objects.filter(off_spec=True, assay__superseded_by__isnull=True).exclude(Exists(claimed))


def judge(parameter: SpecParameter, value: Decimal, adjusted: pricing.AdjustedPrice | None = None) -> str:
    if parameter.limits.rejects(value):
        return Judgement.REJECTABLE
    if adjusted is not None and any(line.parameter == parameter.code and line.change < 0 for line in adjusted.lines):
        return Judgement.OUT_OF_SPEC
    return Judgement.IN_SPEC


@dataclass(frozen=True)
class Valuation:
    """What a shipment is worth on the facts so far; `value` is None until it can be priced."""

    quantity: Decimal | None  # the tonnes the price applies to (wet or dry, B/L or outturn)
    wet_quantity: Decimal | None
    adjusted: pricing.AdjustedPrice | None  # None without a specification or a final assay
    value: Decimal | None
    value_base: Decimal | None
    assay: Assay | None

    @property
    def price(self) -> Decimal | None:
        return self.adjusted.price if self.adjusted else None


def price_rules_of(specification_id: int) -> list[pricing.PriceRule]:
    return [rule.as_rule() for rule in PriceRule.objects.filter(specification_id=specification_id)
            .select_related("parameter")]


def contract_rules(deal: Deal) -> list[pricing.PriceRule]:
    """The price rules of the contract's specification (none without one)."""
    return price_rules_of(deal.specification_id) if deal.specification_id else []


def valuation(shipment: Shipment, *, rules: list[pricing.PriceRule] | None = None,
              parameters: list[SpecParameter] | None = None) -> Valuation:
    """The shipment's value: quantity basis x price adjusted by the final assay, in the contract's
    currency and the base currency (at the rate the contract was signed at). `rules` and `parameters`, the
    contract's (`contract_rules`, `parameters_of`), when the caller has read them already (the shipment's page)."""
    deal = shipment.deal
    return _valuation(shipment, final_assay(shipment), contract_rules(deal) if rules is None else rules,
                      parameters_of(deal) if parameters is None else parameters)


def valuations_of(deal: Deal, shipments: list[Shipment],
                  parameters: list[SpecParameter] | None = None) -> dict[int, Valuation]:
    """Each shipment's valuation, in the same few queries however many shipments and assays (the
    deal page's panel, which passes the specification's parameters it has read already)."""
    rules = contract_rules(deal)
    parameters = parameters_of(deal) if parameters is None else parameters
    finals: dict[int, Assay] = {}
    # The latest standing assay at the contract's place, per shipment: ordered oldest first, the last wins.
    for assay in (Assay.objects.filter(shipment__in=shipments, superseded_by__isnull=True, place=deal.final_assay)
                  .order_by("recorded_at", "pk")
                  .prefetch_related(Prefetch("results", queryset=AssayResult.objects.select_related("parameter")))):
        finals[assay.shipment_id] = assay
    for shipment in shipments:
        shipment.deal = deal
    return {shipment.pk: _valuation(shipment, finals.get(shipment.pk), rules, parameters) for shipment in shipments}


def _valuation(shipment: Shipment, assay: Assay | None, rules: list[pricing.PriceRule],
               parameters: list[SpecParameter]) -> Valuation:
    deal = shipment.deal
    wet = shipment.outturn_tonnes if deal.quantity_basis == QuantityBasis.OUTTURN else shipment.bl_tonnes
    specification = deal.specification
    adjusted = None
    quantity = wet
    if specification is None:
        # A grade not on the list has no rules: the contract price stands.
        adjusted = pricing.adjusted_price(deal.price_per_tonne, [], {})
    elif assay is not None:
        results = results_of(assay)
        adjusted = pricing.adjusted_price(deal.price_per_tonne, rules, results,
                                          {parameter.code: parameter.limits for parameter in parameters})
        if wet is not None and specification.price_basis == Specification.PriceBasis.DRY:
            moisture = results.get(MOISTURE)
            quantity = pricing.dry_tonnes(wet, moisture) if moisture is not None else None
    price = adjusted.price if adjusted else None
    value = pricing.line_value(quantity, price) if quantity is not None and price is not None else None
    value_base = pricing.line_value(value, deal.rate_to_base) if value is not None else None
    return Valuation(quantity, wet, adjusted, value, value_base, assay)


@dataclass(frozen=True)
class ContractExecution:
    """A contract's shipments summed against it."""

    contracted: Decimal
    least: Decimal
    most: Decimal
    lifted: Decimal  # B/L tonnes so far
    delivered_value: Decimal  # final values confirmed
    open_balance: Decimal  # the contract amount not yet delivered at final value

    @property
    def lifted_percent(self) -> Decimal:
        return self.lifted * 100 / self.contracted


def contract_execution(deal: Deal) -> ContractExecution:
    sums = deal.shipments.aggregate(lifted=Sum("bl_tonnes"), delivered=Sum("final_value"))
    least, most = pricing.tolerance_range(deal.quantity_tonnes, deal.tolerance_percent)
    delivered = sums["delivered"] or Decimal(0)
    return ContractExecution(
        contracted=deal.quantity_tonnes, least=least, most=most, lifted=sums["lifted"] or Decimal(0),
        delivered_value=delivered, open_balance=max(deal.quantity_tonnes * deal.price_per_tonne - delivered,
                                                    Decimal(0)),
    )


def outturn_of(shipment: Shipment) -> pricing.Outturn | None:
    if shipment.bl_tonnes is None or shipment.outturn_tonnes is None:
        return None
    return pricing.Outturn(shipment.bl_tonnes, shipment.outturn_tonnes)


@dataclass(frozen=True)
class SuggestedClaim:
    """A complaint the figures call for, prefilled for customer service to confirm."""

    kind: str  # CargoClaim.Kind
    measured: Decimal
    amount: Decimal
    parameter: SpecParameter | None = None

    @property
    def measured_shown(self) -> str:
        """The figure as a certificate or a tally gives it: 5,350 or 61.2, not 5350.0000."""
        return f"{self.measured.normalize():,f}"


def suggested_claims(shipment: Shipment, *, worth: Valuation | None = None,
                     parameters: list[SpecParameter] | None = None) -> list[SuggestedClaim]:
    """A short-landing beyond the contract's allowance, and each off-spec result of the final assay,
    unless a claim of that kind (and parameter) is already raised. `worth` and `parameters`, the shipment's
    valuation and the contract's parameters, when the caller has them (the shipment's page read them twice)."""
    deal = shipment.deal
    raised = set(CargoClaim.objects.filter(shipment=shipment).values_list("kind", "parameter_id"))
    parameters = parameters_of(deal) if parameters is None else parameters
    worth = valuation(shipment, parameters=parameters) if worth is None else worth
    price = worth.price if worth.price is not None else deal.price_per_tonne
    suggestions = []
    outturn = outturn_of(shipment)
    # Valued on the outturn, the cargo is paid for as it arrived: a shortage is no claim.
    if outturn is not None and deal.quantity_basis == QuantityBasis.BL \
            and (CargoClaim.Kind.QUANTITY, None) not in raised:
        claimable = outturn.claimable_tonnes(deal.shortage_allowance_percent)
        if claimable > 0:
            suggestions.append(SuggestedClaim(CargoClaim.Kind.QUANTITY, outturn.short,
                                              pricing.line_value(claimable, price)))
    if worth.adjusted is not None and worth.assay is not None and worth.quantity is not None:
        by_code = {parameter.code: parameter for parameter in parameters}
        for line in worth.adjusted.lines:
            parameter = by_code[line.parameter]
            if line.change < 0 and (CargoClaim.Kind.QUALITY, parameter.pk) not in raised:
                suggestions.append(SuggestedClaim(CargoClaim.Kind.QUALITY, line.result,
                                                  pricing.line_value(worth.quantity, -line.change), parameter))
    return suggestions


def laytime_terms(deal: Deal, port_role: str, holidays: frozenset) -> LaytimeTerms | None:
    """The contract's laytime clause at one port; None while the contract gives no rate for it."""
    rate = deal.load_rate if port_role == PortRole.LOAD else deal.discharge_rate
    if rate is None or deal.demurrage_rate is None:
        return None
    return LaytimeTerms(tonnes=deal.quantity_tonnes, rate_per_day=rate, demurrage_per_day=deal.demurrage_rate,
                        despatch_per_day=deal.despatch_rate, turn_time=timedelta(hours=deal.turn_time_hours),
                        sundays_holidays_excepted=deal.laytime_days == LaytimeDays.SHEX, holidays=holidays)


def statement_figures(statement: LaytimeStatement, now: datetime | None = None) -> Statement | None:
    """The computed laytime statement, in the site's time zone, to completion or, while the vessel is
    still working, to `now`; None without the contract's rates."""
    exceptions = list(statement.exceptions.all())
    holidays = frozenset(timezone.localtime(each.starts_at).date() for each in exceptions
                         if each.kind == LaytimeException.Kind.HOLIDAY)
    terms = laytime_terms(statement.shipment.deal, statement.port_role, holidays)
    if terms is None:
        return None
    tonnes = statement.shipment.bl_tonnes or terms.tonnes
    terms = replace(terms, tonnes=tonnes)
    periods = [(timezone.localtime(each.starts_at), timezone.localtime(each.ends_at)) for each in exceptions
               if each.kind != LaytimeException.Kind.HOLIDAY]
    return laytime_statement(terms, notice_tendered=timezone.localtime(statement.notice_tendered_at),
                             completed=timezone.localtime(statement.completed_at or now or timezone.now()),
                             excepted=periods)


# --- What the pages show --------------------------------------------------------------------------


@dataclass(frozen=True)
class JudgedResult:
    parameter: SpecParameter
    value: Decimal
    judgement: str

    @property
    def shown(self) -> str:
        """The result as the certificate gives it, without trailing zeros (0.6, not 0.6000)."""
        return f"{self.value.normalize():,f}"


@dataclass(frozen=True)
class JudgedAssay:
    assay: Assay
    results: list[JudgedResult]
    final: bool  # the one the contract's value is counted on


def judged_assays(shipment: Shipment, final: Assay | None, *,
                  rules: list[pricing.PriceRule] | None = None) -> list[JudgedAssay]:
    """The standing assays, each result judged against the specification (its own adjustment lines
    say whether it is out of spec): three queries however many assays, two with the contract's `rules`."""
    deal = shipment.deal
    rules = contract_rules(deal) if rules is None else rules
    judged = []
    for assay in standing_assays(shipment).order_by("recorded_at", "pk"):
        results = list(assay.results.all())
        limits = {result.parameter.code: result.parameter.limits for result in results}
        adjusted = pricing.adjusted_price(deal.price_per_tonne, rules, results_of(assay), limits)
        judged.append(JudgedAssay(assay, [JudgedResult(result.parameter, result.value,
                                                       judge(result.parameter, result.value, adjusted))
                                          for result in results], final is not None and final.pk == assay.pk))
    return judged


def claims_of(shipment: Shipment) -> QuerySet[CargoClaim]:
    return shipment.claims.select_related("complaint", "parameter")


def laytime_of(shipment: Shipment) -> list[tuple[LaytimeStatement, Statement | None]]:
    """The shipment's laytime statements with their figures (None without the contract's rate)."""
    statements = list(shipment.laytime.prefetch_related("exceptions"))
    for statement in statements:
        statement.shipment = shipment
    return [(statement, statement_figures(statement)) for statement in statements]


def provisional_value(deal: Deal, worth: Valuation, moisture: Decimal | None = None) -> Decimal | None:
    """What a shipment is worth until it is final: its value on the assays so far, or before the final
    assay its quantity at the contract price, priced per dry tonne dried by the load port's `moisture` as the
    provisional invoice is; None when unpriceable (no quantity or moisture yet, or rejectable)."""
    if worth.value is not None:
        return worth.value
    if worth.assay is not None or worth.quantity is None:
        return None
    if not priced_dry(deal):
        return pricing.line_value(worth.quantity, deal.price_per_tonne)
    if moisture is None:
        return None
    return pricing.line_value(pricing.billed_dry_tonnes(worth.quantity, moisture), deal.price_per_tonne)


# --- Where execution shows on the pages below it ---------------------------------------------------


def shipment_laycans_in(user: User, deals: QuerySet[Deal], first: date, last: date) -> QuerySet[Shipment]:
    """The shipments of `deals` that the user sees whose narrowed laycan (`laycan_from`, `laycan_to`) overlaps
    [first, last], earliest first; only signed contracts' (a cancelled contract's vessel will not load, and the
    calendar no longer draws the contract)."""
    shipments = Shipment.objects.filter(laycan_from__lte=last, laycan_to__gte=first, contract_signed=True)
    if deals.query.has_filters():  # the calendar's filters, a feed's own contracts
        shipments = shipments.filter(deal__in=deals)
    if access.sees_everyone(user):
        return shipments.order_by("laycan_from", "laycan_to", "pk")
    # By the sellers each shipment carries of its contract, each way the user sees a contract from an index of its
    # own, without reading the contracts: a manager's month 3.3 -> 0.6 ms (the month's shipments are the
    # organisation's 12,000, the team's 500). Filtered, against reading each way the user sees a contract first: by
    # an owner 2.8 -> 1.7 ms, a feed's own contracts 3.0 -> 2.1, by a commodity 2.9 -> 3.6 (its contracts hashed).
    deal = access.RecordKind.DEAL
    seen = access.owned_by_visible(user, shipments, deal, owner_field="contract_owner", read_first=True)
    if pipeline_selectors.can_sell(user):
        seen |= access.owned_by_visible(user, shipments, deal, owner_field="contract_second_seller", read_first=True)
    return seen.order_by("laycan_from", "laycan_to", "pk")


class CargoOnRecord(NamedTuple):
    shipped: bool  # any shipment
    claimed: bool  # any cargo claim
    off_spec: bool  # any result off spec, standing or corrected


def cargo_on_record(customer: Customer) -> CargoOnRecord:
    """Whether the customer has any shipment, any cargo claim and any assay result off spec, whoever's: one
    cheap look before the customer page's claims panel asks its scoped questions, which cost PostgreSQL more to
    plan than to run (about 3 ms for the claims alone, 2 ms for the results to claim). A prospect has no
    shipment, most customers no claim, and few cargoes are off spec."""
    facts = _cargo_facts()
    row = Customer.objects.filter(pk=customer.pk).values(
        shipped=facts["shipped"], claimed=facts["claimed"], off_spec=facts["off_spec"]).get()
    return CargoOnRecord(row["shipped"], row["claimed"], row["off_spec"])


@cache
def _cargo_facts() -> dict[str, Exists]:
    """`cargo_on_record`'s three columns, built once per process (as `_execution_state`)."""
    return {
        "shipped": Exists(Shipment.objects.filter(deal__customer=OuterRef("pk"))),
        "claimed": Exists(CargoClaim.objects.filter(complaint__customer=OuterRef("pk"))),
        "off_spec": Exists(AssayResult.objects.filter(off_spec=True, assay__shipment__deal__customer=OuterRef("pk"))),
    }


def customer_claims(user: User, customer: Customer) -> QuerySet[CargoClaim]:
    """The customer's cargo claims whose complaint the user sees, latest first, each with `can_open`:
    whether the user also sees the shipment (customer service sees no contract)."""
    complaints = customer_selectors.complaints_visible_to(user).filter(customer=customer)
    return (CargoClaim.objects.filter(complaint__in=complaints)
            .select_related("complaint", "shipment__deal", "parameter").only(*_CLAIM_ROW)
            .annotate(can_open=Exists(shipments_visible_to(user, customer).filter(pk=OuterRef("shipment"))))
            .order_by("-complaint__received_at", "-pk"))


# What the customer page shows of a claim, its complaint, cargo and contract: a contract's row alone is some ninety
# columns, which Django would select, compile and build for every claim listed.
_CLAIM_ROW = ("kind", "measured", "claimed_amount", "parameter", "complaint__received_at",
              "complaint__claimed_currency", "complaint__status", "complaint__settlement", "complaint__settled_amount",
              "shipment__number", "shipment__vessel_name", "shipment__deal__contract_number",
              "shipment__deal__currency")
# And of a cargo whose figures call for a claim.
_CARGO_NAMED = ("number", "vessel_name", "deal__contract_number")


@dataclass(frozen=True)
class CargoQuality:
    """Of a customer's cargoes with a standing assay, how many have a result off spec."""

    assayed: int
    off_spec: int
    off_spec_percent: Decimal  # 0 with nothing assayed


@cache
def _quality_counts() -> tuple[Count, Count]:
    """`cargo_quality`'s two counts of shipments, built once per process (as `_execution_state`): those with a
    standing assay, and those with a standing result off spec."""
    standing = Assay.objects.filter(shipment=OuterRef("pk"), superseded_by__isnull=True)
    off_spec_results = AssayResult.objects.filter(off_spec=True, assay__shipment=OuterRef("pk"),
                                                  assay__superseded_by__isnull=True)
    return Count("pk", filter=Q(Exists(standing))), Count("pk", filter=Q(Exists(off_spec_results)))


def cargo_quality(user: User, customer: Customer) -> CargoQuality:
    """Counted over the shipments the user sees, on the standing assays (not those corrected): one query."""
    counts = _quality_counts()
    sums = shipments_visible_to(user, customer).aggregate(assayed=counts[0], off_spec=counts[1])
    assayed, off_spec = sums["assayed"] or 0, sums["off_spec"] or 0
    return CargoQuality(assayed, off_spec, Decimal(off_spec * 100) / assayed if assayed else Decimal(0))
