"""Factories for customers: commodities, customers, contacts, complaints, surveys."""

import datetime

import factory

from accounts.models import Position
from customers import services
from customers.models import Commodity, Complaint, Contact, Customer, SatisfactionSurvey

from .accounts import UserFactory
from .base import named_factory

CommodityFactory = named_factory(Commodity, "Thermal coal", "动力煤")


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
