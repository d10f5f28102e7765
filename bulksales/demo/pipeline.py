"""Demo pipeline for `seed_demo`: ports, exchange rates, about 320 deals in every stage and
outcome with their stage histories, a few thousand visits and calls, and market research.
Deterministic (fixed seed); bulk inserts, so it takes seconds."""

import random
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from accounts.models import Position, User
from customers.models import Commodity, Customer
from customers.tiers import recompute_tiers
from pipeline.models import (
    STAGE_ORDER,
    Activity,
    Deal,
    ExchangeRate,
    LostReason,
    MarketResearch,
    Outcome,
    Port,
    Stage,
    StageMove,
)

from .shipments import execution_terms
from .specifications import specifications_by_grade

PORTS = [
    ("Newcastle", "纽卡斯尔", "AU"), ("Port Hedland", "黑德兰港", "AU"), ("Dampier", "丹皮尔", "AU"),
    ("Richards Bay", "理查兹湾", "ZA"), ("Samarinda", "三马林达", "ID"), ("Tubarão", "图巴朗", "BR"),
    ("Santos", "桑托斯", "BR"), ("Paranaguá", "巴拉那瓜", "BR"), ("New Orleans", "新奥尔良", "US"),
    ("Kamsar", "卡姆萨", "GN"), ("Qinhuangdao", "秦皇岛", "CN"), ("Qingdao", "青岛", "CN"), ("Rizhao", "日照", "CN"),
    ("Caofeidian", "曹妃甸", "CN"), ("Dalian", "大连", "CN"), ("Tianjin", "天津", "CN"),
    ("Lianyungang", "连云港", "CN"),
    ("Zhanjiang", "湛江", "CN"), ("Fangchenggang", "防城港", "CN"), ("Hai Phong", "海防", "VN"),
    ("Mundra", "蒙德拉", "IN"),
]
LOST_REASONS = [("Price too high", "价格过高"), ("Lost to a competitor", "输给竞争对手"),
                ("Quality specs not met", "品质指标不符"), ("Laycan did not suit", "受载期不合适"),
                ("Customer postponed purchase", "客户推迟采购"),
                ("Credit or payment terms refused", "信用或付款条件未获批")]
# commodity name: (grade, tonnes range, price range, currency, load ports, discharge ports, incoterm, payment)
TERMS = {
    "Thermal coal": ("NAR 5500 kcal/kg", (50000, 80000), (72, 96), "USD", ["Newcastle", "Richards Bay", "Samarinda"],
                     ["Qingdao", "Caofeidian", "Fangchenggang", "Zhanjiang"], "CFR", "lc_sight"),
    "Coking coal": ("Premium HCC", (40000, 75000), (190, 240), "USD", ["Dampier", "Newcastle"],
                    ["Caofeidian", "Rizhao", "Qingdao"], "CFR", "lc_usance"),
    "Iron ore fines": ("Fe 62%", (80000, 175000), (96, 118), "USD", ["Port Hedland", "Dampier", "Tubarão"],
                       ["Rizhao", "Qingdao", "Caofeidian", "Lianyungang"], "CFR", "lc_sight"),
    "Iron ore pellets": ("Fe 65% DR grade", (60000, 90000), (125, 150), "USD", ["Tubarão"], ["Rizhao", "Qingdao"],
                         "CFR", "lc_sight"),
    "Soybeans": ("GMO, protein 34% min", (55000, 66000), (420, 480), "USD", ["Santos", "Paranaguá", "New Orleans"],
                 ["Dalian", "Tianjin", "Qingdao"], "CIF", "lc_sight"),
    "Corn": ("US No.2 yellow", (55000, 66000), (205, 240), "USD", ["New Orleans", "Santos"], ["Dalian", "Zhanjiang"],
             "CIF", "lc_sight"),
    "Wheat": ("APW, protein 10.5%", (40000, 60000), (255, 290), "USD", ["Newcastle"], ["Tianjin", "Zhanjiang"], "CFR",
              "lc_usance"),
    "Urea": ("Granular, N 46%", (25000, 40000), (310, 380), "USD", ["Qinhuangdao"], ["Hai Phong", "Mundra"], "FOB",
             "tt_deposit"),
    "Cement clinker": ("OPC grade", (40000, 55000), (44, 55), "USD", ["Qinhuangdao"], ["Hai Phong"], "FOB",
                       "tt_deposit"),
    "Bauxite": ("Al2O3 45%", (160000, 180000), (45, 56), "USD", ["Kamsar"], ["Lianyungang", "Rizhao"], "CFR",
                "lc_usance"),
    "Steel scrap": ("HMS 1&2 80:20", (30000, 45000), (360, 410), "USD", ["New Orleans"], ["Zhanjiang"], "CFR",
                    "cad"),
}
DOMESTIC_COAL = ("Q5500 电煤", (30000, 60000), (760, 880), "CNY", ["Qinhuangdao"], ["Zhanjiang", "Fangchenggang"],
                 "FOB", "tt_deposit")
