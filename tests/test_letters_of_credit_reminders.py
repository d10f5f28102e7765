"""The hourly job's reminders for letters of credit: no L/C received 15 days before the laycan, an L/C
expiring within 14, 7 and 3 days with its documents not presented, a latest shipment date near with
the cargo not loaded. Each goes away when its cause does, a rerun adds nothing, and the job's queries
do not grow with the L/Cs."""

import datetime
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pipeline.execution import services as execution
from pipeline.execution.models import Shipment
from pipeline.letters_of_credit import reminders, services
from pipeline.letters_of_credit.models import Document, LetterOfCredit
from pipeline.models import Reminder
from pipeline.reminders import raise_reminders

from .factories.letters_of_credit import LCDealFactory, received_lc

pytestmark = pytest.mark.django_db


def at(day: int, month: int = 3, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, tzinfo=datetime.UTC)


@pytest.fixture
def coal(cast):
    # Laycan 1-10 March 2026; the L/C is due 15 days before, on 14 February.
    return LCDealFactory(customer__owner=cast.rep)


def open_causes(user) -> set[tuple[str, str]]:
    return set(Reminder.objects.filter(recipient=user, done_at__isnull=True, kind__in=reminders.KINDS)
               .values_list("kind", "cause"))


def test_a_contract_on_lc_terms_without_its_lc_fifteen_days_before_the_laycan_reminds_its_owner(cast, coal):
    raise_reminders(now=at(13, 2))  # 16 days before the laycan
    assert open_causes(cast.rep) == set()
    raise_reminders(now=at(14, 2))
    assert open_causes(cast.rep) == {(reminders.LC_NOT_RECEIVED, f"deal:{coal.pk}:lc")}
    rows = Reminder.objects.count()
    raise_reminders(now=at(14, 2))
    assert Reminder.objects.count() == rows  # a rerun adds nothing
    received_lc(coal, cast.rep)
    raise_reminders(now=at(14, 2, hour=10))
    assert open_causes(cast.rep) == set()
    assert Reminder.objects.get(cause=f"deal:{coal.pk}:lc").resolution == Reminder.Resolution.RESOLVED


def test_an_lc_only_expected_still_reminds_and_a_contract_on_other_terms_never_does(cast, coal):
    LCDealFactory(customer__owner=cast.rep, payment_terms="open_account")
    services.letter_of_credit_record(letter=LetterOfCredit(deal=coal, issuing_bank="Bank of China",
                                                           amount=D("5748000.00"), currency="USD"), by=cast.rep)
    raise_reminders(now=at(20, 2))
    assert open_causes(cast.rep) == {(reminders.LC_NOT_RECEIVED, f"deal:{coal.pk}:lc")}


def test_an_lc_expiring_reminds_again_at_fourteen_seven_and_three_days(cast, coal):
    letter = received_lc(coal, cast.rep, expiry_date=datetime.date(2026, 3, 31))
    key = f"lc:{letter.pk}:expiry"
    raise_reminders(now=at(16))  # 15 days before
    assert open_causes(cast.rep) == set()
    raise_reminders(now=at(17))  # 14 days
    assert open_causes(cast.rep) == {(reminders.LC_EXPIRING, f"{key}:14")}
    raise_reminders(now=at(24))  # 7 days: the 14-day reminder closes, the 7-day one is raised
    assert open_causes(cast.rep) == {(reminders.LC_EXPIRING, f"{key}:7")}
    assert Reminder.objects.get(cause=f"{key}:14").resolution == Reminder.Resolution.RESOLVED
    rows = Reminder.objects.count()
    raise_reminders(now=at(24, hour=10))
    assert Reminder.objects.count() == rows
    raise_reminders(now=at(28))  # 3 days
    assert open_causes(cast.rep) == {(reminders.LC_EXPIRING, f"{key}:3")}
    shipment = execution.shipment_save(shipment=Shipment(deal=coal, bl_tonnes=D(60000),
                                                         bl_date=datetime.date(2026, 3, 5)), by=cast.rep)
    letter.refresh_from_db()
    services.presentation_record(letter=letter, shipment=shipment, presented_on=datetime.date(2026, 3, 28),
                                 documents=[Document.INVOICE], discrepancies=[], by=cast.rep,
                                 expected_version=letter.version)
    raise_reminders(now=at(28, hour=10))
    assert open_causes(cast.rep) == set()  # documents presented


