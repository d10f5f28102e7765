"""Contract execution of `seed_demo --size large`: one to three shipments per signed deal (as its
liftings), in the state its laycan puts them in today, the final-place assay of every discharged cargo
with a specification, some laytime statements, written in bulk. The facts are those the services would
have accepted (B/L within tolerance unless a manager accepted it, numbers per deal, each state's facts
in order) and a final value is what the valuation gives; a few voyages carry the incidents the hourly
job reminds of (a B/L accepted outside tolerance, an off-spec result, demurrage accruing, a late final
value). No claims: those are people's actions, seen in the regular demo."""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from accounts.models import Position, User
from bulksales.demo.bulk import next_id
from bulksales.demo.large.seed import LargeSeed
from bulksales.demo.shipments import ACCEPTANCE_REASON, LABORATORIES, VESSELS, imo_number, transit_days
from pipeline.execution import pricing
from pipeline.execution.models import Assay, AssayResult, LaytimeStatement, Shipment
from pipeline.execution.services import judge_results
from pipeline.models import MOISTURE, Deal, Outcome, PortRole, PriceRule, QuantityBasis, Specification, SpecParameter

FINALISED_WITHIN = timedelta(days=20)  # most cargoes are final this long after discharge
LAYTIME_SHARE = 0.4  # discharged cargoes with a laytime statement recorded
TONNES = Decimal("0.001")


@dataclass
class Voyage:
    """One shipment's facts, all of them; what has happened by now is written."""

    id: int
    deal: tuple
    number: int
    laycan: tuple
    vessel: str
    bl: Decimal
    outturn: Decimal
    arrival: datetime
    loaded: datetime
    discharge_arrival: datetime
    completed: datetime | None
    nominated: bool
    incident: str = ""


def _neutral_results(parameters: list[SpecParameter],
                     rules: list[PriceRule]) -> dict[int, tuple[SpecParameter, Decimal]]:
    """A result per parameter that neither rejects the cargo nor moves its price: the final value is then
    the contract price times the quantity the contract counts (dry, by the moisture, where priced dry)."""
    results = {}
    for parameter in parameters:
        low, high = parameter.minimum, parameter.maximum
        value = parameter.typical if parameter.typical is not None else Decimal(1)
        for rule in rules:
            if rule.parameter_id != parameter.pk:
                continue
            if rule.kind == PriceRule.Kind.PRO_RATA:
                low = high = rule.basis
            elif rule.side == PriceRule.Side.BELOW:
                low = rule.basis if low is None else max(low, rule.basis)
            else:
                high = rule.basis if high is None else min(high, rule.basis)
        if low is not None:
            value = max(value, low)
        if high is not None:
            value = min(value, high)
        results[parameter.pk] = (parameter, value)
    return results


def _off_spec(parameters: list[SpecParameter], rules: list[PriceRule]) -> tuple[int, Decimal] | None:
    """A result one step on the wrong side of the specification's first price-cutting rule."""
    for rule in rules:
        if rule.kind == PriceRule.Kind.PRO_RATA:
            return rule.parameter_id, (rule.basis * Decimal("0.97")).quantize(Decimal(1))
        if rule.amount < 0:
            step = rule.step if rule.side == PriceRule.Side.ABOVE else -rule.step
            return rule.parameter_id, rule.basis + step
    return None