COMPETITORS = ["Glencore", "Trafigura", "Cargill", "Noble Resources", "中煤能源", "厦门象屿", "Vale", "BHP"]
SUMMARIES = ["拜访采购部，了解明年一季度用煤计划。", "电话沟通船期和受载期安排。", "发送报价单，客户正在内部审批。",
             "客户反馈对热值指标有要求，需提供化验报告。", "展会上见面，客户有意向试单。",
             "微信确认付款条件，倾向即期信用证。",
             "Discussed Q1 volumes and the index-linked price formula.", "Call about the vessel nomination and laycan."]
# A few deals sell a grade not on the commodity's list (shown flagged): at these positions of the loop.
OFF_LIST = {11: "Buyer's own specification, contract annex 2", 97: "按买方化验标准（合同附件）"}
NEXT_STEPS = ["发送正式报价", "安排实验室化验报告", "确认船期", "回访了解审批进度", "寄送合同草稿"]


def seed_pipeline() -> None:
    if Deal.objects.exists():
        return
    rng = random.Random(20261128)
    terms_rng = random.Random(20261213)  # its own, so that the deals drawn before execution terms stay the same
    now = timezone.now()
    today = timezone.localdate()
    ports = {name: Port.objects.get_or_create(name=name, defaults={"name_zh": zh, "country": country})[0]
             for name, zh, country in PORTS}
    reasons = [LostReason.objects.get_or_create(name=name, defaults={"name_zh": zh})[0] for name, zh in LOST_REASONS]
    _seed_rates(rng, today)
    customers = list(Customer.objects.exclude(status=Customer.Status.LOST).select_related("owner")
                     .prefetch_related("commodity_volumes__commodity", "contacts").order_by("pk"))
    commodities = {commodity.name: commodity for commodity in Commodity.objects.all()}
    grades = specifications_by_grade()
    rates = {"USD": Decimal("7.10"), "CNY": Decimal(1)} if settings.BASE_CURRENCY == "CNY" else {"USD": Decimal(1)}
    deals, histories = [], []
    for index in range(320):
        customer = customers[index % len(customers)]
        volume = rng.choice(list(customer.commodity_volumes.all()) or [None])
        commodity = volume.commodity if volume else commodities["Thermal coal"]
        grade, tonnes, price, currency, loads, discharges, incoterm, payment = (
            DOMESTIC_COAL if commodity.name == "Thermal coal" and index % 7 == 0 else TERMS[commodity.name])
        quantity = Decimal(rng.randrange(tonnes[0], tonnes[1] + 1, 1000))
        unit_price = Decimal(rng.randint(price[0] * 100, price[1] * 100)) / 100
        fate = rng.choices(["research", "development", "negotiation", "won", "lost"], weights=[14, 18, 20, 33, 15])[0]
        steps = {"research": 0, "development": 1, "negotiation": 2, "won": 3, "lost": rng.randint(0, 2)}[fate]
        gaps = [timedelta(days=rng.randint(5, 40)) for _ in range(steps + (fate == "lost"))]
        # Closed deals end on a day spread over two years (recent quarters included); open ones
        # reached their stage some time ago and are still going.
        ended = now - timedelta(days=rng.randint(1, 600) if fate in ("won", "lost") else rng.randint(0, 60),
                                hours=rng.randint(1, 12))
        created = ended - sum(gaps, timedelta())
        specification_id = None if index in OFF_LIST else grades.get((commodity.name, grade))
        deal = Deal(customer=customer, owner=customer.owner, commodity=commodity, specification_id=specification_id,
                    grade="" if specification_id else OFF_LIST.get(index, grade), quantity_tonnes=quantity,
                    tolerance_percent=Decimal(rng.choice([5, 10, 10, 10])), price_per_tonne=unit_price,
                    currency=currency, incoterm=incoterm, load_port=ports[rng.choice(loads)],
                    discharge_port=ports[rng.choice(discharges)], payment_terms=payment,
                    demurrage_rate=Decimal(rng.choice([15000, 18000, 20000, 25000])),
                    competitor=rng.choice(COMPETITORS) if rng.random() < 0.4 else "",
                    **execution_terms(terms_rng, commodity.name, quantity))
        path, moves = _path(fate, created, gaps, steps)
        deal.stage = deal.furthest_stage = path[-1][0]  # no move back here
        deal.outcome = Outcome.WON if fate == "won" else Outcome.LOST if fate == "lost" else Outcome.OPEN
        if fate == "won":
            deal.signed_on = timezone.localtime(path[-1][1]).date()
            deal.contract_number = f"BS-{deal.signed_on:%Y}-{index + 1:04d}"
            deal.credited_to = customer.owner
            deal.laycan_start = deal.signed_on + timedelta(days=rng.randint(15, 45))
        elif fate == "lost":
            deal.lost_reason = rng.choice(reasons)
        else:
            deal.expected_signing_date = today + timedelta(days=rng.randint(-15, 75))
            if deal.stage == Stage.NEGOTIATION:
                deal.laycan_start = today + timedelta(days=rng.randint(3, 60))
        if deal.laycan_start:
            deal.laycan_end = deal.laycan_start + timedelta(days=rng.choice([9, 10, 14]))
        deal.rate_to_base = rates.get(currency, Decimal(1))
        deal.amount_base = (quantity * unit_price * deal.rate_to_base).quantize(Decimal("0.01"))
        deals.append(deal)
        histories.append((created, path[-1][1], moves))
    Deal.objects.bulk_create(deals)
    owner_of = {deal.pk: deal.owner_id for deal in deals}
    for deal, (created, entered, _moves) in zip(deals, histories, strict=True):
        deal.created_at, deal.stage_entered_at, deal.updated_at = created, entered, entered
    Deal.objects.bulk_update(deals, ["created_at", "stage_entered_at", "updated_at"], batch_size=500)
    moves = [StageMove(deal=deal, by_id=owner_of[deal.pk], **move)
             for deal, (_c, _e, deal_moves) in zip(deals, histories, strict=True) for move in deal_moves]
    times = [move.at for move in moves]  # bulk_create stamps "now" over them (auto_now_add)
    StageMove.objects.bulk_create(moves, batch_size=1000)
    for move, at in zip(moves, times, strict=True):
        move.at = at
    StageMove.objects.bulk_update(moves, ["at"], batch_size=1000)
    _seed_activities(rng, customers, deals, now)
    _seed_research(rng, commodities, ports, today)
    _seed_contract_changes()
    _seed_split_credit()
    # The tier job sets the customers' tiers from the signed deals (from the estimated volume for one
    # that never signed), as the monthly run would: done here, once the deals are in, so the demo's
    # tiers are what its own tier policies give ("Recompute tiers now" then changes nothing), and
    # before the reminders (raised once the shipments are in, by seed_shipments), whose contact
    # cadence follows the tier. A tier set by hand stays.
    recompute_tiers(now=now)


