"""Scorecards count the cash collected, the receivables overdue and days sales outstanding per rep, team and
department, in the base currency (CNY), worked by hand.

The contract was sold by the rep and has since been transferred with its customer to the account manager:
the money of its invoices counts for the rep, who sold it; the money held on account for the customer's
owner, the account manager.

- Invoice 1: 1,000,000.00 USD issued 10 January at 7.1, due 9 February (7,100,000.00 CNY).
- Invoice 2: 500,000.00 USD issued 1 March at 7.2, due 31 March (3,600,000.00 CNY).
- 20 February: 600,000.00 USD at 7.15 settles invoice 1 in part (4,290,000.00 CNY).
- 25 March: 150,000.00 USD at 7.2: 100,000.00 on invoice 1 (720,000.00 CNY), 50,000.00 on account
  (360,000.00 CNY).
- 5 April: 300,000.00 USD at 7.25 settles the rest of invoice 1 (2,175,000.00 CNY).

On 31 March invoice 1 owes 300,000.00 USD, 50 days late: 2,130,000.00 CNY overdue; invoice 2 owes
500,000.00 USD due that day, not yet overdue; 5,730,000.00 CNY outstanding in all.
"""

import csv
import datetime
import io
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from pipeline.receivables import services
from pipeline.receivables.models import Invoice
from targets.kpis import compute_scorecards
from targets.models import Scorecard
from targets.periods import period_bounds

from .factories import CustomerFactory, SignedDealFactory
from .factories.receivables import InvoiceFactory

pytestmark = pytest.mark.django_db
Q1, Q2, MARCH = datetime.date(2026, 1, 1), datetime.date(2026, 4, 1), datetime.date(2026, 3, 1)


@pytest.fixture
def collections(cast):
    customer = CustomerFactory(owner=cast.account_manager)
    deal = SignedDealFactory(customer=customer, credited_to=cast.rep)
    first = InvoiceFactory(deal=deal, issued_on=datetime.date(2026, 1, 10), due_on=datetime.date(2026, 2, 9),
                           amount=D("1000000.00"), rate_to_base=D("7.1"))
    second = InvoiceFactory(deal=deal, issued_on=datetime.date(2026, 3, 1), due_on=datetime.date(2026, 3, 31),
                            amount=D("500000.00"), rate_to_base=D("7.2"))
    for received_on, amount, rate, allocations in (
        (datetime.date(2026, 2, 20), D("600000.00"), D("7.15"), {first.pk: D("600000.00")}),
        (datetime.date(2026, 3, 25), D("150000.00"), D("7.2"), {first.pk: D("100000.00")}),
        (datetime.date(2026, 4, 5), D("300000.00"), D("7.25"), {first.pk: D("300000.00")}),
    ):
        services.payment_record(customer=customer, received_on=received_on, amount=amount, currency="USD",
                                rate_to_base=rate, allocations=allocations, by=cast.director)
    return first, second


def card(subject, pk, period="quarter", start=Q1) -> Scorecard:
    return Scorecard.objects.get(subject=subject, subject_id=pk, period=period, period_start=start)


def figures(scorecard: Scorecard) -> tuple:
    return scorecard.cash_collected, scorecard.overdue_receivables, scorecard.dso


def test_the_quarter_counts_the_cash_for_who_sold_and_the_money_on_account_for_the_customers_owner(cast,
                                                                                                  collections):
    compute_scorecards(period="quarter", start=Q1, today=datetime.date(2026, 4, 10))

    # 4,290,000.00 + 720,000.00; DSO: 5,730,000.00 / 10,700,000.00 invoiced x 90 days = 48.196...
    assert figures(card("rep", cast.rep.pk)) == (D("5010000.00"), D("2130000.00"), D("48.2"))
    # The money on account, 360,000.00; nothing of the account manager's own sales owed or invoiced.
    assert figures(card("rep", cast.account_manager.pk)) == (D("360000.00"), D(0), None)
    team = card("team", cast.rep.team_id)
    assert figures(team) == (D("5370000.00"), D("2130000.00"), D("48.2"))
    assert figures(card("department", cast.rep.department_id)) == figures(team)
    assert figures(card("rep", cast.other_rep.pk)) == (D(0), D(0), None)
    assert figures(card("team", cast.other_rep.team_id)) == (D(0), D(0), None)