def seed_shipments_large(seed: LargeSeed) -> None:
    rng = random.Random(20261214)
    now = seed.now
    deals = list(Deal.objects.filter(outcome=Outcome.WON, laycan_start__isnull=False, laycan_end__isnull=False)
                 .order_by("-laycan_start", "pk").values_list(
                     "pk", "owner_id", "owner__team__manager_id", "specification_id", "specification__price_basis",
                     "quantity_tonnes", "tolerance_percent", "price_per_tonne", "rate_to_base", "liftings",
                     "quantity_basis", "final_assay", "discharge_rate", "load_rate", "turn_time_hours",
                     "laycan_start", "laycan_end", F("load_port__country"), F("discharge_port__country")))
    if not deals:
        return
    director = User.objects.filter(position=Position.DIRECTOR, is_active=True).values_list("pk", flat=True).first()
    parameters: dict[int, list[SpecParameter]] = defaultdict(list)
    for parameter in SpecParameter.objects.order_by("position", "pk"):
        parameters[parameter.specification_id].append(parameter)
    rules: dict[int, list[PriceRule]] = defaultdict(list)
    for rule in PriceRule.objects.order_by("pk"):
        rules[rule.specification_id].append(rule)
    neutral = {spec: _neutral_results(parameters[spec], rules[spec]) for spec in parameters}
    ruled = {rule.parameter_id for spec_rules in rules.values() for rule in spec_rules}
    voyages = _voyages(rng, seed, deals)
    _incidents(voyages, now)

    shipments, assays, results, statements = [], [], [], []
    assay_id = next_id(Assay)
    vessels: dict[str, str] = {}
    for voyage in voyages:
        (deal_id, owner, manager, spec, basis, quantity, _tolerance, price, rate, _liftings, quantity_basis,
         final_place, discharge_rate, _load_rate, _turn, *_rest) = voyage.deal
        start, end = voyage.laycan
        created = datetime.combine(start - timedelta(days=25), time(9), tzinfo=now.tzinfo)
        row = dict.fromkeys(("vessel_name", "imo"), "") | dict.fromkeys((
            "nominated_on", "eta_load", "load_arrived_at", "bl_date", "bl_tonnes", "bl_accepted_by",
            "discharge_arrived_at", "discharge_completed_at", "outturn_tonnes", "final_quantity", "final_price",
            "final_value", "final_value_base", "finalised_at", "finalised_by"))
        row["bl_acceptance_reason"] = ""
        if voyage.nominated:
            imo = vessels.setdefault(voyage.vessel, imo_number(rng))
            row |= {"vessel_name": voyage.vessel, "imo": imo, "nominated_on": start - timedelta(days=15),
                    "eta_load": timezone.localdate(voyage.arrival)}
            if voyage.arrival <= now:
                row["load_arrived_at"] = voyage.arrival
            if voyage.loaded <= now:
                row |= {"bl_date": timezone.localdate(voyage.loaded), "bl_tonnes": voyage.bl}
                if voyage.incident == "bl_accepted":
                    row |= {"bl_accepted_by": manager or director, "bl_acceptance_reason": ACCEPTANCE_REASON}
            if voyage.discharge_arrival <= now:
                row["discharge_arrived_at"] = voyage.discharge_arrival
            if voyage.completed and voyage.completed <= now:
                row |= {"discharge_completed_at": voyage.completed, "outturn_tonnes": voyage.outturn}
        done = row["discharge_completed_at"] is not None
        moisture = None
        if done and spec in neutral:
            laboratory = rng.choice(LABORATORIES[final_place])
            day = timezone.localdate(voyage.completed if final_place == PortRole.DISCHARGE else voyage.loaded)
            assays.append((assay_id, voyage.id, final_place, laboratory,
                           f"{laboratory}/{day:%Y}/{assay_id:06d}", day, owner,
                           datetime.combine(day, time(17), tzinfo=now.tzinfo), ""))
            off = _off_spec(parameters[spec], rules[spec]) if voyage.incident == "off_spec" else None
            for parameter_id, (parameter, value) in neutral[spec].items():
                if parameter.code == MOISTURE:
                    if parameter_id not in ruled:  # moisture that moves no price varies from cargo to cargo
                        value = (value * Decimal(rng.randint(85, 100)) / 100).quantize(Decimal("0.01"))
                    moisture = value
                if off and off[0] == parameter_id:
                    value = off[1]
                results.append((assay_id, parameter_id, value))
            assay_id += 1
        if done and voyage.completed and voyage.completed < now - FINALISED_WITHIN and not voyage.incident \
                and (spec is None or spec in neutral):
            wet = voyage.outturn if quantity_basis == QuantityBasis.OUTTURN else voyage.bl
            counted = (pricing.dry_tonnes(wet, moisture) if basis == Specification.PriceBasis.DRY and moisture
                       is not None else wet)
            value = pricing.line_value(counted, price)
            row |= {"final_quantity": counted.quantize(TONNES), "final_price": price, "final_value": value,
                    "final_value_base": pricing.line_value(value, rate),
                    "finalised_at": voyage.completed + timedelta(days=rng.randint(5, 15)), "finalised_by": owner}
        if discharge_rate and row["discharge_arrived_at"] and (
                voyage.incident == "demurrage" or done and rng.random() < LAYTIME_SHARE):
            statements.append((voyage.id, PortRole.DISCHARGE, voyage.discharge_arrival + timedelta(hours=2),
                               voyage.completed if done else None, owner, voyage.completed or now))
        updated = max(value for value in (created, row["load_arrived_at"], row["discharge_completed_at"],
                                          row["finalised_at"]) if value is not None)
        shipments.append((voyage.id, deal_id, voyage.number, start, end, *row.values(), created, updated))
    fields = ["vessel_name", "imo", "nominated_on", "eta_load", "load_arrived_at", "bl_date", "bl_tonnes",
              "bl_accepted_by", "discharge_arrived_at", "discharge_completed_at", "outturn_tonnes", "final_quantity",
              "final_price", "final_value", "final_value_base", "finalised_at", "finalised_by",
              "bl_acceptance_reason"]
    seed.insert(Shipment, ["id", "deal", "number", "laycan_start", "laycan_end", *fields, "created_at", "updated_at"],
                shipments)
    seed.insert(Assay, ["id", "shipment", "place", "laboratory", "certificate_number", "certificate_date",
                        "recorded_by", "recorded_at", "correction_reason"], assays)
    seed.insert(AssayResult, ["assay", "parameter", "value"], results)
    judge_results(AssayResult.objects.all())
    seed.insert(LaytimeStatement, ["shipment", "port_role", "notice_tendered_at", "completed_at", "recorded_by",
                                   "recorded_at"], statements)
    seed.analyze(Shipment, Assay, AssayResult, LaytimeStatement)


