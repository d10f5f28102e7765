"""Demo customers for `seed_demo`: about 200 buyers in China and abroad, with contacts, commodity
volumes, tiers, complaints in every state and satisfaction surveys. Deterministic (fixed seed)."""

import random
from datetime import timedelta

from django.utils import timezone

from accounts.models import SCORED_POSITIONS, Position, User
from customers.models import Commodity, Complaint, Contact, Customer, SatisfactionSurvey, Tier
from customers.services import customer_save, name_key, tier_set_by_hand
from customers.validators import USCC_ALPHABET, uscc_check_character

COMMODITIES = {
    "thermal_coal": ("Thermal coal", "动力煤"),
    "coking_coal": ("Coking coal", "焦煤"),
    "iron_ore_fines": ("Iron ore fines", "铁矿粉"),
    "iron_ore_pellets": ("Iron ore pellets", "铁矿球团"),
    "soybeans": ("Soybeans", "大豆"),
    "corn": ("Corn", "玉米"),
    "wheat": ("Wheat", "小麦"),
    "urea": ("Urea", "尿素"),
    "clinker": ("Cement clinker", "水泥熟料"),
    "bauxite": ("Bauxite", "铝土矿"),
    "scrap": ("Steel scrap", "废钢"),
}

# kind: (Chinese name ending, what they buy, typical yearly tonnes)
KINDS = {
    Customer.Kind.STEEL_MILL: ("钢铁有限公司", ["iron_ore_fines", "iron_ore_pellets", "coking_coal", "scrap"], 400_000),
    Customer.Kind.POWER_PLANT: ("发电有限公司", ["thermal_coal"], 600_000),
    Customer.Kind.CEMENT_PLANT: ("水泥有限公司", ["clinker", "thermal_coal"], 150_000),
    Customer.Kind.FEED_MILL: ("饲料有限公司", ["soybeans", "corn", "wheat"], 120_000),
    Customer.Kind.FERTILISER_PLANT: ("化肥有限公司", ["urea"], 60_000),
    Customer.Kind.TRADER: ("国际贸易有限公司", ["thermal_coal", "iron_ore_fines", "soybeans", "corn"], 250_000),
    Customer.Kind.ALUMINA_REFINERY: ("铝业有限公司", ["bauxite"], 500_000),
}

CITIES = [
    ("日照", "山东", "Rizhao"), ("青岛", "山东", "Qingdao"), ("唐山", "河北", "Tangshan"), ("邯郸", "河北", "Handan"),
    ("曹妃甸", "河北", "Caofeidian"), ("连云港", "江苏", "Lianyungang"), ("南通", "江苏", "Nantong"),
    ("张家港", "江苏", "Zhangjiagang"), ("湛江", "广东", "Zhanjiang"), ("防城港", "广西", "Fangchenggang"),
    ("宁波", "浙江", "Ningbo"), ("天津", "天津", "Tianjin"), ("大连", "辽宁", "Dalian"), ("营口", "辽宁", "Yingkou"),
    ("福州", "福建", "Fuzhou"), ("厦门", "福建", "Xiamen"), ("广州", "广东", "Guangzhou"),
    ("镇江", "江苏", "Zhenjiang"),
    ("烟台", "山东", "Yantai"), ("秦皇岛", "河北", "Qinhuangdao"),
]
BRANDS = ["华润", "宏达", "兴业", "远洋", "鑫源", "恒通", "东方", "金海", "中联", "永盛", "瑞丰", "安泰"]

FOREIGN = [
    ("Hai Phong Steel JSC", "VN", "Hai Phong", Customer.Kind.STEEL_MILL),
    ("Mekong Feed Corporation", "VN", "Can Tho", Customer.Kind.FEED_MILL),
    ("Gujarat Coastal Power Ltd", "IN", "Mundra", Customer.Kind.POWER_PLANT),
    ("Vizag Alloys Pvt Ltd", "IN", "Visakhapatnam", Customer.Kind.STEEL_MILL),
    ("Busan Agro Feed Co., Ltd.", "KR", "Busan", Customer.Kind.FEED_MILL),
    ("Pohang Coastal Steel Co., Ltd.", "KR", "Pohang", Customer.Kind.STEEL_MILL),
    ("Kyushu Cement KK", "JP", "Kitakyushu", Customer.Kind.CEMENT_PLANT),
    ("Java Energy Generation PT", "ID", "Cilacap", Customer.Kind.POWER_PLANT),
    ("Manila Bay Grains Corp", "PH", "Manila", Customer.Kind.FEED_MILL),
    ("Chittagong Cement Mills Ltd", "BD", "Chattogram", Customer.Kind.CEMENT_PLANT),
    ("Karachi Fertiliser Co.", "PK", "Karachi", Customer.Kind.FERTILISER_PLANT),
    ("Gulf Bulk Trading FZE", "AE", "Jebel Ali", Customer.Kind.TRADER),
    ("Rotterdam Dry Bulk BV", "NL", "Rotterdam", Customer.Kind.TRADER),
    ("Bangkok Feedmill Public Co.", "TH", "Bangkok", Customer.Kind.FEED_MILL),
    ("Selangor Power Sdn Bhd", "MY", "Port Klang", Customer.Kind.POWER_PLANT),
    ("Kaohsiung Steel Corp", "TW", "Kaohsiung", Customer.Kind.STEEL_MILL),
    ("Ho Chi Minh Clinker JSC", "VN", "Ho Chi Minh City", Customer.Kind.CEMENT_PLANT),
    ("Queensland Grain Traders Pty Ltd", "AU", "Brisbane", Customer.Kind.TRADER),
    ("Tamil Nadu Thermal Ltd", "IN", "Tuticorin", Customer.Kind.POWER_PLANT),
    ("Sri Lanka Cement Co.", "LK", "Colombo", Customer.Kind.CEMENT_PLANT),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "军", "杰", "涛", "明", "超", "霞", "平", "刚",
         "桂英", "建华", "志强"]
