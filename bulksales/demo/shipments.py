"""Demo contract execution for `seed_demo`: the signed demo deals' shipments, in every state from
awaiting nomination to final, placed by their laycans relative to today, with assays (a few off
spec, one rejectable), outturns (some short-landed), laytime statements (despatch, demurrage, one
vessel still working past its laytime) and cargo claims, all through the execution services.
Deterministic (fixed seed); what the hourly job then finds fills every execution reminder."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch
from django.utils import timezone

from accounts.models import Position, User
from customers.complaints import complaint_transition
from customers.models import Complaint, ComplaintEvent
from pipeline.execution import services
from pipeline.execution.models import Assay, CargoClaim, LaytimeException, Shipment
from pipeline.execution.selectors import suggested_claims
from pipeline.models import MOISTURE, Deal, LaytimeDays, Outcome, PortRole, PriceRule, QuantityBasis, Specification
from pipeline.reminders import raise_reminders

LOAD, DISCHARGE = PortRole.LOAD, PortRole.DISCHARGE
# commodity: (discharge rate t/day, load rate t/day or None, quantity basis, final assay, laytime days)
EXECUTION = {
    "Thermal coal": ((15000, 25000), (30000, 40000), QuantityBasis.BL, DISCHARGE, LaytimeDays.SHINC),
    "Coking coal": ((15000, 20000), (25000, 35000), QuantityBasis.BL, LOAD, LaytimeDays.SHINC),
    "Iron ore fines": ((20000, 25000), (40000, 50000), QuantityBasis.BL, LOAD, LaytimeDays.SHINC),
    "Iron ore pellets": ((18000, 22000), None, QuantityBasis.BL, LOAD, LaytimeDays.SHINC),
    "Soybeans": ((8000, 12000), None, QuantityBasis.OUTTURN, DISCHARGE, LaytimeDays.SHEX),
    "Corn": ((8000, 12000), None, QuantityBasis.OUTTURN, DISCHARGE, LaytimeDays.SHEX),
    "Wheat": ((8000, 10000), None, QuantityBasis.OUTTURN, DISCHARGE, LaytimeDays.SHEX),
    "Urea": ((8000, 10000), (6000, 8000), QuantityBasis.BL, LOAD, LaytimeDays.SHEX),
    "Cement clinker": ((10000, 12000), (10000, 12000), QuantityBasis.BL, LOAD, LaytimeDays.SHEX),
    "Bauxite": ((20000, 25000), (30000, 35000), QuantityBasis.BL, LOAD, LaytimeDays.SHINC),
    "Steel scrap": ((8000, 10000), None, QuantityBasis.BL, DISCHARGE, LaytimeDays.SHEX),
}
# Days at sea, by the countries of the load and discharge ports (China unless named).
TRANSIT = {"AU": 13, "ZA": 22, "ID": 8, "BR": 38, "US": 40, "GN": 42}
TRANSIT_FROM_CHINA = {"VN": 4, "IN": 16, "CN": 4}
VESSELS = ["Cape Orchid", "Pacific Harmony", "Navios Aurora", "Star Laura", "Ocean Fortune", "Hua Yang Star",
           "Shandong Da De", "Kang Sheng Hai", "Great Wisdom", "Mineral Tianjin", "Golden Opal", "Anangel Sun",
           "Genco Augustus", "Nord Lavender", "Spar Lyra", "Ultra Bosque", "Jin Hui", "Zhe Hai 528", "Xin Hai Cheng",
           "Ocean Pride", "Cape Merlin", "Sea Brave", "Yangtze Harmony", "Belmonte", "Aquavita Sun", "Maria Oldendorff",
           "Pan Hope", "Tai Keystone", "Guo Yuan 28", "Oriental Venus"]
LABORATORIES: dict[str, list[str]] = {LOAD: ["SGS", "Intertek"], DISCHARGE: ["CCIC", "CCIC", "SGS"]}
ACCEPTANCE_REASON = "船方最终装载量超出溢短装范围，买方书面同意按提单数量接受"
WEATHER = ["Rain, hatches closed", "降雨停工", "Strong wind, cranes stopped"]


def imo_number(rng: random.Random) -> str:
    """A valid IMO ship number: six digits and their check digit (x 7, 6, 5, 4, 3, 2, last digit)."""
    digits = [9, *(rng.randint(0, 9) for _ in range(5))]
    check = sum(digit * weight for digit, weight in zip(digits, range(7, 1, -1), strict=True)) % 10
    return "".join(map(str, digits)) + str(check)


def liftings_for(quantity: Decimal) -> int:
    """Cape-size contracts are lifted in two or three vessels."""
    return 1 + (quantity >= 120000) + (quantity >= 165000)


def execution_terms(rng: random.Random, commodity: str, quantity: Decimal) -> dict:
    """A signed contract's execution terms as the trade writes them for this commodity."""
    discharge, load, basis, final, days = EXECUTION.get(commodity, EXECUTION["Thermal coal"])
    return {
        "liftings": liftings_for(quantity), "quantity_basis": basis, "final_assay": final,
        "discharge_rate": Decimal(rng.randrange(discharge[0], discharge[1] + 1, 500)),
        "load_rate": Decimal(rng.randrange(load[0], load[1] + 1, 500)) if load and rng.random() < 0.7 else None,
        "laytime_days": days, "turn_time_hours": rng.choice([12, 12, 6, 24]),
    }