def _voyages(rng: random.Random, seed: LargeSeed, deals: list[tuple]) -> list[Voyage]:
    """Every lifting of every signed deal, most recent laycan first."""
    now, today = seed.now, seed.today
    voyages = []
    shipment_id = next_id(Shipment)
    for deal in deals:
        (deal_id, _owner, _manager, _spec, _basis, quantity, tolerance, _price, _rate, liftings, _quantity_basis,
         _final, discharge_rate, load_rate, turn, laycan_start, laycan_end, load_country, discharge_country) = deal
        for number in range(1, liftings + 1):
            start = min(laycan_start + timedelta(days=4 * (number - 1)), laycan_end)
            end = min(start + timedelta(days=5), laycan_end)
            spread = float(tolerance) * 0.7
            bl = (quantity / liftings * Decimal(1 + rng.uniform(-spread, spread) / 100)).quantize(TONNES)
            short = Decimal(rng.uniform(0.6, 1.1) if rng.random() < 0.15 else rng.uniform(-0.05, 0.45))
            arrival = datetime.combine(start + timedelta(days=rng.randint(0, 2)), time(rng.randint(0, 23)),
                                       tzinfo=now.tzinfo)
            loaded = arrival + timedelta(hours=float(bl / (load_rate or 30000) * 24) * rng.uniform(0.8, 1.3) + 6)
            discharge_arrival = loaded + timedelta(days=transit_days(load_country or "AU", discharge_country or "CN")
                                                   + rng.randint(0, 2), hours=rng.randint(0, 23))
            allowed = float(bl / (discharge_rate or 10000) * 24)
            completed = discharge_arrival + timedelta(hours=2 + turn + allowed * rng.uniform(0.7, 1.35))
            voyages.append(Voyage(
                id=shipment_id, deal=deal, number=number, laycan=(start, end), vessel=rng.choice(VESSELS),
                bl=bl, outturn=(bl * (1 - short / 100)).quantize(TONNES), arrival=arrival, loaded=loaded,
                discharge_arrival=discharge_arrival, completed=completed,
                nominated=start < today or (start - today).days <= 10 and deal_id % 2 == 1))
            shipment_id += 1
    return voyages


def _incidents(voyages: list[Voyage], now: datetime) -> None:
    """The recent voyages that give the hourly job its execution reminders: a B/L a manager accepted
    outside tolerance, a vessel discharging past its laytime, an off-spec cargo, a late final value."""
    # Only the first of several liftings, whose sisters' facts come after it.
    sailed = [voyage for voyage in voyages if voyage.nominated and voyage.loaded <= now and voyage.number == 1
              and voyage.deal[9] == 1]
    if not sailed:
        return
    accepted = sailed[0]
    accepted.incident = "bl_accepted"
    _spec, tolerance = accepted.deal[3], accepted.deal[6]
    most = pricing.tolerance_range(accepted.deal[5], tolerance)[1]
    accepted.bl = (most * Decimal("1.015")).quantize(Decimal(1))
    accepted.outturn = accepted.bl
    older = [voyage for voyage in sailed[1:] if voyage.arrival < now - timedelta(days=60) and voyage.deal[12]]
    if older:
        working = older[0]
        working.incident = "demurrage"
        allowed = float(working.bl / working.deal[12] * 24)
        # Notice of readiness long enough ago that laytime ran out days ago, Sundays excepted or not.
        notice = now - timedelta(hours=working.deal[14] + allowed + 96)
        shift = notice - timedelta(hours=2) - working.discharge_arrival
        working.arrival, working.loaded = working.arrival + shift, working.loaded + shift
        working.discharge_arrival, working.completed = working.discharge_arrival + shift, None
    discharged = [voyage for voyage in sailed if not voyage.incident and voyage.completed
                  and voyage.completed < now - timedelta(days=15)]
    for voyage, incident in zip(discharged, ("late_final", "off_spec"), strict=False):
        voyage.incident = incident
    # The off-spec one needs a specification with a rule to break.
    if len(discharged) > 1 and discharged[1].deal[3] is None:
        discharged[1].incident = "late_final"
        with_spec = next((voyage for voyage in discharged[2:] if voyage.deal[3] is not None), None)
        if with_spec:
            with_spec.incident = "off_spec"
