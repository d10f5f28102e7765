"""Factories per app; each test builds only what it needs. Every name is re-exported here, so
`from .factories import DealFactory` works whichever app the factory belongs to."""

from .accounts import PASSWORD, AttendanceFactory, DepartmentFactory, TeamFactory, TrainingFactory, UserFactory
from .customers import CommodityFactory, ComplaintFactory, ContactFactory, CustomerFactory, SurveyFactory
from .execution import ShipmentFactory, SignedDealFactory, SpecificationFactory
from .incentives import IncentivePlanFactory, PlanRateFactory, StatementFactory, StatementLineFactory
from .pipeline import ActivityFactory, DealFactory, ExchangeRateFactory, MarketResearchFactory, PortFactory
from .receivables import AllocationFactory, InvoiceFactory, PaymentFactory
from .targets import RepTargetFactory, TeamTargetFactory

__all__ = [
    "PASSWORD",
    "ActivityFactory",
    "AllocationFactory",
    "AttendanceFactory",
    "CommodityFactory",
    "ComplaintFactory",
    "ContactFactory",
    "CustomerFactory",
    "DealFactory",
    "DepartmentFactory",
    "ExchangeRateFactory",
    "IncentivePlanFactory",
    "InvoiceFactory",
    "MarketResearchFactory",
    "PaymentFactory",
    "PlanRateFactory",
    "PortFactory",
    "RepTargetFactory",
    "ShipmentFactory",
    "SignedDealFactory",
    "SpecificationFactory",
    "StatementFactory",
    "StatementLineFactory",
    "SurveyFactory",
    "TeamFactory",
    "TeamTargetFactory",
    "TrainingFactory",
    "UserFactory",
]
