"""The pipeline of `seed_demo --size large`: 200,000 deals over two years with a stage move for every
step of their paths, a million visits and calls, market research and monthly exchange rates, written
in bulk. Then the derived data, by the services' own set-based functions: each customer's last contact
and next follow-up, the customers' tiers; and (seed_reminders_large, once the shipments are in)
today's reminders."""

import bisect
import random
import time
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from accounts.models import Position, User
from bulksales.demo.bulk import next_id
from bulksales.demo.large.seed import LargeSeed
from bulksales.demo.pipeline import COMPETITORS, DOMESTIC_COAL, LOST_REASONS, NEXT_STEPS, PORTS, SUMMARIES, TERMS
from bulksales.demo.shipments import execution_terms
from bulksales.demo.specifications import seed_specifications, specifications_by_grade
from customers.models import Commodity, Customer, CustomerCommodity, TierChange
from customers.tiers import recompute_tiers
from pipeline.activities import refresh_customer_follow_up
from pipeline.models import (
    STAGE_ORDER,
    Activity,
    Deal,
    ExchangeRate,
    LostReason,
    MarketResearch,
    Outcome,
    Port,
    Reminder,
    Stage,
    StageMove,
)
from pipeline.reminders import active_directors, find_causes, recipients

DEALS = 200_000
ACTIVITIES = 1_000_000
RESEARCH = 4_000
# What became of the deals: still open in each of the three stages an open deal can be in, won, lost.
FATES = ["research", "development", "negotiation", "won", "lost"]
FATE_WEIGHTS = {
    Customer.Status.PROSPECT: [25, 25, 20, 0, 30],  # a prospect has signed nothing yet
    Customer.Status.LOST: [0, 0, 0, 35, 65],  # a lost customer has no open deal
}
DEFAULT_FATE_WEIGHTS = [9, 11, 12, 43, 25]
DEAL_WEIGHT = {Customer.Status.ACTIVE: 1.0, Customer.Status.DORMANT: 0.6, Customer.Status.PROSPECT: 0.25,
               Customer.Status.LOST: 0.4}
ACCOUNT_SIZES, ACCOUNT_SIZE_SHARES = [60, 2, 0.3], [8, 40, 52]  # relative deal counts, and how many such customers
BACK_AND_FORTH = 0.05  # deals that went back from negotiation to development once
BACK_REASON = "Customer asked to revisit the specification"
ACTIVITY_KINDS = list(Activity.Kind.values)
ACTIVITY_WEIGHTS = [30, 35, 10, 10, 3, 12]
RECENT = timedelta(days=20)  # activities this recent may still have an open next step
USD_IN_CNY = Decimal("7.10")
TERM_FIELDS = ["liftings", "quantity_basis", "final_assay", "discharge_rate", "load_rate", "laytime_days",
               "turn_time_hours"]


def _rates(rng: random.Random, seed: LargeSeed) -> dict[str, list[tuple[date, Decimal]]]:
    """Monthly rates of the currencies the deals use, from before the two years to this month."""
    base = settings.BASE_CURRENCY
    usd = {"CNY": USD_IN_CNY, "USD": Decimal(1)}.get(base, Decimal(1))
    per_unit = {"USD": usd, "CNY": usd / USD_IN_CNY}
    month = seed.today.replace(day=1)
    months = []
    for _ in range(27):
        months.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    rows = []
    for currency, value in per_unit.items():
        if currency == base:
            continue
        for valid_from in reversed(months):
            jitter = Decimal(1) + Decimal(rng.randint(-20, 20)) / 1000
            rows.append(ExchangeRate(currency=currency, valid_from=valid_from,
                                     rate=(value * jitter).quantize(Decimal("0.000001"))))
    ExchangeRate.objects.bulk_create(rows, ignore_conflicts=True)
    rates: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    for currency, valid_from, rate in ExchangeRate.objects.order_by("currency", "valid_from").values_list(
            "currency", "valid_from", "rate"):
        rates[currency].append((valid_from, rate))
    return rates


def _rate_on(rates: dict, currency: str, day: date) -> Decimal:
    """As selectors.rate_for: the rate in force on `day`."""
    if currency == settings.BASE_CURRENCY:
        return Decimal(1)
    table = rates[currency]
    position = bisect.bisect_right(table, (day, Decimal("Infinity"))) - 1
    return table[max(position, 0)][1]


