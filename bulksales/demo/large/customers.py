"""The customers of `seed_demo --size large`: 20,000 buyers created over two years with their contacts
and commodities, satisfaction surveys, and 20,000 complaints with their timelines, written in bulk.
Tiers, last contact and next follow-up are derived later, by the pipeline's seeder, from the deals
and activities (with the services' own set-based functions)."""

import random
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import product

from accounts.models import SCORED_POSITIONS, Position, User
from bulksales.demo.bulk import next_id
from bulksales.demo.customers import (
    BRANDS,
    CITIES,
    COMMODITIES,
    COMPLAINT_TEXTS,
    FOREIGN,
    FOREIGN_NAMES,
    GIVEN,
    KINDS,
    SURNAMES,
    TITLES,
)
from bulksales.demo.large.seed import HISTORY_DAYS, LargeSeed
from bulksales.demo.organisation import PEOPLE
from customers.complaints import deadlines_for
from customers.models import (
    Commodity,
    Complaint,
    ComplaintEvent,
    Contact,
    Customer,
    CustomerCommodity,
    SatisfactionSurvey,
    Tier,
    TierChange,
)
from customers.services import name_key
from customers.validators import USCC_ALPHABET, uscc_check_character

CUSTOMERS = 20_000
COMPLAINTS = 20_000
FOREIGN_SHARE = 0.12
PINNED_SHARE = 0.005  # customers whose tier a director pinned by hand
WORDS = ["", "新", "联合", "恒", "华", "国", "北方", "南方", "第一", "实业", "鑫", "天"]
FOREIGN_BRANDS = ["Pacific", "Golden", "Asia", "Coastal", "Harbour", "United", "Royal", "Eastern", "Sun", "Delta",
                  "Summit", "Prime", "Ocean", "Lotus", "Star", "Green", "Pearl", "Crown", "Bay", "Great", "Phoenix",
                  "Jade", "Silver", "Horizon"]
KIND_WORDS = {Customer.Kind.STEEL_MILL: "Steel", Customer.Kind.POWER_PLANT: "Power",
              Customer.Kind.CEMENT_PLANT: "Cement", Customer.Kind.FEED_MILL: "Feed",
              Customer.Kind.FERTILISER_PLANT: "Fertiliser", Customer.Kind.TRADER: "Trading",
              Customer.Kind.ALUMINA_REFINERY: "Alumina"}
SUFFIXES = {"VN": "JSC", "IN": "Ltd", "KR": "Co., Ltd.", "JP": "KK", "ID": "PT", "PH": "Corp", "BD": "Ltd", "PK": "Ltd",
            "AE": "FZE", "NL": "BV", "TH": "Public Co.", "MY": "Sdn Bhd", "TW": "Corp", "AU": "Pty Ltd", "LK": "PLC"}
RESOLUTION = "复检结果确认，按合同条款给予价格补偿。"
REOPEN_REASON = "客户补充材料，重新调查。"
FIRST_COMMENT = "已联系客户，安排第三方复检。"
# The steps a complaint went through (as the demo's): "comment" is customer service's first reply.
PATHS = [[], ["comment", "investigating"], ["comment", "investigating", "resolved"], ["resolved", "closed"],
         ["comment", "investigating", "resolved", "closed"], ["resolved", "closed", "investigating"]]
RECENT_WEIGHTS = [3, 3, 2, 2, 2, 1]
OLD_WEIGHTS = [1, 1, 3, 45, 45, 5]


def sellers_for_large_seed() -> list[int]:
    """Active reps and account managers, the demo's first (rep1 owns the first customer...), so that
    every demo login has its share even at a small scale."""
    demo_order = {username: index for index, (username, *_rest) in enumerate(PEOPLE)}
    rows = User.objects.filter(position__in=SCORED_POSITIONS, is_active=True).values_list(
        "pk", "username")
    return [pk for pk, username in sorted(rows, key=lambda row: (demo_order.get(row[1], len(demo_order)), row[0]))]


def _names(rng: random.Random, domestic: int, abroad: int) -> list[tuple]:
    """Unique company names: (name, short name, country, province, city, kind)."""
    chinese = list(product(CITIES, BRANDS, WORDS, KINDS))
    rng.shuffle(chinese)
    foreign = list(product(FOREIGN, FOREIGN_BRANDS, KIND_WORDS))
    rng.shuffle(foreign)
    names = [(f"{city}{brand}{word}{KINDS[kind][0]}", f"{city}{brand}{word}", "CN", province, city, kind)
             for (city, province, _en), brand, word, kind in chinese[:domestic]]
    names += [(f"{city} {brand} {KIND_WORDS[kind]} {SUFFIXES[country]}", "", country, "", city, kind)
              for (_name, country, city, _kind), brand, kind in foreign[:abroad]]
    return names