def test_a_latest_shipment_date_near_with_the_cargo_not_loaded_reminds_until_the_bl(cast, coal):
    letter = received_lc(coal, cast.rep, latest_shipment_date=datetime.date(2026, 3, 10),
                         expiry_date=datetime.date(2026, 4, 30))
    raise_reminders(now=at(2))  # 8 days before
    assert open_causes(cast.rep) == set()
    raise_reminders(now=at(3))
    assert open_causes(cast.rep) == {(reminders.LC_SHIPMENT, f"lc:{letter.pk}:shipment")}
    execution.shipment_save(shipment=Shipment(deal=coal, bl_tonnes=D(60000), bl_date=datetime.date(2026, 3, 4)),
                            by=cast.rep)
    raise_reminders(now=at(4))
    assert open_causes(cast.rep) == set()


def test_a_reminder_escalates_to_the_manager_after_the_grace(cast, coal):
    raise_reminders(now=at(17, 2))  # the L/C was due on 14 February: three days' grace
    assert open_causes(cast.manager) == {(reminders.LC_NOT_RECEIVED, f"deal:{coal.pk}:lc")}


def test_the_inbox_shows_the_reminders_label(client_as, cast, coal):
    raise_reminders(now=at(14, 2))
    html = client_as(cast.rep).get(reverse("reminders:inbox")).content.decode()
    assert "Letter of credit not received and the laycan is near" in html


def test_the_jobs_queries_do_not_grow_with_the_lcs(cast, coal):
    received_lc(coal, cast.rep)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            reminders.letter_of_credit_causes(at(24))
        return len(context)

    before = queries()
    for _ in range(3):
        received_lc(LCDealFactory(customer__owner=cast.rep), cast.rep)
    assert (before, queries()) == (3, 3)


def test_a_coal_cargo_on_lc_at_sight_from_its_lc_to_its_payment(client_as, cast, coal):
    """The issue's case: the L/C recorded and checked against the contract, its expiry reminding, the
    B/L and the documents presented, a discrepancy waived, the L/C paid; each reminder closing on its way."""
    client = client_as(cast.rep)
    raise_reminders(now=at(14, 2))
    assert open_causes(cast.rep) == {(reminders.LC_NOT_RECEIVED, f"deal:{coal.pk}:lc")}
    response = client.post(reverse("letters_of_credit:create", args=[coal.pk]), {
        "number": "LC-2026-0001", "issuing_bank": "Bank of China, Shanghai Branch", "issuing_bank_bic": "BKCHCNBJ300",
        "amount": "5748000.00", "currency": "USD", "tolerance_percent": "5", "kind": "sight",
        "issued_on": "2026-02-10", "received_on": "2026-02-15", "latest_shipment_date": "2026-03-10",
        "expiry_date": "2026-03-31", "presentation_days": "21", "documents": ["invoice", "bl"]})
    letter = LetterOfCredit.objects.get()
    assert response.status_code == 302 and letter.status == LetterOfCredit.Status.RECEIVED
    # 5,748,000.00 + 5 % = 6,035,400.00 against the contract's 6,322,800.00 at most: 287,400.00 short.
    assert "287,400.00 USD short" in client.get(reverse("deals:detail", args=[coal.pk])).content.decode()
    raise_reminders(now=at(15, 2))
    assert open_causes(cast.rep) == set()  # received
    raise_reminders(now=at(17))
    assert open_causes(cast.rep) == {(reminders.LC_EXPIRING, f"lc:{letter.pk}:expiry:14")}
    shipment = execution.shipment_save(shipment=Shipment(deal=coal, vessel_name="Pacific Glory", bl_tonnes=D(60000),
                                                         bl_date=datetime.date(2026, 3, 8)), by=cast.rep)
    assert client.post(reverse("letters_of_credit:present", args=[letter.pk]), {
        "shipment": shipment.pk, "presented_on": "2026-03-18", "documents": ["invoice", "bl"],
        "discrepancies": "Late B/L signature", "version": letter.version}).status_code == 302
    raise_reminders(now=at(18))
    assert open_causes(cast.rep) == set()  # documents presented
    letter.refresh_from_db()
    discrepancy = letter.presentations.get().discrepancies.get()
    client.post(reverse("letters_of_credit:resolve", args=[letter.pk, discrepancy.pk]),
                {"resolution": "waived", "resolved_on": "2026-03-19", "version": letter.version})
    letter.refresh_from_db()
    client.post(reverse("letters_of_credit:paid", args=[letter.pk]), {"day": "2026-03-20", "version": letter.version})
    letter.refresh_from_db()
    assert (letter.status, letter.paid_on) == (LetterOfCredit.Status.PAID, datetime.date(2026, 3, 20))