def _visited(rng: random.Random, fate: str) -> list[int]:
    """The stage indexes a deal went through, in order."""
    last = {"research": 0, "development": 1, "negotiation": 2, "won": 2}.get(fate)
    if last is None:
        last = rng.randint(0, 2)
    stages = list(range(last + 1))
    if last == 2 and rng.random() < BACK_AND_FORTH:
        stages += [1, 2]
    return stages


def seed_pipeline_large(seed: LargeSeed) -> None:
    rng = random.Random(20261203)
    now = seed.now
    ports = {name: Port.objects.get_or_create(name=name, defaults={"name_zh": zh, "country": country})[0].pk
             for name, zh, country in PORTS}
    reasons = [(reason.pk, reason.name) for reason in
               (LostReason.objects.get_or_create(name=name, defaults={"name_zh": zh})[0] for name, zh in LOST_REASONS)]
    rates = _rates(rng, seed)
    commodities = dict(Commodity.objects.values_list("name", "pk"))
    seed_specifications()
    grades = specifications_by_grade()
    customers = list(Customer.objects.order_by("pk").values_list("pk", "owner_id", "created_at", "status"))
    if not customers:
        return
    bought: dict[int, list[str]] = defaultdict(list)
    for customer_id, name in CustomerCommodity.objects.order_by("pk").values_list("customer_id", "commodity__name"):
        bought[customer_id].append(name)

    deals, moves, spans = _deals(rng, seed, customers, bought, commodities, grades, ports, reasons, rates)
    seed.insert(Deal, ["id", "customer", "owner", "commodity", "specification", "grade", "quantity_tonnes",
                       "tolerance_percent", "tolerance_option", "price_per_tonne", "currency", "rate_to_base",
                       "amount_base", "incoterm", "load_port", "discharge_port", "laycan_start", "laycan_end",
                       "payment_terms", "demurrage_rate", *TERM_FIELDS,
                       "expected_signing_date", "competitor", "stage", "furthest_stage", "outcome", "lost_reason",
                       "contract_number", "signed_on", "credited_to", "notes", "created_at", "updated_at",
                       "stage_entered_at", "version"],
                deals)
    seed.insert(StageMove, ["id", "deal", "from_stage", "to_stage", "from_outcome", "to_outcome", "by", "at", "reason",
                            "from_stage_since"], moves)
    del deals, moves
    seed.insert(Activity, ["id", "kind", "customer", "deal", "owner", "happened_at", "summary", "outcome", "next_step",
                           "next_step_due", "next_step_done", "created_at"],
                _activities(rng, seed, customers, spans))
    seed.insert(MarketResearch, ["commodity", "region", "port", "researched_on", "method", "price_low", "price_high",
                                 "currency", "competitors", "supply_demand", "author", "created_at"],
                _research(rng, seed, commodities, ports))
    seed.analyze(Deal, StageMove, Activity, MarketResearch, ExchangeRate)

    since = time.monotonic()
    updated = refresh_customer_follow_up(Customer.objects.values("pk"))
    seed.report("customers' last/next contact", updated, since)
    since = time.monotonic()
    changed = recompute_tiers(now=now)
    seed.report("customers' tiers (changes)", changed, since)
    seed.analyze(Customer, TierChange)


def seed_reminders_large(seed: LargeSeed) -> None:
    """Today's reminders, once the deals, complaints and shipments they are about are in."""
    seed.insert(Reminder, ["recipient", "kind", "cause", "day", "escalated", "due_on", "customer", "deal", "activity",
                           "complaint", "created_at"], _reminders(seed))