def transit_days(load_country: str, discharge_country: str) -> int:
    if load_country == "CN":
        return TRANSIT_FROM_CHINA.get(discharge_country, 6)
    return TRANSIT.get(load_country, 20)


def _good_side(parameter, rules: list[PriceRule]) -> tuple[Decimal | None, Decimal | None]:
    """The range of results that neither rejects the cargo nor cuts its price."""
    low, high = parameter.minimum, parameter.maximum
    for rule in rules:
        if rule.kind == PriceRule.Kind.PRO_RATA or (rule.side == PriceRule.Side.BELOW and rule.amount < 0):
            low = rule.basis if low is None else max(low, rule.basis)
        elif rule.side == PriceRule.Side.ABOVE and rule.amount < 0:
            high = rule.basis if high is None else min(high, rule.basis)
    return low, high


def in_spec_result(rng: random.Random, parameter, rules: list[PriceRule]) -> Decimal:
    """A result near the typical value, on the side where it costs the buyer nothing."""
    typical = parameter.typical if parameter.typical is not None else Decimal(1)
    unit = Decimal(1) if typical >= 100 else Decimal("0.01") if typical >= 1 else Decimal("0.001")
    spread = abs(typical) * Decimal("0.03")
    low, high = _good_side(parameter, rules)
    if low is not None and high is None:
        value = max(typical, low) + spread * Decimal(rng.random())
    elif high is not None and low is None:
        value = min(typical, high) - min(spread, min(typical, high) / 2) * Decimal(rng.random())
    else:
        value = typical + spread * Decimal(rng.uniform(-1, 1))
    value = value.quantize(unit, ROUND_HALF_UP)
    if low is not None:
        value = max(value, low)
    if high is not None:
        value = min(value, high)
    return value


@dataclass
class Plan:
    """One shipment's voyage, from nomination to final value; what has happened by now is recorded."""

    deal: Deal
    number: int
    laycan_start: date
    laycan_end: date
    vessel: str
    imo: str
    bl_tonnes: Decimal
    short_percent: Decimal
    load_hours: Decimal
    transit: timedelta
    discharge_factor: Decimal
    arrival: datetime  # at the load port
    nominated: bool = True
    role: str = ""
    results: dict[str, dict[str, Decimal]] = field(default_factory=dict)  # place: {code: result} overrides

    @property
    def loaded(self) -> datetime:
        return self.arrival + timedelta(hours=float(self.load_hours))

    @property
    def discharge_arrival(self) -> datetime:
        return self.loaded + self.transit

    @property
    def notice(self) -> datetime:
        return self.discharge_arrival + timedelta(hours=2)

    @property
    def allowed_hours(self) -> Decimal:
        return self.bl_tonnes / (self.deal.discharge_rate or Decimal(10000)) * 24

    @property
    def completed(self) -> datetime:
        hours = Decimal(self.deal.turn_time_hours) + self.allowed_hours * self.discharge_factor
        return self.notice + timedelta(hours=float(hours))

    @property
    def outturn(self) -> Decimal:
        return (self.bl_tonnes * (1 - self.short_percent / 100)).quantize(Decimal("0.001"))


