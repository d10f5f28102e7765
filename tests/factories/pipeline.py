"""Factories for the pipeline: ports, exchange rates, deals, activities, market research."""

import datetime
from decimal import Decimal

import factory

from accounts.models import Position
from pipeline.models import Activity, Deal, ExchangeRate, MarketResearch, Port

from .accounts import UserFactory
from .base import named_factory
from .customers import CommodityFactory, CustomerFactory

PortFactory = named_factory(Port, "Qingdao", "青岛", country="CN")


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
    furthest_stage = factory.SelfAttribute("stage")  # it got there
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
