"""Factories for contract execution: specifications with their rules, signed contracts, shipments."""

import datetime
from decimal import Decimal

import factory

from pipeline.execution.models import Shipment
from pipeline.models import PriceRule, Specification, SpecParameter

from .customers import CommodityFactory
from .pipeline import DealFactory


class SpecificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Specification
        django_get_or_create = ["commodity", "name"]

    commodity = factory.SubFactory(CommodityFactory)
    name = "NAR 5500"
    name_zh = "NAR 5500"


def coal_nar_5500() -> Specification:
    """Thermal coal NAR 5,500 kcal/kg: pro rata on NAR, rejected below 5,000; moisture at most 15 %
    (WORKED_EXAMPLES.md, section 2)."""
    spec = SpecificationFactory()
    nar = SpecParameter.objects.create(specification=spec, code="nar", name="Net calorific value (NAR)",
                                       name_zh="收到基低位发热量", unit="kcal/kg", typical=Decimal(5500),
                                       minimum=Decimal(5000), position=1)
    SpecParameter.objects.create(specification=spec, code="moisture", name="Total moisture", name_zh="全水分",
                                 unit="%", maximum=Decimal(15), position=2)
    PriceRule.objects.create(specification=spec, parameter=nar, kind=PriceRule.Kind.PRO_RATA, basis=Decimal(5500))
    return spec


def iron_ore_fe_62() -> Specification:
    """Iron ore fines Fe 62 %, priced per dry tonne: minus 1.50 per 1 % Fe below 62 pro rata, minus
    0.10 per 0.1 % SiO2 above 4.5 or part of it (WORKED_EXAMPLES.md, section 3)."""
    spec = SpecificationFactory(commodity=CommodityFactory(name="Iron ore fines", name_zh="铁矿粉"), name="Fe 62%",
                                name_zh="Fe 62%", price_basis=Specification.PriceBasis.DRY)
    fe = SpecParameter.objects.create(specification=spec, code="fe", name="Fe", unit="%", typical=Decimal(62),
                                      minimum=Decimal(60), position=1)
    sio2 = SpecParameter.objects.create(specification=spec, code="sio2", name="SiO2", unit="%", position=2)
    SpecParameter.objects.create(specification=spec, code="moisture", name="Moisture", name_zh="水分", unit="%",
                                 position=3)
    PriceRule.objects.create(specification=spec, parameter=fe, kind=PriceRule.Kind.PER_STEP, basis=Decimal(62),
                             side=PriceRule.Side.BELOW, step=Decimal(1), amount=Decimal("-1.50"))
    PriceRule.objects.create(specification=spec, parameter=sio2, kind=PriceRule.Kind.PER_STEP, basis=Decimal("4.5"),
                             side=PriceRule.Side.ABOVE, step=Decimal("0.1"), amount=Decimal("-0.10"),
                             whole_steps=True)
    return spec


class SignedDealFactory(DealFactory):
    """A signed coal contract: 60,000 t +/- 10 % at 95.80 USD/t, laycan 1-10 March 2026."""

    stage = "follow_up"
    outcome = "won"
    # A series of its own ("F"): the tests' hand-written numbers (BS-2026-0042...) are never drawn by it.
    contract_number = factory.Sequence(lambda n: f"BS-2026-F{n:04d}")
    signed_on = datetime.date(2026, 1, 15)
    quantity_tonnes = Decimal(60000)
    price_per_tonne = Decimal("95.80")
    laycan_start = datetime.date(2026, 3, 1)
    laycan_end = datetime.date(2026, 3, 10)
    demurrage_rate = Decimal(15000)
    discharge_rate = Decimal(8000)
    grade = ""


class ShipmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shipment

    deal = factory.SubFactory(SignedDealFactory)
    number = factory.Sequence(lambda n: n + 1)
    vessel_name = "Pacific Glory"
    imo = "9074729"