def _plans(rng: random.Random, deal: Deal, vessels: dict[str, str], today: date) -> list[Plan]:
    plans = []
    transit = transit_days(deal.load_port.country if deal.load_port else "AU",
                           deal.discharge_port.country if deal.discharge_port else "CN")
    assert deal.laycan_start and deal.laycan_end  # every signed demo deal has its laycan
    for number in range(1, deal.liftings + 1):
        start = min(deal.laycan_start + timedelta(days=4 * (number - 1)), deal.laycan_end)
        end = min(start + timedelta(days=rng.choice([4, 5, 6])), deal.laycan_end)
        vessel = rng.choice(VESSELS)
        imo = vessels.setdefault(vessel, imo_number(rng))
        share = deal.quantity_tonnes / deal.liftings
        spread = float(deal.tolerance_percent) * 0.7
        bl = (share * Decimal(1 + rng.uniform(-spread, spread) / 100)).quantize(Decimal("0.001"))
        short = Decimal(rng.uniform(0.6, 1.1) if rng.random() < 0.15 else rng.uniform(-0.05, 0.45))
        load_rate = deal.load_rate or Decimal(30000)
        arrival = timezone.make_aware(datetime.combine(start + timedelta(days=rng.randint(0, 2)),
                                                       time(rng.randint(0, 23), rng.choice([0, 15, 30, 45]))))
        plans.append(Plan(
            deal=deal, number=number, laycan_start=start, laycan_end=end, vessel=vessel, imo=imo, bl_tonnes=bl,
            short_percent=short.quantize(Decimal("0.01")),
            load_hours=(bl / load_rate * 24 * Decimal(rng.uniform(0.8, 1.3)) + 6).quantize(Decimal(1)),
            transit=timedelta(days=transit + rng.randint(0, 2), hours=rng.randint(0, 23)),
            discharge_factor=Decimal(rng.uniform(0.7, 1.35)).quantize(Decimal("0.01")), arrival=arrival,
            # Within ten days of its laycan every other contract still waits for its vessel (the nomination
            # reminder); further off, none is named yet.
            nominated=(start - today).days <= 10 and deal.pk % 2 == 1 or (start - today).days < 0,
        ))
    return plans


def _assign_roles(plans: list[Plan], now: datetime) -> None:
    """Give the recent voyages the states and incidents the demo shows: one loading, one sailing with a
    B/L accepted outside tolerance, one still discharging on demurrage, off-spec and short cargoes."""
    past = sorted((plan for plan in plans if plan.nominated and plan.laycan_start < now.date() - timedelta(days=1)),
                  key=lambda plan: (plan.laycan_start, plan.deal.pk, plan.number), reverse=True)
    loading, sailing, working, *older = past
    loading.role, loading.load_hours = "loading", max(loading.load_hours, Decimal(60))
    loading.arrival = now - timedelta(hours=float(loading.load_hours) / 2)
    sailing.role = "bl_accepted"
    sailing.arrival = now + timedelta(days=3) - sailing.transit - timedelta(hours=float(sailing.load_hours))
    working.role = "demurrage"
    # Notice of readiness long enough ago that laytime ran out a day and a half ago.
    notice = now - timedelta(hours=float(working.allowed_hours) + working.deal.turn_time_hours + 48)
    working.arrival = notice - timedelta(hours=2) - working.transit - timedelta(hours=float(working.load_hours))
    discharged = [plan for plan in older if plan.completed < now - timedelta(days=15) and plan.deal.specification_id]
    roles = [
        ("late_final", lambda plan: True),
        ("off_spec", lambda plan: plan.deal.specification.name == "NAR 5500 kcal/kg"),
        ("rejectable", lambda plan: plan.deal.specification.name == "NAR 5500 kcal/kg"),
        ("ore_claim", lambda plan: plan.deal.specification.name == "Fe 62%"),
        ("short_claim", lambda plan: plan.deal.quantity_basis == QuantityBasis.BL),
    ]
    for role, fits in roles:
        plan = next(plan for plan in discharged if not plan.role and fits(plan))
        plan.role = role
    special = {"off_spec": {"nar": Decimal(5350)}, "rejectable": {"nar": Decimal(4950)},
               "ore_claim": {"fe": Decimal("61.2"), "sio2": Decimal("4.75"), MOISTURE: Decimal("8.5")}}
    for plan in plans:
        if plan.role in special:
            plan.results[plan.deal.final_assay] = special[plan.role]
        if plan.role == "short_claim":
            plan.short_percent = Decimal("0.60")
        elif plan.role in ("off_spec", "rejectable", "ore_claim"):
            plan.short_percent = min(plan.short_percent, Decimal("0.30"))


