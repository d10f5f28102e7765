"""Factories for the organisation; each test builds only what it needs."""

import datetime

import factory

from accounts.models import Attendance, Department, Position, Team, Training, User

PASSWORD = "a-Long-test-passw0rd"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ["name"]

    name = "Sales"
    name_zh = "销售部"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    position = Position.REP
    department = factory.SubFactory(DepartmentFactory)
    password = factory.django.Password(PASSWORD)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    name_zh = factory.Sequence(lambda n: f"团队{n}")
    department = factory.SubFactory(DepartmentFactory)
    manager = factory.SubFactory(UserFactory, position=Position.MANAGER)


class TrainingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Training

    title = factory.Sequence(lambda n: f"Training {n}")
    starts_on = datetime.date(2026, 10, 1)
    ends_on = datetime.date(2026, 10, 2)
    trainer = "Outside trainer"
    created_by = factory.SubFactory(UserFactory, position=Position.DIRECTOR)


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    training = factory.SubFactory(TrainingFactory)
    attendee = factory.SubFactory(UserFactory)


# --- Customers -------------------------------------------------------------------------------

from customers import services  # noqa: E402
from customers.models import Commodity, Complaint, Contact, Customer, SatisfactionSurvey  # noqa: E402


class CommodityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commodity
        django_get_or_create = ["name"]

    name = "Thermal coal"
    name_zh = "动力煤"


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Buyer {n} Steel Co., Ltd.")
    name_key = factory.LazyAttribute(lambda customer: services.name_key(customer.name))
    country = "CN"
    province = "Shandong"
    city = "Rizhao"
    kind = Customer.Kind.STEEL_MILL
    status = Customer.Status.ACTIVE
    owner = factory.SubFactory(UserFactory)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    title = "Purchasing manager"
    mobile = "+86 138 0013 8000"
    email = factory.Sequence(lambda n: f"contact{n}@buyer.example")


class ComplaintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Complaint

    customer = factory.SubFactory(CustomerFactory)
    category = Complaint.Category.QUALITY
    severity = Complaint.Severity.MEDIUM
    channel = Complaint.Channel.PHONE
    description = "Ash content above contract spec."
    assignee = factory.SubFactory(UserFactory, position=Position.CUSTOMER_SERVICE)
    recorded_by = factory.SelfAttribute("assignee")
    received_at = factory.LazyFunction(lambda: datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC))
    respond_by = factory.LazyAttribute(lambda c: c.received_at + datetime.timedelta(days=1))
    resolve_by = factory.LazyAttribute(lambda c: c.received_at + datetime.timedelta(days=10))


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SatisfactionSurvey

    customer = factory.SubFactory(CustomerFactory)
    surveyed_on = datetime.date(2026, 10, 15)
    method = SatisfactionSurvey.Method.PHONE
    product_quality = 4
    delivery = 4
    service = 5
    recommend = 8
    # Customer service runs surveys; one recorded by the customer's owner is self-reported and not scored.
    recorded_by = factory.SubFactory(UserFactory, position=Position.CUSTOMER_SERVICE)


# --- Pipeline ----------------------------------------------------------------------------------

from decimal import Decimal  # noqa: E402

from pipeline.models import Activity, Deal, ExchangeRate, MarketResearch, Port  # noqa: E402


class PortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Port
        django_get_or_create = ["name"]

    name = "Qingdao"
    name_zh = "青岛"
    country = "CN"


class ExchangeRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExchangeRate
        django_get_or_create = ["currency", "valid_from"]

    currency = "USD"
    valid_from = datetime.date(2026, 1, 1)
    rate = Decimal("7.100000")


class DealFactory(factory.django.DjangoModelFactory):
    """An open deal in negotiation: 55,000 t of thermal coal at 80 USD/t (USD rate 7.1 from 2026)."""

    class Meta:
        model = Deal
        skip_postgeneration_save = True

    customer = factory.SubFactory(CustomerFactory)
    owner = factory.SelfAttribute("customer.owner")
    commodity = factory.SubFactory(CommodityFactory)
    grade = "NAR 5500"
    quantity_tonnes = Decimal("55000")
    price_per_tonne = Decimal("80")
    currency = "USD"
    stage = "negotiation"
    outcome = "open"
    # A signed deal is credited to its owner at signing.
    credited_to = factory.LazyAttribute(lambda deal: deal.owner if deal.outcome == "won" else None)
    discharge_port = factory.SubFactory(PortFactory)
    rate_to_base = Decimal("7.1")
    amount_base = factory.LazyAttribute(lambda deal: deal.quantity_tonnes * deal.price_per_tonne * deal.rate_to_base)

    @factory.post_generation
    def usd_rate(self, create, extracted, **kwargs):
        if create:
            ExchangeRateFactory()


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    customer = factory.SubFactory(CustomerFactory)
    owner = factory.SelfAttribute("customer.owner")
    kind = Activity.Kind.VISIT
    happened_at = factory.LazyFunction(lambda: datetime.datetime(2026, 11, 20, 10, 0, tzinfo=datetime.UTC))
    summary = "Discussed Q1 coal needs."


class MarketResearchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MarketResearch

    commodity = factory.SubFactory(CommodityFactory)
    region = "Qingdao"
    researched_on = datetime.date(2026, 11, 1)
    method = MarketResearch.Method.FIELD
    price_low = Decimal("78")
    price_high = Decimal("84")
    author = factory.SubFactory(UserFactory, position=Position.MARKETING)


# --- Targets ---------------------------------------------------------------------------------

from targets.models import RepTarget, TeamTarget  # noqa: E402


class TeamTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamTarget

    team = factory.SubFactory(TeamFactory)
    year = 2026
    quarter = 4
    sales_amount = Decimal("100000000")
    tonnage = Decimal("500000")
    signed_contracts = 10
    new_customers = 4
    min_satisfaction = Decimal("4.0")


class RepTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RepTarget

    team_target = factory.SubFactory(TeamTargetFactory)
    rep = factory.SubFactory(UserFactory)
    sales_amount = Decimal("25000000")
    tonnage = Decimal("125000")
    signed_contracts = 3
    new_customers = 1