def seed_customers_large(seed: LargeSeed) -> None:
    rng = random.Random(20261202)
    now = seed.now
    commodities = {key: Commodity.objects.get_or_create(name=name, defaults={"name_zh": name_zh})[0].pk
                   for key, (name, name_zh) in COMMODITIES.items()}
    sellers = sellers_for_large_seed()
    service = list(User.objects.filter(position=Position.CUSTOMER_SERVICE, is_active=True).order_by("pk")
                   .values_list("pk", flat=True))
    director = User.objects.filter(position=Position.DIRECTOR, is_active=True).order_by("pk").values_list(
        "pk", flat=True).first()
    total = seed.count(CUSTOMERS)
    abroad = round(total * FOREIGN_SHARE)
    names = _names(rng, total - abroad, abroad)
    rng.shuffle(names)

    customer_id, contact_id, volume_id = next_id(Customer), next_id(Contact), next_id(CustomerCommodity)
    customers, contacts, volumes, pinned = [], [], [], []
    profiles = []  # (id, owner, created, status, primary contact) for surveys and complaints
    registrations = set()
    statuses, status_weights = list(Customer.Status.values), [25, 60, 10, 5]
    for index, (name, short_name, country, province, city, kind) in enumerate(names):
        owner = sellers[index % len(sellers)]
        # More customers from the early months (the book of business the company started with).
        created = now - timedelta(days=int(HISTORY_DAYS * rng.random() ** 0.5), seconds=rng.randint(0, 86_399))
        status = rng.choices(statuses, weights=status_weights)[0]
        if country == "CN":
            registration = _uscc(rng)
            while registration in registrations:
                registration = _uscc(rng)
            registrations.add(registration)
        else:
            registration = f"{country}-{100000 + index * 7919}"
        is_pinned = rng.random() < PINNED_SHARE and director is not None
        reason = "Strategic account: long-term supply agreement under discussion" if is_pinned else ""
        customers.append((customer_id, name, short_name, name_key(name), registration, country, province, city, "",
                          kind, status, rng.choice(list(Customer.LeadSource.values)),
                          rng.choice(["lc_sight", "lc_usance", "tt_deposit", "cad"]), owner, "",
                          Tier.HIGH if is_pinned else Tier.GENERAL, is_pinned, reason, None, None, created, created))
        if is_pinned:
            pinned.append((customer_id, Tier.GENERAL, Tier.HIGH, director,
                           created + (now - created) * rng.random(), reason))
        _ending, buys, typical = KINDS[kind]
        share = rng.choice([0.01, 0.02, 0.04, 0.06, 0.1, 0.15, 0.3, 0.5])
        chosen = rng.sample(buys, k=min(len(buys), rng.randint(1, 2)))
        for key in chosen:
            tonnes = int(typical * share / len(chosen)) // 1000 * 1000
            volumes.append((volume_id, customer_id, commodities[key], tonnes))
            volume_id += 1
        primary = contact_id
        for position in range(rng.randint(1, 3)):
            if country == "CN":
                contacts.append((contact_id, customer_id, rng.choice(SURNAMES) + rng.choice(GIVEN), rng.choice(TITLES),
                                 f"+86 {rng.choice(['138', '139', '186', '150'])} {rng.randint(1000, 9999)} "
                                 f"{rng.randint(1000, 9999)}", "", f"wx_{rng.randint(100000, 999999)}", position == 0))
            else:
                contacts.append((contact_id, customer_id, rng.choice(FOREIGN_NAMES), "Purchasing Manager", "",
                                 f"buyer{rng.randint(10, 99)}@{name_key(name).split()[0]}.example", "", position == 0))
            contact_id += 1
        profiles.append((customer_id, owner, created, status, primary))
        customer_id += 1

    seed.insert(Customer, ["id", "name", "short_name", "name_key", "registration_number", "country", "province", "city",
                           "address", "kind", "status", "lead_source", "payment_terms", "owner", "notes", "tier",
                           "tier_pinned", "tier_pin_reason", "last_contacted_at", "next_follow_up_on", "created_at",
                           "updated_at"], customers)
    seed.insert(CustomerCommodity, ["id", "customer", "commodity", "estimated_annual_tonnes"], volumes)
    seed.insert(Contact, ["id", "customer", "name", "title", "mobile", "email", "wechat_id", "is_primary"], contacts)
    seed.insert(TierChange, ["customer", "from_tier", "to_tier", "changed_by", "changed_at", "reason"],
                pinned)
    seed.insert(SatisfactionSurvey, ["customer", "contact", "surveyed_on", "method", "product_quality", "delivery",
                                     "service", "recommend", "comment", "recorded_by"], _surveys(rng, seed, profiles))
    if service:
        _seed_complaints(rng, seed, profiles, service)
    seed.analyze(Customer, CustomerCommodity, Contact, SatisfactionSurvey, Complaint, ComplaintEvent)


