"""The customer list's "Overdue balance" column: each customer's balance owed past due in the base currency (CNY),
sortable, with an "overdue only" filter; for who sells, not customer service. Added by pipeline.receivables
through customers.list_columns (customers does not import receivables)."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from pipeline.receivables import services

from .factories import CustomerFactory, SignedDealFactory
from .factories.receivables import InvoiceFactory
from .queries import assert_queries_pinned

pytestmark = pytest.mark.django_db


def invoice(customer, *, days_late: int, amount: str, rate: str, currency: str = "USD"):
    due_on = timezone.localdate() - datetime.timedelta(days=days_late)
    return InvoiceFactory(deal=SignedDealFactory(customer=customer, currency=currency),
                          issued_on=min(due_on, timezone.localdate()), due_on=due_on, currency=currency,
                          amount=D(amount), rate_to_base=D(rate))


@pytest.fixture
def owing(cast):
    """Rizhao owes 60,000.00 USD ten days late (100,000.00 less 40,000.00 paid) at 7.1: 426,000.00 CNY, and
    50,000.00 USD not yet due; Tangshan 10,000.00 CNY five days late; Qingdao nothing."""
    rizhao = CustomerFactory(owner=cast.rep, name="Rizhao Steel")
    first = invoice(rizhao, days_late=10, amount="100000.00", rate="7.1")
    services.payment_record(customer=rizhao, received_on=timezone.localdate(), amount=D("40000.00"), currency="USD",
                            rate_to_base=D("7.1"), allocations={first.pk: D("40000.00")}, by=cast.rep)
    invoice(rizhao, days_late=-20, amount="50000.00", rate="7.1")
    tangshan = CustomerFactory(owner=cast.account_manager, name="Tangshan Power")
    invoice(tangshan, days_late=5, amount="10000.00", rate="1", currency="CNY")
    CustomerFactory(owner=cast.rep, name="Qingdao Grain")


def listed(response) -> list[tuple[str, object]]:
    return [(customer.name, customer.overdue_base) for customer, _cells in response.context["rows"]]


def test_the_list_shows_each_customers_overdue_balance_in_the_base_currency(client_as, cast, owing):
    response = client_as(cast.manager).get(reverse("customers:list"))

    assert sorted(listed(response)) == [("Qingdao Grain", D(0)), ("Rizhao Steel", D("426000.00")),
                                        ("Tangshan Power", D("10000.00"))]
    assert '<th class="text-end">Overdue balance (CNY)</th>' in response.text
    assert "426,000" in response.text and 'data-label="Overdue balance (CNY)"' in response.text
    # Owed past due in red, nothing owed as a dash.
    assert '<span class="text-nowrap"><span class="text-danger fw-semibold">426,000</span></span>' in response.text
    assert '<span class="text-nowrap">—</span>' in response.text


def test_the_list_sorts_by_the_overdue_balance_and_keeps_the_overdue_only(client_as, cast, owing):
    client = client_as(cast.manager)

    by_balance = client.get(reverse("customers:list"), {"sort": "-overdue_base"})
    overdue_only = client.get(reverse("customers:list"), {"overdue_base_only": "on"})

    assert [name for name, _balance in listed(by_balance)] == ["Rizhao Steel", "Tangshan Power", "Qingdao Grain"]
    assert sorted(name for name, _balance in listed(overdue_only)) == ["Rizhao Steel", "Tangshan Power"]
    assert "Overdue balance only" in overdue_only.text


def test_a_rep_sees_the_balance_of_their_own_customers_only(client_as, cast, owing):
    response = client_as(cast.rep).get(reverse("customers:list"), {"overdue_base_only": "on"})

    assert listed(response) == [("Rizhao Steel", D("426000.00"))]


def test_customer_service_sees_no_money_of_the_contracts(client_as, cast, owing):
    response = client_as(cast.service).get(reverse("customers:list"),
                                           {"overdue_base_only": "on", "sort": "-overdue_base"})

    assert response.context["columns"] == []
    assert "Overdue balance only" not in response.text and "426,000" not in response.text
    assert len(response.context["rows"]) == 3  # the filter the column would add does not apply


def test_the_list_costs_the_same_queries_however_many_invoices(client_as, cast, owing):
    client = client_as(cast.manager)

    def more_invoices():
        for _ in range(5):
            invoice(CustomerFactory(owner=cast.rep), days_late=40, amount="1000.00", rate="7.0")

    _few, many = assert_queries_pinned(10, lambda: client.get(reverse("customers:list")), more_invoices)
    assert len(many.context["rows"]) == 8