FOREIGN_NAMES = ["Nguyen Van An", "Priya Sharma", "Kim Min-jun", "Sato Hiroshi", "Budi Santoso", "Maria Santos",
                 "Rahim Uddin", "Ahmed Khan", "Jan de Vries", "Somchai Wong", "Tan Wei Ming", "Chen Yu-ting"]
TITLES = ["采购经理", "采购总监", "物流主管", "副总经理", "燃料部经理", "原料采购员"]
COMPLAINT_TEXTS = [
    (Complaint.Category.QUALITY, "到港煤炭灰分超出合同指标 2 个百分点，要求价格调整。"),
    (Complaint.Category.QUANTITY, "卸货港水尺计重比提单少 1.8%，超出溢短装范围。"),
    (Complaint.Category.LATE_DELIVERY, "船舶晚于受载期到港，影响生产计划。"),
    (Complaint.Category.DOCUMENTS, "信用证单据中品质证书与合同不符，银行拒付。"),
    (Complaint.Category.PRICE, "发票单价与合同价格不一致。"),
    (Complaint.Category.SERVICE, "客户经理两周未回复询价邮件。"),
]


def _uscc(rng: random.Random) -> str:
    first = "91" + "".join(rng.choice("0123456789") for _ in range(6)) + "".join(
        rng.choice(USCC_ALPHABET) for _ in range(9))
    return first + uscc_check_character(first)


