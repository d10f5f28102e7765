"""The receivables' exports (invoices, payments received, the ageing per customer), CSV and Excel through the
safe export helper: each holds exactly what the user sees, for sellers only, in the reader's language."""

import csv
import datetime
import io
from decimal import Decimal as D

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from pipeline.receivables import services

from .factories import CustomerFactory, SignedDealFactory
from .factories.receivables import InvoiceFactory
from .queries import assert_queries_pinned

pytestmark = pytest.mark.django_db
OK, FOUND, FORBIDDEN, MISSING = 200, 302, 403, 404
EXPORTS = ["invoices", "payments", "ageing"]


def url(name: str, fmt: str = "csv") -> str:
    return reverse(f"receivables_exports:{name}", args=[fmt])


def today() -> datetime.date:
    return timezone.localdate()


def rows_of(response) -> list[list]:
    assert response.status_code == OK
    if response["Content-Type"].startswith("text/csv"):
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    return [list(row) for row in openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(
        values_only=True)]


def owing(owner, name: str, *, days_late: int = 10, paid: str = "0", on_account: str = "0"):
    """`name` owes 100,000.00 USD at 7.1 due `days_late` days ago, less `paid`; `on_account` more received."""
    customer = CustomerFactory(owner=owner, name=name)
    due_on = today() - datetime.timedelta(days=days_late)
    invoice = InvoiceFactory(deal=SignedDealFactory(customer=customer), issued_on=due_on, due_on=due_on,
                             amount=D("100000.00"), rate_to_base=D("7.1"))
    received = D(paid) + D(on_account)
    if received:
        services.payment_record(customer=customer, received_on=today(), amount=received, currency="USD",
                                rate_to_base=D("7.1"), bank_reference="TT-001", by=owner,
                                allocations={invoice.pk: D(paid)})
    return invoice


@pytest.fixture
def world(cast):
    return {"rizhao": owing(cast.rep, "Rizhao Steel", paid="40000.00", on_account="5000.00"),
            "baotou": owing(cast.account_manager, "Baotou Steel", days_late=45),
            "tangshan": owing(cast.other_rep, "Tangshan Power", days_late=100, paid="1000.00")}


def test_the_invoice_export_says_what_each_invoice_billed_what_is_owed_and_how_late(client_as, cast, world):
    invoice = world["rizhao"]

    rows = rows_of(client_as(cast.rep).get(url("invoices")))

    assert rows == [
        ["Invoice number", "Kind", "Customer", "Contract", "Issued on", "Due on", "Currency", "Amount",
         "Amount owed", "Days overdue"],
        [invoice.number, "Provisional invoice", "Rizhao Steel", invoice.deal.contract_number,
         f"{invoice.issued_on:%Y-%m-%d}", f"{invoice.due_on:%Y-%m-%d}", "USD", "100000.00", "60000.00", "10"],
    ]


def test_the_payment_export_splits_each_payment_into_allocated_and_on_account(client_as, cast, world):
    rows = rows_of(client_as(cast.rep).get(url("payments", "xlsx")))

    assert rows[0] == ["Received on", "Customer", "Amount", "Currency", "Rate to the base currency",
                       "Bank reference", "Allocated to invoices", "On account"]
    [row] = rows[1:]
    assert row[1:] == ["Rizhao Steel", 45000, "USD", 7.1, "TT-001", 40000, 5000]
    assert row[0].date() == today()


def test_the_ageing_export_ages_each_customers_balance_in_the_base_currency(client_as, cast, world):
    rows = rows_of(client_as(cast.director).get(url("ageing")))

    assert rows == [
        ["Customer", "Current (CNY)", "1-30 days (CNY)", "31-60 days (CNY)", "61-90 days (CNY)",
         "Over 90 days (CNY)", "Total (CNY)"],
        # 100,000.00 x 7.1, the largest balance first; Tangshan 99,000.00 x 7.1 over 90 days.
        ["Baotou Steel", "0.00", "0.00", "710000.00", "0.00", "0.00", "710000.00"],
        ["Tangshan Power", "0.00", "0.00", "0.00", "0.00", "702900.00", "702900.00"],
        ["Rizhao Steel", "0.00", "426000.00", "0.00", "0.00", "0.00", "426000.00"],
    ]


@pytest.mark.parametrize("role,customers", [
    ("rep", {"Rizhao Steel"}),
    ("account_manager", {"Baotou Steel"}),
    ("manager", {"Rizhao Steel", "Baotou Steel"}),
    ("other_manager", {"Tangshan Power"}),
    ("director", {"Rizhao Steel", "Baotou Steel", "Tangshan Power"}),
])
@pytest.mark.parametrize("name", ["invoices", "ageing"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_holds_exactly_the_invoices_the_user_may_see(client_as, cast, world, role, customers, name, fmt):
    rows = rows_of(client_as(cast.by_role(role)).get(url(name, fmt)))

    index = rows[0].index("Customer")
    assert {row[index] for row in rows[1:]} == customers


@pytest.mark.parametrize("role,customers", [
    ("rep", {"Rizhao Steel"}),
    ("account_manager", set()),
    ("manager", {"Rizhao Steel"}),
    ("other_manager", {"Tangshan Power"}),
    ("director", {"Rizhao Steel", "Tangshan Power"}),
])
def test_the_payment_export_holds_exactly_the_payments_the_user_may_see(client_as, cast, world, role, customers):
    rows = rows_of(client_as(cast.by_role(role)).get(url("payments")))

    assert {row[1] for row in rows[1:]} == customers


@pytest.mark.parametrize("name", EXPORTS)
@pytest.mark.parametrize("role", ["service", "marketing"])
def test_people_outside_sales_cannot_export_receivables(client_as, cast, name, role):
    assert client_as(cast.by_role(role)).get(url(name)).status_code == FORBIDDEN


@pytest.mark.parametrize("name", EXPORTS)
def test_an_export_asks_anonymous_users_to_sign_in_and_refuses_unknown_formats(client_as, cast, name):
    assert client_as(None).get(url(name)).status_code == FOUND
    assert client_as(cast.rep).get(url(name, "pdf")).status_code == MISSING


def test_a_hostile_customer_name_comes_out_as_text(client_as, cast):
    owing(cast.rep, '=HYPERLINK("http://x","y")', paid="1000.00")
    client = client_as(cast.rep)

    for name in EXPORTS:
        rows = rows_of(client.get(url(name, "xlsx")))
        index = rows[0].index("Customer")
        assert rows[1][index] == '\'=HYPERLINK("http://x","y")'


def test_the_exports_read_in_chinese(client_as, cast, world):
    cast.rep.language = "zh-hans"
    cast.rep.save()
    client = client_as(cast.rep)

    assert rows_of(client.get(url("ageing")))[0][:3] == ["客户", "未到期 (CNY)", "1-30天 (CNY)"]
    assert rows_of(client.get(url("invoices")))[0][-2:] == ["未付金额", "逾期天数"]


@pytest.mark.parametrize("name", EXPORTS)
def test_an_export_costs_the_same_queries_however_many_invoices(client_as, cast, world, name):
    client = client_as(cast.director)

    def more():
        for index in range(5):
            owing(cast.rep, f"Buyer {index}", days_late=index * 30, paid="500.00")

    # The session, the user, the rows.
    few, many = assert_queries_pinned(3, lambda: client.get(url(name)), more)
    assert len(rows_of(many)) == len(rows_of(few)) + 5
