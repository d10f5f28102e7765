"""Factories for receivables: invoices of a signed contract and payments received."""

import datetime
from decimal import Decimal

import factory

from pipeline.receivables import money
from pipeline.receivables.models import Invoice, Payment, PaymentAllocation
from pipeline.receivables.services import invoice_balances_refresh

from .execution import SignedDealFactory


class InvoiceFactory(factory.django.DjangoModelFactory):
    """A provisional invoice of 5,748,000.00 USD (60,000 t x 95.80) issued and due at sight on 5 March 2026.
    Its balances are kept as the services keep them: a credit against an invoice comes off that invoice."""

    class Meta:
        model = Invoice
        skip_postgeneration_save = True

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
    against = None
    open_amount = factory.LazyAttribute(lambda invoice: money.open_amount(
        invoice.amount, against_an_invoice=invoice.against is not None))

    @factory.post_generation
    def credit_against(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create and self.against_id is not None and self.amount < 0:
            invoice_balances_refresh([self.against_id])


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


class AllocationFactory(factory.django.DjangoModelFactory):
    """The part of a payment that settles an invoice, taken off the invoice's open amount as the services do."""

    class Meta:
        model = PaymentAllocation
        skip_postgeneration_save = True

    payment = factory.SubFactory(PaymentFactory)
    invoice = factory.SubFactory(InvoiceFactory)
    amount = Decimal("5000000.00")

    @factory.post_generation
    def settle(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            invoice_balances_refresh([self.invoice_id])