def test_a_month_counts_its_own_payments_and_invoicing(cast, collections):
    compute_scorecards(period="month", start=MARCH, today=datetime.date(2026, 4, 10))

    # 720,000.00 received on invoice 1 in March; DSO: 5,730,000.00 / 3,600,000.00 x 31 days = 49.341...
    assert figures(card("rep", cast.rep.pk, "month", MARCH)) == (D("720000.00"), D("2130000.00"), D("49.3"))


def test_the_running_quarter_counts_to_today(cast, collections):
    compute_scorecards(period="quarter", start=Q2, today=datetime.date(2026, 4, 10))

    # 300,000.00 x 7.25 on 5 April; by the 10th invoice 1 is paid and invoice 2 ten days late:
    # 500,000.00 x 7.2. Nothing invoiced in the quarter yet: no DSO.
    assert figures(card("rep", cast.rep.pk, start=Q2)) == (D("2175000.00"), D("3600000.00"), None)


def test_one_customers_credit_does_not_shorten_what_another_owes(cast, collections):
    """A second customer of the rep's is owed 200,000.00 USD back (a final invoice below the provisional one, paid
    in full, issued on 15 March at 7.1 as a credit note: -1,420,000.00 CNY). It owes the rep nothing, and its
    credit is not set against the first customer's debt: 5,730,000.00 CNY outstanding on 31 March, as without it.
    The quarter's invoicing is net of the note: 10,700,000.00 - 1,420,000.00 = 9,280,000.00 CNY; DSO:
    5,730,000.00 / 9,280,000.00 x 90 days = 55.571... (netted, 4,310,000.00 would read 41.8 days)."""
    in_credit = SignedDealFactory(customer=CustomerFactory(owner=cast.rep), credited_to=cast.rep)
    InvoiceFactory(deal=in_credit, kind=Invoice.Kind.FINAL, issued_on=datetime.date(2026, 3, 15),
                   due_on=datetime.date(2026, 3, 15), amount=D("-200000.00"), rate_to_base=D("7.1"))

    compute_scorecards(period="quarter", start=Q1, today=datetime.date(2026, 4, 10))

    assert figures(card("rep", cast.rep.pk)) == (D("5010000.00"), D("2130000.00"), D("55.6"))


def test_a_credit_note_after_the_period_does_not_change_what_was_overdue_at_its_end(cast, collections):
    _first, second = collections
    services.correction_issue(invoice=second, amount=D("-100000.00"), reason="Quality", by=cast.director,
                              issued_on=datetime.date(2026, 4, 2))

    compute_scorecards(period="quarter", start=Q1, today=datetime.date(2026, 4, 10))

    assert figures(card("rep", cast.rep.pk)) == (D("5010000.00"), D("2130000.00"), D("48.2"))


def test_the_directors_table_and_the_export_show_the_teams_collections(cast, client_as, collections):
    quarter = period_bounds("quarter", timezone.localdate())[0]
    compute_scorecards(period="quarter", start=quarter)
    # The stored figures as the page shows them (the period the dashboard shows is the running one).
    Scorecard.objects.filter(subject="team", subject_id=cast.rep.team_id).update(
        cash_collected=D("5370000.00"), overdue_receivables=D("2130000.00"), dso=D("48.2"))
    client = client_as(cast.director)

    page = client.get(reverse("dashboards:director")).content.decode()
    rows = list(csv.reader(io.StringIO(client.get(reverse("dashboards:export", args=["team", "csv"]))
                                       .content.decode("utf-8-sig"))))

    assert all(text in page for text in ("Cash collected", "5,370,000", "2,130,000", "48.2"))
    record = next(dict(zip(rows[0], row, strict=True)) for row in rows[1:] if row[0] == "Coal team")
    assert (record["Cash collected"], record["Overdue receivables"], record["Days sales outstanding"]) == (
        "5370000.00", "2130000.00", "48.2")
