"""The hourly job's reminder of an overdue invoice: the contract's owner from the day after it falls due,
their manager too after 7 days, the directors after 30; it goes away once the invoice is paid or credited,
and a rerun adds nothing."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from pipeline.models import Reminder
from pipeline.receivables import services
from pipeline.reminders import raise_reminders

from .factories import CustomerFactory, SignedDealFactory
from .factories.receivables import InvoiceFactory
from .queries import assert_queries_pinned

pytestmark = pytest.mark.django_db
Kind = Reminder.Kind
NOW = datetime.datetime(2026, 3, 20, 9, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 3, 20)


def overdue_invoice(owner, *, days: int, **fields):
    """An invoice of a contract of `owner`'s, due `days` days before TODAY."""
    due_on = TODAY - datetime.timedelta(days=days)
    return InvoiceFactory(deal=SignedDealFactory(customer=CustomerFactory(owner=owner)), issued_on=due_on,
                          due_on=due_on, **fields)


def raised() -> set[tuple[str, bool]]:
    """(recipient username, escalated) of every open invoice reminder."""
    return set(Reminder.objects.filter(kind=Kind.INVOICE_OVERDUE, done_at__isnull=True)
               .values_list("recipient__username", "escalated"))


@pytest.mark.parametrize(("days", "expected"), [
    (0, set()),  # due today: not overdue yet
    (1, {("rep", False)}),
    (6, {("rep", False)}),  # the rep alone for the first week
    (7, {("rep", False), ("manager", True)}),
    (29, {("rep", False), ("manager", True)}),
    (30, {("rep", False), ("manager", True), ("director", True)}),  # and after a month the director
])
def test_an_overdue_invoice_reminds_the_rep_then_the_manager_then_the_director(cast, days, expected):
    invoice = overdue_invoice(cast.rep, days=days)

    raise_reminders(now=NOW)

    assert raised() == expected
    if expected:
        reminder = Reminder.objects.get(recipient=cast.rep, kind=Kind.INVOICE_OVERDUE)
        assert (reminder.cause, reminder.due_on, reminder.deal_id, reminder.customer_id) == (
            f"invoice:{invoice.pk}:overdue", invoice.due_on, invoice.deal_id, invoice.deal.customer_id)


def test_running_the_job_twice_adds_nothing(cast):
    overdue_invoice(cast.rep, days=31)

    assert raise_reminders(now=NOW) == 3
    assert raise_reminders(now=NOW + datetime.timedelta(hours=1)) == 0
    assert Reminder.objects.filter(kind=Kind.INVOICE_OVERDUE).count() == 3


def test_paying_the_invoice_resolves_its_reminders(cast):
    invoice = overdue_invoice(cast.rep, days=10)
    raise_reminders(now=NOW)
    services.payment_record(customer=invoice.deal.customer, received_on=TODAY, amount=D("5748000.00"),
                            currency="USD", rate_to_base=D("7.1"), by=cast.rep)

    raise_reminders(now=NOW + datetime.timedelta(hours=1))

    assert raised() == set()
    assert set(Reminder.objects.filter(kind=Kind.INVOICE_OVERDUE).values_list("recipient__username", "resolution")) \
        == {("rep", Reminder.Resolution.RESOLVED), ("manager", Reminder.Resolution.RESOLVED)}


def test_a_part_payment_leaves_the_reminder_open(cast):
    invoice = overdue_invoice(cast.rep, days=3)
    services.payment_record(customer=invoice.deal.customer, received_on=TODAY, amount=D("5000000.00"),
                            currency="USD", rate_to_base=D("7.1"), by=cast.rep)

    raise_reminders(now=NOW)

    assert raised() == {("rep", False)}


def test_crediting_the_invoice_in_full_resolves_its_reminder(cast):
    invoice = overdue_invoice(cast.rep, days=3)
    raise_reminders(now=NOW)
    services.correction_issue(invoice=invoice, amount=D("-5748000.00"), reason="Cargo rejected", by=cast.rep,
                              issued_on=TODAY)

    raise_reminders(now=NOW + datetime.timedelta(hours=1))

    assert raised() == set()


def test_a_credit_note_is_never_overdue(cast):
    invoice = overdue_invoice(cast.rep, days=40)
    services.correction_issue(invoice=invoice, amount=D("-1000.00"), reason="Short-landing", by=cast.rep,
                              issued_on=TODAY - datetime.timedelta(days=35))

    raise_reminders(now=NOW)

    assert set(Reminder.objects.filter(recipient=cast.rep).values_list("cause", flat=True)) == {
        f"invoice:{invoice.pk}:overdue"}


def test_the_jobs_queries_do_not_grow_with_the_overdue_invoices(cast):
    overdue_invoice(cast.rep, days=10)

    def run():
        return raise_reminders(now=NOW)

    def grow():
        for _ in range(5):
            overdue_invoice(cast.other_rep, days=40)

    # Each kind of cause, one query each (the tier policies read twice), the overdue invoices and the letters
    # of credit's three among them; the open reminders' causes, the directors, what is held back today; one
    # INSERT (of the new invoices' reminders only, the second time).
    few, many = assert_queries_pinned(20, run, grow)
    assert (few, many) == (2, 5 * 3)


def test_the_inbox_shows_the_overdue_invoice_with_its_contract(cast, client_as):
    invoice = overdue_invoice(cast.rep, days=8)
    raise_reminders(now=NOW)
    Reminder.objects.update(day=timezone.localdate())  # the inbox shows today's

    response = client_as(cast.manager).get(reverse("reminders:inbox"))

    body = response.content.decode()
    assert "Invoice overdue" in body
    assert reverse("deals:detail", args=[invoice.deal_id]) in body