def _deals(rng, seed, customers, bought, commodities, grades, ports, reasons, rates):
    """The deal rows, their stage moves, and each deal's (customer, owner, created, ended) for the activities."""
    now, today = seed.now, seed.today
    hour = timedelta(hours=1)
    # A few key accounts buy most (the plan's high-value customers), many buy now and then.
    weights = [rng.choices(ACCOUNT_SIZES, weights=ACCOUNT_SIZE_SHARES)[0] * DEAL_WEIGHT[status]
               for _pk, _owner, _created, status in customers]
    chosen = rng.choices(range(len(customers)), weights=weights, k=seed.count(DEALS))
    chosen.sort()  # a customer's deals get neighbouring ids, as when a rep enters them over time
    deal_id, move_id = next_id(Deal), next_id(StageMove)
    terms_rng = random.Random(20261213)  # its own, so that the deals drawn stay as they were
    deals, moves, spans = [], [], []
    for position in chosen:
        customer_id, owner, customer_created, status = customers[position]
        fate = rng.choices(FATES, weights=FATE_WEIGHTS.get(status, DEFAULT_FATE_WEIGHTS))[0]
        names = bought.get(customer_id) or ["Thermal coal"]
        name = rng.choice(names)
        domestic = name == "Thermal coal" and rng.random() < 0.15
        terms = DOMESTIC_COAL if domestic else TERMS[name]
        grade, tonnes, price, currency, loads, discharges, incoterm, payment = terms
        quantity = Decimal(rng.randrange(tonnes[0], tonnes[1] + 1, 1000))
        unit_price = Decimal(rng.randint(price[0] * 100, price[1] * 100)) / 100

        visited = _visited(rng, fate)
        closing = fate in ("won", "lost")
        gaps = [timedelta(days=rng.randint(5, 40), hours=rng.randint(0, 23))
                for _ in range(len(visited) - 1 + closing)]
        total = sum(gaps, timedelta())
        earliest = customer_created + hour
        latest = now - hour
        if closing:
            room = latest - earliest - total
            end = earliest + total + room * rng.random() if room > timedelta() else latest
        else:
            end = max(earliest, now - timedelta(days=rng.randint(0, 60), hours=rng.randint(1, 12)))
        if end - total < earliest:  # a young customer: the same steps, faster
            factor = max(end - earliest, timedelta()) / total if total else 0
            gaps = [gap * factor for gap in gaps]
            total = sum(gaps, timedelta())
        created = end - total

        at, stage_at = created, created
        stage = STAGE_ORDER[0]
        for step, index in enumerate(visited[1:]):
            at += gaps[step]
            to_stage = STAGE_ORDER[index]
            moves.append((move_id, deal_id, stage, to_stage, Outcome.OPEN, Outcome.OPEN, owner, at,
                          BACK_REASON if index < STAGE_ORDER.index(stage) else "", stage_at))
            move_id += 1
            stage, stage_at = to_stage, at
        outcome, signed_on, contract, lost_reason = Outcome.OPEN, None, "", None
        laycan_start, expected = None, None
        if fate == "won":
            at += gaps[-1]
            moves.append((move_id, deal_id, stage, Stage.FOLLOW_UP, Outcome.OPEN, Outcome.WON, owner, at, "", stage_at))
            move_id += 1
            stage, stage_at, outcome = Stage.FOLLOW_UP, at, Outcome.WON
            signed_on = timezone.localtime(at).date()
            contract = f"BS-{signed_on:%Y}-{deal_id:06d}"
            laycan_start = signed_on + timedelta(days=rng.randint(15, 45))
        elif fate == "lost":
            at += gaps[-1]
            lost_reason, reason_name = rng.choice(reasons)
            moves.append((move_id, deal_id, stage, stage, Outcome.OPEN, Outcome.LOST, owner, at, reason_name,
                          stage_at))
            move_id += 1
            outcome = Outcome.LOST
        else:
            expected = today + timedelta(days=rng.randint(-15, 75))
            if stage == Stage.NEGOTIATION:
                laycan_start = today + timedelta(days=rng.randint(3, 60))
        execution = execution_terms(terms_rng, name, quantity)
        laycan_end = laycan_start + timedelta(days=rng.choice([9, 10, 14])) if laycan_start else None
        # As services._price_in_base: the signing date's rate once signed, else the latest.
        rate = _rate_on(rates, currency, signed_on or today)
        amount_base = (quantity * unit_price * rate).quantize(Decimal("0.01"))
        deals.append((
            deal_id, customer_id, owner, commodities[name], grades.get((name, grade)),
            "" if (name, grade) in grades else grade, quantity, Decimal(rng.choice([5, 10, 10, 10])),
            "molso", unit_price, currency, rate, amount_base, incoterm, ports[rng.choice(loads)],
            ports[rng.choice(discharges)], laycan_start, laycan_end, payment,
            Decimal(rng.choice([15000, 18000, 20000, 25000])),
            *(execution[name] for name in TERM_FIELDS), expected,
            rng.choice(COMPETITORS) if rng.random() < 0.4 else "", stage,
            Stage.FOLLOW_UP if fate == "won" else STAGE_ORDER[max(visited)], outcome, lost_reason, contract, signed_on,
            owner if signed_on else None, "", created, at, stage_at, 2 + len(visited) - 1 + closing,
        ))
        spans.append((deal_id, position, created, at if closing else now))
        deal_id += 1
    return deals, moves, spans