def _seed_contract_changes() -> None:
    """Through the services, as people would: an approved and a pending amendment of rep1's latest
    contracts, and one of rep1's open deals transferred to the team's account manager, so that the deal
    pages, manager1's inbox and the timelines show them on first sign-in."""
    from pipeline.services import amendment_approve, amendment_request
    from pipeline.transfers import deal_transfer

    rep = User.objects.filter(username="rep1", team__isnull=False).select_related("team__manager").first()
    if rep is None or rep.team is None:
        return
    manager = rep.team.manager
    latest = list(Deal.objects.filter(owner=rep, outcome=Outcome.WON).order_by("-signed_on", "-pk")[:2])
    for deal, change, reason in zip(latest, (
            {"quantity_tonnes": Decimal(5000)}, {"price_per_tonne": Decimal("-1.50")}), (
            "买方追加 5,000 吨，同一受载期", "运费下调，双方同意每吨降价 1.50"), strict=False):
        proposed = Deal.objects.get(pk=deal.pk)
        for name, delta in change.items():
            setattr(proposed, name, getattr(proposed, name) + delta)
        amendment = amendment_request(deal=deal, proposed=proposed, reason=reason, by=rep,
                                      expected_version=deal.version)
        if "quantity_tonnes" in change:
            amendment_approve(amendment=amendment, by=manager, note="已与买方确认")
    account_manager = User.objects.filter(team=rep.team, position=Position.ACCOUNT_MANAGER, is_active=True).first()
    open_deal = Deal.objects.filter(owner=rep, outcome=Outcome.OPEN).order_by("pk").first()
    if account_manager and open_deal:
        deal_transfer(deal=open_deal, to_user=account_manager, by=manager, reason="客户改由客户经理统一维护")