def _uscc(rng: random.Random) -> str:
    first = "91" + "".join(rng.choices("0123456789", k=6)) + "".join(rng.choices(USCC_ALPHABET, k=9))
    return first + uscc_check_character(first)


def _surveys(rng: random.Random, seed: LargeSeed, profiles: list):
    """About one survey a year with most buying customers, each by its owner with the primary contact."""
    today = seed.today
    for customer_id, owner, created, status, contact in profiles:
        if status == Customer.Status.PROSPECT or rng.random() < 0.4:
            continue
        days = (today - created.date()).days
        if days < 30:
            continue
        for _ in range(rng.randint(1, max(1, min(6, days // 120)))):
            base = rng.choice([3, 4, 4, 5])
            yield (customer_id, contact, today - timedelta(days=rng.randint(0, days - 1)),
                   rng.choice(["phone", "visit"]), base, max(1, base - rng.randint(0, 1)),
                   min(5, base + rng.randint(0, 1)), min(10, base * 2 + rng.randint(-1, 1)), "", owner)


def _seed_complaints(rng: random.Random, seed: LargeSeed, profiles: list, service: list[int]) -> None:
    now = seed.now
    buyers = [profile for profile in profiles if profile[3] != Customer.Status.PROSPECT] or profiles
    weights = [3 if profile[3] == Customer.Status.ACTIVE else 1 for profile in buyers]
    total = seed.count(COMPLAINTS)
    complaint_id, event_id = next_id(Complaint), next_id(ComplaintEvent)
    complaints = []
    events: list[tuple[int, int, str, str, str, str, int, datetime]] = []
    severities = list(Complaint.Severity.values)
    channels = list(Complaint.Channel.values)
    for index, (customer_id, _owner, created, _status, contact) in enumerate(rng.choices(buyers, weights, k=total)):
        category, text = COMPLAINT_TEXTS[index % len(COMPLAINT_TEXTS)]
        severity = severities[index % len(severities)]
        agent = service[index % len(service)]
        received = created + (now - created) * rng.random()
        respond_by, resolve_by = deadlines_for(severity, received)
        recent = now - received < timedelta(days=40)
        path = rng.choices(PATHS, weights=RECENT_WEIGHTS if recent else OLD_WEIGHTS)[0]
        status: str = Complaint.Status.OPEN
        responded, resolved, resolution = None, None, ""
        at = received
        events.append((event_id, complaint_id, ComplaintEvent.Kind.RECORDED, "", Complaint.Status.OPEN, "", agent,
                       received))
        event_id += 1
        for step in path:
            # Replies come within 10%-160% of the deadline, resolutions within 20%-150% (some late).
            if step == "comment":
                at = received + (respond_by - received) * rng.uniform(0.1, 1.6)
            elif step == "investigating" and status == Complaint.Status.OPEN:
                at += timedelta(minutes=rng.randint(5, 120))
            elif step == "resolved":
                at = max(at + timedelta(hours=1), received + (resolve_by - received) * rng.uniform(0.2, 1.5))
            else:
                at += timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 8))
            if at > now:
                break
            if step == "comment":
                events.append((event_id, complaint_id, ComplaintEvent.Kind.COMMENT, "", "", FIRST_COMMENT, agent, at))
                responded = responded or at
            else:
                reopening = step == "investigating" and status in (Complaint.Status.RESOLVED, Complaint.Status.CLOSED)
                note = RESOLUTION if step == "resolved" else REOPEN_REASON if reopening else ""
                events.append((event_id, complaint_id, ComplaintEvent.Kind.STATUS, status, step, note, agent, at))
                if status == Complaint.Status.OPEN and responded is None:
                    responded = at
                if step == "resolved":
                    resolved, resolution = at, RESOLUTION
                if reopening:
                    resolved = None
                status = step
            event_id += 1
        claimed = (Decimal(rng.randint(5, 300) * 1000), "USD") if category in ("quality", "quantity") and \
            rng.random() < 0.3 else (None, "")
        complaints.append((complaint_id, customer_id, contact, category, severity, rng.choice(channels), text, "",
                           claimed[0], claimed[1], status, agent, agent, received, respond_by, resolve_by, responded,
                           resolved, resolution))
        complaint_id += 1
    seed.insert(Complaint, ["id", "customer", "contact", "category", "severity", "channel", "description",
                            "contract_number", "claimed_amount", "claimed_currency", "status", "assignee",
                            "recorded_by", "received_at", "respond_by", "resolve_by", "responded_at", "resolved_at",
                            "resolution"],
                complaints)
    seed.insert(ComplaintEvent, ["id", "complaint", "kind", "from_status", "to_status", "text", "by", "at"], events)
