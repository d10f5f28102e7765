"""Factories for receivables: invoices of a signed contract and payments received."""

import datetime
from decimal import Decimal

import factory

from pipeline.receivables.models import Invoice, Payment

from .execution import SignedDealFactory


class InvoiceFactory(factory.django.DjangoModelFactory):
    """A provisional invoice of 5,748,000.00 USD (60,000 t x 95.80) issued and due at sight on 5 March 2026."""

    class Meta:
        model = Invoice

    deal = factory.SubFactory(SignedDealFactory)
    kind = Invoice.Kind.PROVISIONAL
    number = factory.Sequence(lambda n: f"INV-2026-{n + 1:04d}")
    issued_on = datetime.date(2026, 3, 5)
    due_on = factory.SelfAttribute("issued_on")
    currency = factory.SelfAttribute("deal.currency")
    amount = Decimal("5748000.00")
    rate_to_base = Decimal("7.1")
    amount_base = factory.LazyAttribute(lambda invoice: (invoice.amount * invoice.rate_to_base).quantize(
        Decimal("0.01")))
    issued_by = factory.SelfAttribute("deal.owner")


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    customer = factory.SubFactory("tests.factories.customers.CustomerFactory")
    received_on = datetime.date(2026, 3, 20)
    amount = Decimal("5000000.00")
    currency = "USD"
    rate_to_base = Decimal("7.1")
    amount_base = factory.LazyAttribute(lambda payment: (payment.amount * payment.rate_to_base).quantize(
        Decimal("0.01")))
    recorded_by = factory.SelfAttribute("customer.owner")