def _activity(rng, activity_id, customer_id, deal_id, owner, when, now):
    next_step, due, done = "", None, False
    if now - when < RECENT:
        if rng.random() < 0.15:  # a quarter of the regular demo's share: these customers are called far more often
            next_step = rng.choice(NEXT_STEPS)
            due = timezone.localtime(when + timedelta(days=rng.randint(2, 14))).date()
    elif rng.random() < 0.2:  # older next steps were done
        next_step, done = rng.choice(NEXT_STEPS), True
        due = timezone.localtime(when + timedelta(days=rng.randint(2, 14))).date()
    return (activity_id, rng.choices(ACTIVITY_KINDS, weights=ACTIVITY_WEIGHTS)[0], customer_id, deal_id, owner, when,
            rng.choice(SUMMARIES), "", next_step, due, done, when)


def _activities(rng, seed, customers, spans):
    """About half the activities are about a deal (during its life), the rest about the customer."""
    now = seed.now
    total = seed.count(ACTIVITIES)
    activity_id = next_id(Activity)
    per_deal = [rng.randint(1, 4) for _ in spans]
    linked = min(total, sum(per_deal))
    written = 0
    for (deal_id, position, created, ended), count in zip(spans, per_deal, strict=True):
        customer_id, owner, _created, _status = customers[position]
        length = (ended - created).total_seconds()
        for _ in range(count):
            if written >= linked:
                break
            when = created + timedelta(seconds=length * rng.random())
            yield _activity(rng, activity_id, customer_id, deal_id, owner, when, now)
            activity_id += 1
            written += 1
    deals_of: defaultdict[int, int] = defaultdict(int)
    for _deal_id, position, _created, _ended in spans:
        deals_of[position] += 1
    # Customers with more deals are called more; a lost customer was last called before it left.
    weights = [1 + deals_of[position] for position in range(len(customers))]
    for position in rng.choices(range(len(customers)), weights=weights, k=total - linked):
        customer_id, owner, created, status = customers[position]
        share = 0.6 if status == Customer.Status.LOST else 1.0
        when = created + (now - created) * (rng.random() * share)
        yield _activity(rng, activity_id, customer_id, None, owner, when, now)
        activity_id += 1


def _research(rng, seed, commodities, ports):
    authors = list(User.objects.filter(position__in=[Position.MARKETING, Position.REP], is_active=True)
                   .order_by("username").values_list("pk", flat=True))
    if not authors:
        return
    names = list(TERMS)
    for index in range(seed.count(RESEARCH)):
        name = rng.choice(names)
        grade, _tonnes, price, currency, _loads, discharges, *_rest = TERMS[name]
        low = Decimal(rng.randint(price[0], price[1] - 2))
        port = rng.choice(discharges)
        when = seed.now - timedelta(days=rng.randint(0, 729), hours=rng.randint(0, 12))
        yield (commodities[name], port, ports[port], timezone.localtime(when).date(),
               rng.choice(list(MarketResearch.Method.values)), low, low + rng.randint(1, 6), currency,
               f"{rng.choice(COMPETITORS)} offering {grade} at {low + 1} {currency}/t",
               "港口库存下降，钢厂补库需求回升。" if index % 2
               else "Port stocks high; buyers waiting for lower prices.",
               authors[index % len(authors)], when)


def _reminders(seed: LargeSeed):
    """Today's reminders as the hourly job raises them (reminders.raise_reminders), on a database
    that has none yet: the same causes and recipients, inserted in bulk."""
    today = seed.today
    directors = active_directors()
    seen = set()
    for cause in find_causes(seed.now):
        for recipient_id, escalated in recipients(cause, today, directors):
            if (recipient_id, cause.key) in seen:
                continue
            seen.add((recipient_id, cause.key))
            yield (recipient_id, cause.kind, cause.key, today, escalated, cause.due_on, cause.customer_id,
                   cause.deal_id, cause.activity_id, cause.complaint_id, seed.now)