def seed_customers() -> None:
    if Customer.objects.exists():
        return
    rng = random.Random(20261127)
    now = timezone.now()
    commodities = {
        key: Commodity.objects.get_or_create(name=name, defaults={"name_zh": name_zh})[0]
        for key, (name, name_zh) in COMMODITIES.items()
    }
    sellers = list(User.objects.filter(position__in=SCORED_POSITIONS, is_active=True)
                   .order_by("username"))
    service = list(User.objects.filter(position=Position.CUSTOMER_SERVICE).order_by("username"))
    customers = []
    for index in range(180):
        city, province, _city_en = CITIES[index % len(CITIES)]
        kind = list(KINDS)[index % len(KINDS)]
        ending, buys, typical = KINDS[kind]
        brand = BRANDS[(index // len(CITIES)) % len(BRANDS)]
        name = f"{city}{brand}{ending}"
        customers.append(_customer(rng, name=name, short_name=f"{city}{brand}", country="CN", province=province,
                                   city=city, kind=kind, buys=buys, typical=typical,
                                   owner=sellers[index % len(sellers)],
                                   commodities=commodities, now=now, registration=_uscc(rng)))
    for index, (name, country, city, kind) in enumerate(FOREIGN):
        _ending, buys, typical = KINDS[kind]
        customers.append(_customer(rng, name=name, short_name="", country=country, province="", city=city, kind=kind,
                                   buys=buys, typical=typical, owner=sellers[(index * 5) % len(sellers)],
                                   commodities=commodities, now=now, registration=f"{country}-{100000 + index * 7919}"))
    # The tiers themselves are set once, by the tier job, when the deals are in (the pipeline's seeder
    # runs it last): computing them here from the estimated volumes would only record a second change.
    director = User.objects.filter(position=Position.DIRECTOR).first()
    if director:
        tier_set_by_hand(customer=customers[3], tier=Tier.HIGH, by=director,
                         reason="Strategic account: new blast furnace commissioning in 2027")
    _seed_surveys(rng, customers, service, now)
    if service:
        _seed_complaints(rng, customers, service, now)


def _customer(rng, *, name, short_name, country, province, city, kind, buys, typical, owner, commodities, now,
              registration) -> Customer:
    status = rng.choices(list(Customer.Status.values), weights=[25, 60, 10, 5])[0]
    customer = Customer(
        name=name, short_name=short_name, name_key=name_key(name), registration_number=registration,
        country=country, province=province, city=city, address="", kind=kind, status=status,
        lead_source=rng.choice(list(Customer.LeadSource.values)), payment_terms=rng.choice(
            ["lc_sight", "lc_usance", "tt_deposit", "cad"]), owner=owner,
        last_contacted_at=now - timedelta(days=rng.randint(0, 150), hours=rng.randint(0, 23)),
    )
    scale = rng.choice([0.01, 0.02, 0.04, 0.06, 0.1, 0.15, 0.3, 0.5])
    chosen = rng.sample(buys, k=min(len(buys), rng.randint(1, 2)))
    volumes = [(commodities[key], int(typical * scale / len(chosen)) // 1000 * 1000) for key in chosen]
    customer_save(customer=customer, volumes=volumes)
    for position in range(rng.randint(1, 3)):
        if country == "CN":
            contact = Contact(name=rng.choice(SURNAMES) + rng.choice(GIVEN), title=rng.choice(TITLES),
                              mobile=f"+86 {rng.choice(['138', '139', '186', '150'])} {rng.randint(1000, 9999)} "
                                     f"{rng.randint(1000, 9999)}",
                              wechat_id=f"wx_{rng.randint(100000, 999999)}")
        else:
            contact = Contact(name=rng.choice(FOREIGN_NAMES), title="Purchasing Manager",
                              email=f"buyer{rng.randint(10, 99)}@{name_key(name).split()[0]}.example")
        contact.customer = customer
        contact.is_primary = position == 0
        contact.save()
    return customer


def _seed_surveys(rng, customers, service, now) -> None:
    # Customer service runs the surveys (the scorecards leave out one a rep records about their own
    # customer); without them, the owner records them, self-reported. Not drawn from rng, so the rest stays.
    surveys: list[SatisfactionSurvey] = []
    for customer in customers[::2]:
        contact = customer.contacts.first()
        for months_ago in rng.sample(range(12), k=rng.randint(1, 3)):
            base = rng.choice([3, 4, 4, 5])
            surveys.append(SatisfactionSurvey(
                customer=customer, contact=contact, surveyed_on=(now - timedelta(days=30 * months_ago + 3)).date(),
                method=rng.choice(["phone", "visit"]), product_quality=base, delivery=max(1, base - rng.randint(0, 1)),
                service=min(5, base + rng.randint(0, 1)), recommend=min(10, base * 2 + rng.randint(-1, 1)),
                comment="", recorded_by=service[len(surveys) % len(service)] if service else customer.owner,
            ))
    SatisfactionSurvey.objects.bulk_create(surveys)


def _seed_complaints(rng, customers, service, now) -> None:
    from customers.complaints import complaint_comment, complaint_record, complaint_transition

    paths = [[], ["investigating"], ["investigating", "resolved"], ["resolved", "closed"],
             ["investigating", "resolved", "closed"], ["resolved", "closed", "investigating"]]
    timing = random.Random(20261129)  # its own sequence: the complaints above stay as they were
    for index, customer in enumerate(customers[5::6]):
        category, text = COMPLAINT_TEXTS[index % len(COMPLAINT_TEXTS)]
        agent = service[index % len(service)]
        complaint = complaint_record(
            customer=customer, contact=customer.contacts.first(), category=category,
            severity=list(Complaint.Severity.values)[index % 4], channel=rng.choice(list(Complaint.Channel.values)),
            description=text, contract_number=f"BS-2026-{1000 + index}" if index % 2 else "",
            claimed_amount=None, claimed_currency="", assignee=agent,
            received_at=now - timedelta(days=rng.randint(1, 40)), by=agent,
        )
        for step in paths[index % len(paths)]:
            if step == "investigating" and complaint.status == "open":
                complaint_comment(complaint=complaint, by=agent, text="已联系客户，安排第三方复检。")
            complaint = complaint_transition(
                complaint=complaint, to_status=step, by=agent,
                text="复检结果确认，按合同条款给予价格补偿。" if step == "resolved" else "客户补充材料，重新调查。"
                if step == "investigating" and complaint.status != "open" else "",
            )
        _spread_steps(timing, complaint, now)


def _spread_steps(rng, complaint, now) -> None:
    """The services stamp every step with the seeding time, which would make each reply and resolution
    late; spread them after the receipt (the first reply within 10%-130% of the response time, a
    resolution within 20%-150% of the resolution time: most on time, some late)."""
    from customers.models import ComplaintEvent

    events = list(complaint.events.order_by("pk"))[1:]  # after the "recorded" step, which is the receipt
    received, at, first_reply, resolved = complaint.received_at, complaint.received_at, None, None
    for event in events:
        if first_reply is None:
            at = received + (complaint.respond_by - received) * rng.uniform(0.1, 1.3)
        elif event.to_status == Complaint.Status.RESOLVED:
            at = max(at + timedelta(hours=1), received + (complaint.resolve_by - received) * rng.uniform(0.2, 1.5))
        else:
            at += timedelta(hours=rng.randint(2, 72))
        at = min(at, now - timedelta(minutes=5))
        event.at, first_reply = at, first_reply or at
        if event.to_status == Complaint.Status.RESOLVED:
            resolved = at
    ComplaintEvent.objects.bulk_update(events, ["at"])
    Complaint.objects.filter(pk=complaint.pk).update(
        responded_at=first_reply if complaint.responded_at else None,
        resolved_at=resolved if complaint.resolved_at else None)
