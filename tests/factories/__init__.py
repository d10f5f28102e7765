"""Factories per app; each test builds only what it needs. Every name is re-exported here, so
`from .factories import DealFactory` works whichever app the factory belongs to."""

from .accounts import PASSWORD, AttendanceFactory, DepartmentFactory, TeamFactory, TrainingFactory, UserFactory
from .customers import CommodityFactory, ComplaintFactory, ContactFactory, CustomerFactory, SurveyFactory
from .execution import ShipmentFactory, SignedDealFactory, SpecificationFactory
from .pipeline import ActivityFactory, DealFactory, ExchangeRateFactory, MarketResearchFactory, PortFactory
from .receivables import InvoiceFactory, PaymentFactory
from .targets import RepTargetFactory, TeamTargetFactory

__all__ = [
    "PASSWORD",
    "ActivityFactory",
    "AttendanceFactory",
    "CommodityFactory",
    "ComplaintFactory",
    "ContactFactory",
    "CustomerFactory",
    "DealFactory",
    "DepartmentFactory",
    "ExchangeRateFactory",
    "InvoiceFactory",
    "MarketResearchFactory",
    "PaymentFactory",
    "PortFactory",
    "RepTargetFactory",
    "ShipmentFactory",
    "SignedDealFactory",
    "SpecificationFactory",
    "SurveyFactory",
    "TeamFactory",
    "TeamTargetFactory",
    "TrainingFactory",
    "UserFactory",
]
