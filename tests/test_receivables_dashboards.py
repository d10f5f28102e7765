"""The director's dashboard ages what customers owe (current, 1-30, 31-60, 61-90, over 90 days past due) in
the base currency; the manager's lists the team's overdue invoices. Worked by hand."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from pipeline.receivables import services

from .factories import CustomerFactory, SignedDealFactory
from .factories.receivables import InvoiceFactory

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def invoice(owner, *, days_late: int, amount: str, rate: str = "7.0", **fields):
    """An invoice of a contract of `owner`'s, due `days_late` days ago (in the future when negative)."""
    due_on = today() - datetime.timedelta(days=days_late)
    customer = fields.pop("customer", None) or CustomerFactory(owner=owner)
    return InvoiceFactory(deal=SignedDealFactory(customer=customer), issued_on=min(due_on, today()), due_on=due_on,
                          amount=D(amount), rate_to_base=D(rate), **fields)


@pytest.fixture
def receivables(cast):
    """Six open invoices, one of each bucket's edges, and one paid."""
    invoice(cast.rep, days_late=-10, amount="1000000.00", rate="7.1")  # current: 7,100,000.00
    invoice(cast.rep, days_late=0, amount="1000.00")  # due today: current, 7,000.00
    invoice(cast.rep, days_late=1, amount="200000.00")  # 1-30: 1,400,000.00
    invoice(cast.other_rep, days_late=30, amount="100000.00", rate="7.2")  # 1-30: 720,000.00
    part_paid = invoice(cast.rep, days_late=31, amount="50000.00")  # 31-60: 30,000.00 open x 7 = 210,000.00
    services.payment_record(customer=part_paid.deal.customer, received_on=today(), amount=D("20000.00"),
                            currency="USD", rate_to_base=D("7.0"), by=cast.director)
    invoice(cast.rep, days_late=90, amount="10000.00")  # 61-90: 70,000.00
    invoice(cast.other_rep, days_late=91, amount="5000.00")  # over 90: 35,000.00
    paid = invoice(cast.rep, days_late=100, amount="8000.00")
    services.payment_record(customer=paid.deal.customer, received_on=today(), amount=D("8000.00"), currency="USD",
                            rate_to_base=D("7.0"), by=cast.director)


def test_the_directors_ageing_puts_each_open_invoice_in_its_bucket(client_as, cast, receivables):
    response = client_as(cast.director).get(reverse("dashboards:director"))

    assert [(row["bucket"], row["amount"], row["count"]) for row in response.context["ageing"]] == [
        ("current", D("7107000.00"), 2),
        ("1_30", D("2120000.00"), 2),
        ("31_60", D("210000.00"), 1),
        ("61_90", D("70000.00"), 1),
        ("over_90", D("35000.00"), 1),
    ]
    assert response.context["ageing_total"] == {"amount": D("9542000.00"), "count": 7}
    chart = response.context["ageing_chart"]["config"]
    assert chart["labels"] == ["Current", "1-30 days", "31-60 days", "61-90 days", "Over 90 days"]
    assert chart["datasets"][0]["data"] == [7107000.0, 2120000.0, 210000.0, 70000.0, 35000.0]
    assert "Receivables ageing" in response.text and "9,542,000" in response.text


def test_the_ageing_reads_in_chinese(client_as, cast, receivables):
    cast.director.language = "zh-hans"
    cast.director.save()

    page = client_as(cast.director).get(reverse("dashboards:director")).content.decode()

    assert all(word in page for word in ("账龄", "未到期", "90天以上"))


def test_the_team_dashboard_lists_its_overdue_invoices_the_longest_overdue_first(client_as, cast, receivables):
    response = client_as(cast.manager).get(reverse("dashboards:manager", args=[cast.rep.team_id, "open-items"]))

    rows = response.context["overdue_invoices"]
    # The rep's three overdue invoices; team B's (the other rep's) are not the manager's.
    assert [(row["days"], row["invoice"].open_amount) for row in rows] == [
        (90, D("10000.00")), (31, D("30000.00")), (1, D("200000.00"))]
    assert response.context["overdue_invoice_count"] == 3
    first = rows[0]["invoice"]
    assert reverse("receivables:invoice", args=[first.pk]) in response.text
    assert first.number in response.text and "10,000.00 USD" in response.text


def test_the_team_dashboard_shows_ten_overdue_invoices_and_counts_them_all(client_as, cast):
    customer = CustomerFactory(owner=cast.account_manager)
    for days in range(1, 13):
        invoice(cast.account_manager, days_late=days, amount="1000.00", customer=customer)

    response = client_as(cast.manager).get(reverse("dashboards:manager", args=[cast.rep.team_id, "open-items"]))

    assert [row["days"] for row in response.context["overdue_invoices"]] == list(range(12, 2, -1))
    assert response.context["overdue_invoice_count"] == 12
    assert "The 10 longest overdue of 12." in response.text


def test_the_ageing_card_and_the_team_list_offer_the_receivables_exports(client_as, cast):
    director = client_as(cast.director).get(reverse("dashboards:director")).text
    manager = client_as(cast.manager).get(reverse("dashboards:manager", args=[cast.rep.team_id, "open-items"])).text

    for fmt in ("xlsx", "csv"):
        assert reverse("receivables_exports:ageing", args=[fmt]) in director
    for page in (director, manager):
        assert reverse("receivables_exports:invoices", args=["xlsx"]) in page
        assert reverse("receivables_exports:payments", args=["xlsx"]) in page
