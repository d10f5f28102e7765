"""Factories for the incentives: a plan with the worked example's bands, statements and their lines."""

import datetime
from decimal import Decimal

import factory

from accounts.models import Position
from targets.incentives.models import IncentivePlan, PlanBand, PlanRate, Statement, StatementLine

from .accounts import UserFactory
from .customers import CommodityFactory

# WORKED_EXAMPLES.md §7: below 50 %: nothing; 50-100 %: x1.0; 100-120 %: x1.5; above 120 %: x2.0.
WORKED_BANDS = [(Decimal(50), Decimal("1.0")), (Decimal(100), Decimal("1.5")), (Decimal(120), Decimal("2.0"))]


class IncentivePlanFactory(factory.django.DjangoModelFactory):
    """2026 Q4's plan for reps and account managers in every team: 1 % of the amount, with the worked bands."""

    class Meta:
        model = IncentivePlan
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Sales plan {n}")
    year = 2026
    quarter = 4
    positions = factory.LazyFunction(lambda: [Position.REP, Position.ACCOUNT_MANAGER])
    percent_of_amount = Decimal(1)
    created_by = factory.SubFactory(UserFactory, position=Position.DIRECTOR)

    @factory.post_generation
    def with_bands(self, create, extracted, **kwargs):
        if create and extracted is not False:
            PlanBand.objects.bulk_create(PlanBand(plan=self, from_percent=start, multiplier=multiplier)
                                         for start, multiplier in WORKED_BANDS)


class PlanRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanRate

    plan = factory.SubFactory(IncentivePlanFactory)
    commodity = factory.SubFactory(CommodityFactory)
    per_tonne = Decimal("0.50")


class StatementFactory(factory.django.DjangoModelFactory):
    """A draft: target 10,000,000 CNY, 13,000,000 credited (130 %), 100,000 earned (the worked example)."""

    class Meta:
        model = Statement

    person = factory.SubFactory(UserFactory)
    plan = factory.SubFactory(IncentivePlanFactory)
    period_start = datetime.date(2026, 10, 1)
    period_end = datetime.date(2026, 12, 31)
    currency = "CNY"
    target_amount = Decimal(10000000)
    credited_amount = Decimal(13000000)
    credited_tonnes = Decimal(150000)
    attainment = Decimal("1.3")
    satisfaction = Decimal("4.2")
    total = Decimal(100000)


class StatementLineFactory(factory.django.DjangoModelFactory):
    """The worked example's deal that straddles two bands: 3,000,000 signed when 9,000,000 was already
    signed, 1,000,000 at x1.0 and 2,000,000 at x1.5: 40,000 earned."""

    class Meta:
        model = StatementLine

    statement = factory.SubFactory(StatementFactory)
    kind = StatementLine.Kind.CONTRACT
    # A series of its own ("F"): the tests' hand-written numbers (BS-2026-0042...) are never drawn by it.
    contract_number = factory.Sequence(lambda n: f"BS-2026-F{n:04d}")
    customer_name = "Rizhao Steel Co., Ltd."
    commodity_name = "Thermal coal"
    tonnes = Decimal(30000)
    amount = Decimal(3000000)
    percent = Decimal(1)
    bands = factory.LazyFunction(lambda: [
        {"from": "50", "to": "100", "amount": "1000000.00", "tonnes": "10000.00", "multiplier": "1.0",
         "earned": "10000.00"},
        {"from": "100", "to": "120", "amount": "2000000.00", "tonnes": "20000.00", "multiplier": "1.5",
         "earned": "30000.00"},
    ])
    earned = Decimal(40000)