def _seed_split_credit() -> None:
    """Through the service, as a manager would: two of rep1's signed contracts (not the two amended ones)
    shared 70/30 with the team's account manager, who worked them with the rep. Skipped once set."""
    from pipeline.services import deal_split_set

    rep = User.objects.filter(username="rep1", team__isnull=False).select_related("team__manager").first()
    if rep is None or rep.team is None or rep.team.manager is None:
        return
    account_manager = User.objects.filter(team=rep.team, position=Position.ACCOUNT_MANAGER, is_active=True).first()
    if account_manager is None or Deal.objects.filter(co_seller__isnull=False).exists():
        return
    for deal in Deal.objects.filter(owner=rep, outcome=Outcome.WON).order_by("-signed_on", "-pk")[2:4]:
        deal_split_set(deal=deal, co_seller=account_manager, share=Decimal(30), by=rep.team.manager,
                       expected_version=deal.version)


def _path(fate, created, gaps, steps):
    """The stages a deal went through, with the times of its moves."""
    at, path, moves = created, [(Stage.RESEARCH, created)], []
    for step in range(1, steps + 1):
        at += gaps[step - 1]
        stage = STAGE_ORDER[step]
        moves.append({"from_stage": STAGE_ORDER[step - 1], "to_stage": stage, "from_outcome": Outcome.OPEN,
                      "to_outcome": Outcome.WON if stage == Stage.FOLLOW_UP else Outcome.OPEN, "at": at, "reason": "",
                      "from_stage_since": path[-1][1]})
        path.append((stage, at))
    if fate == "lost":
        at += gaps[-1]
        moves.append({"from_stage": path[-1][0], "to_stage": path[-1][0], "from_outcome": Outcome.OPEN,
                      "to_outcome": Outcome.LOST, "at": at, "reason": "", "from_stage_since": path[-1][1]})
    return path, moves


def _seed_rates(rng, today) -> None:
    if settings.BASE_CURRENCY != "CNY":
        return
    rates = []
    for months_ago in range(24, -1, -1):
        day = (today.replace(day=1) - timedelta(days=30 * months_ago)).replace(day=1)
        rates.append(ExchangeRate(currency="USD", valid_from=day,
                                  rate=Decimal("7.10") + Decimal(rng.randint(-15, 15)) / 100))
    ExchangeRate.objects.bulk_create(rates, ignore_conflicts=True)


def _seed_activities(rng, customers, deals, now) -> None:
    from pipeline.activities import refresh_customer_follow_up

    deals_by_customer: dict[int, list[Deal]] = {}
    for deal in deals:
        deals_by_customer.setdefault(deal.customer_id, []).append(deal)
    activities = []
    for customer in customers:
        for _ in range(rng.randint(6, 16)):
            when = now - timedelta(days=rng.randint(0, 360), hours=rng.randint(0, 10))
            recent = now - when < timedelta(days=20)
            activity = Activity(
                kind=rng.choices(list(Activity.Kind.values), weights=[30, 35, 10, 10, 3, 12])[0], customer=customer,
                deal=rng.choice(deals_by_customer.get(customer.pk, [None])), owner=customer.owner,
                happened_at=when, summary=rng.choice(SUMMARIES), outcome="",
            )
            if recent and rng.random() < 0.6:
                activity.next_step = rng.choice(NEXT_STEPS)
                activity.next_step_due = (when + timedelta(days=rng.randint(2, 14))).date()
            activities.append(activity)
    Activity.objects.bulk_create(activities, batch_size=1000)
    refresh_customer_follow_up([customer.pk for customer in customers])


def _seed_research(rng, commodities, ports, today) -> None:
    authors = list(User.objects.filter(position__in=[Position.MARKETING, Position.REP]).order_by("username"))
    records = []
    for index in range(40):
        name = rng.choice(list(TERMS))
        grade, _tonnes, price, currency, _loads, discharges, *_rest = TERMS[name]
        low = Decimal(rng.randint(price[0], price[1] - 2))
        port = ports[rng.choice(discharges)]
        records.append(MarketResearch(
            commodity=commodities[name], region=port.name_zh or port.name, port=port,
            researched_on=today - timedelta(days=rng.randint(0, 300)),
            method=rng.choice(list(MarketResearch.Method.values)),
            price_low=low, price_high=low + rng.randint(1, 6), currency=currency,
            competitors=f"{rng.choice(COMPETITORS)} offering {grade} at {low + 1} {currency}/t",
            supply_demand=("港口库存下降，钢厂补库需求回升。" if index % 2
                           else "Port stocks high; buyers waiting for lower prices."),
            author=authors[index % len(authors)],
        ))
    MarketResearch.objects.bulk_create(records)