class Recorder:
    """Records the plans through the execution services, as the owners (and their managers) would."""

    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng, self.now = rng, now
        self.service = User.objects.filter(position=Position.CUSTOMER_SERVICE, is_active=True).order_by(
            "username").first() or User.objects.get(position=Position.DIRECTOR, is_active=True)
        self.certificates = 0
        self.finalised: list[tuple[int, datetime]] = []
        self.recorded_at: list[tuple[int, datetime]] = []

    def record(self, plan: Plan) -> None:
        deal, now = plan.deal, self.now
        owner = deal.owner
        if not plan.nominated:
            services.shipment_save(shipment=Shipment(deal=deal, laycan_start=plan.laycan_start,
                                                     laycan_end=plan.laycan_end), by=owner)
            return
        shipment = Shipment(deal=deal, vessel_name=plan.vessel, imo=plan.imo, laycan_start=plan.laycan_start,
                            laycan_end=plan.laycan_end, nominated_on=plan.laycan_start - timedelta(days=15),
                            eta_load=timezone.localdate(plan.arrival))
        if plan.arrival <= now:
            shipment.load_arrived_at = plan.arrival
        if plan.loaded <= now:
            shipment.bl_date, shipment.bl_tonnes = timezone.localdate(plan.loaded), plan.bl_tonnes
        if plan.role == "bl_accepted":
            least, most = services.lifting_range(deal)
            shipment.bl_tonnes = (most * Decimal("1.015")).quantize(Decimal(1))
        if plan.discharge_arrival <= now:
            shipment.discharge_arrived_at = plan.discharge_arrival
        done = plan.completed <= now and plan.role != "demurrage"
        if done:
            shipment.discharge_completed_at, shipment.outturn_tonnes = plan.completed, plan.outturn
        if plan.role == "bl_accepted":
            manager = owner.team.manager if owner.team else owner
            services.shipment_save(shipment=shipment, by=manager, acceptance_reason=ACCEPTANCE_REASON)
        else:
            services.shipment_save(shipment=shipment, by=owner)
        if shipment.bl_tonnes is None:
            return
        if deal.specification_id:
            self._assay(plan, shipment, LOAD, timezone.localdate(plan.loaded))
            if done and (deal.final_assay == DISCHARGE or plan.number % 2 == 0):
                self._assay(plan, shipment, DISCHARGE, timezone.localdate(plan.completed))
        if deal.load_rate:
            self._laytime(shipment, LOAD, plan.arrival + timedelta(hours=1), plan.loaded, [])
        if shipment.discharge_arrived_at:
            exceptions = []
            if self.rng.random() < 0.35:
                rain = plan.notice + timedelta(hours=deal.turn_time_hours + self.rng.randint(4, 30))
                exceptions.append(LaytimeException(kind=LaytimeException.Kind.WEATHER, starts_at=rain,
                                                   ends_at=rain + timedelta(hours=self.rng.randint(3, 10)),
                                                   note=self.rng.choice(WEATHER)))
            self._laytime(shipment, DISCHARGE, plan.notice, plan.completed if done else None,
                          [each for each in exceptions if each.ends_at < now])
        if not done:
            return
        if plan.role in ("", "short_claim", "ore_claim") and plan.completed < now - timedelta(days=10):
            shipment = services.shipment_finalise(shipment=shipment, by=owner, expected_version=shipment.version)
            self.finalised.append((shipment.pk, plan.completed + timedelta(days=self.rng.randint(4, 9))))
        if plan.role in ("short_claim", "ore_claim", "rejectable"):
            self._claim(plan, shipment)

    def _assay(self, plan: Plan, shipment: Shipment, place: str, day: date) -> None:
        deal = plan.deal
        spec: Specification = deal.specification  # type: ignore[assignment]  # checked by the caller
        overrides = plan.results.get(place, {})
        results = {}
        for parameter in spec.parameters.all():
            rules = [rule for rule in spec.price_rules.all() if rule.parameter_id == parameter.pk]
            results[parameter] = overrides.get(parameter.code, in_spec_result(self.rng, parameter, rules))
        laboratory = self.rng.choice(LABORATORIES[place])
        self.certificates += 1
        port = (deal.load_port if place == LOAD else deal.discharge_port)
        code = (port.name if port else "XX")[:3].upper()
        assay = services.assay_record(
            shipment=shipment, place=place, laboratory=laboratory, certificate_date=day, results=results,
            certificate_number=f"{laboratory}/{code}/{day:%Y}/{self.certificates + 4000:05d}", by=deal.owner)
        self.recorded_at.append((assay.pk, timezone.make_aware(datetime.combine(day, time(17)))))

    def _laytime(self, shipment: Shipment, place: str, notice: datetime, completed: datetime | None,
                 exceptions: list[LaytimeException]) -> None:
        services.laytime_record(shipment=shipment, port_role=place, notice_tendered_at=notice, completed_at=completed,
                                exceptions=exceptions, by=shipment.deal.owner)

    def _claim(self, plan: Plan, shipment: Shipment) -> None:
        """The buyer's claim, raised by the owner for customer service; settled for the two final cargoes."""
        wanted = {"short_claim": (CargoClaim.Kind.QUANTITY, None), "ore_claim": (CargoClaim.Kind.QUALITY, "sio2"),
                  "rejectable": (CargoClaim.Kind.QUALITY, "nar")}[plan.role]
        suggestion = next(each for each in suggested_claims(shipment)
                          if (each.kind, each.parameter.code if each.parameter else None) == wanted)
        received = plan.completed + timedelta(days=3, hours=2)
        description = {"short_claim": "收货人按卸货数量提出短重索赔，附港口水尺计重报告。",
                       "ore_claim": "Receiver claims the SiO2 penalty on the load port certificate (4.75%).",
                       "rejectable": "收货人称卸港化验热值 4,950 大卡，低于拒收线，要求退货或大幅降价。"}[plan.role]
        complaint = services.claim_raise(
            shipment=shipment, suggestion=suggestion, assignee=self.service, channel=Complaint.Channel.EMAIL,
            severity=Complaint.Severity.HIGH, received_at=received, description=description, by=plan.deal.owner)
        complaint_transition(complaint=complaint, to_status=Complaint.Status.INVESTIGATING, by=self.service,
                             text="已联系检验机构复核。")
        responded = received + timedelta(hours=20)
        resolved = None
        if plan.role != "rejectable":
            settlement = (Complaint.Settlement.CREDIT_NOTE if plan.role == "short_claim"
                          else Complaint.Settlement.DISCOUNT)
            complaint_transition(complaint=complaint, to_status=Complaint.Status.RESOLVED, by=self.service,
                                 text="Agreed with the receiver; settled as claimed.", settlement=settlement,
                                 settled_amount=suggestion.amount)
            resolved = received + timedelta(days=9)
        # As people did it, not at the seed's own moment.
        Complaint.objects.filter(pk=complaint.pk).update(responded_at=responded, resolved_at=resolved)
        for event in ComplaintEvent.objects.filter(complaint=complaint).order_by("pk"):
            event.at = (received if event.kind == ComplaintEvent.Kind.RECORDED
                        else resolved if resolved and event.to_status == Complaint.Status.RESOLVED else responded)
            event.save(update_fields=["at"])


def seed_shipments() -> None:
    if Shipment.objects.exists():
        return
    rng = random.Random(20261213)
    now = timezone.now()
    today = timezone.localdate(now)
    deals = list(Deal.objects.filter(outcome=Outcome.WON, laycan_start__isnull=False, laycan_end__isnull=False)
                 .select_related("owner__team__manager", "customer", "load_port", "discharge_port")
                 .prefetch_related(Prefetch("specification", queryset=Specification.objects.prefetch_related(
                     "parameters", "price_rules")))
                 .order_by("pk"))
    vessels: dict[str, str] = {}
    plans = [plan for deal in deals for plan in _plans(rng, deal, vessels, today)]
    _assign_roles(plans, now)
    recorder = Recorder(rng, now)
    for plan in plans:
        recorder.record(plan)
    # The moments people recorded them, rather than the seed's.
    Shipment.objects.bulk_update([Shipment(pk=pk, finalised_at=at) for pk, at in recorder.finalised],
                                 ["finalised_at"], batch_size=500)
    Assay.objects.bulk_update([Assay(pk=pk, recorded_at=at) for pk, at in recorder.recorded_at], ["recorded_at"],
                              batch_size=500)
    raise_reminders(now=now)  # so the inbox is full on first sign-in
