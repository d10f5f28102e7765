"""Issue 14's "done when", end to end: a signed coal cargo on L/C at sight, from its L/C to the ageing.

The L/C is recorded and checked against the contract; its expiry raises reminders until the documents
are presented; the provisional and final invoices come from the shipment's figures; a part payment and
the credit note for the short-landing leave 585,488.36 USD owed; the reminders chase it and the
director's ageing shows it. The figures are the worked examples' (README, After the signature)."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import PaymentTerms
from pipeline.letters_of_credit import services as lc_services
from pipeline.letters_of_credit.models import Document, LetterOfCredit
from pipeline.models import PortRole, QuantityBasis, Reminder
from pipeline.receivables import selectors, services
from pipeline.reminders import raise_reminders

from .factories import SignedDealFactory
from .factories.execution import coal_nar_5500
from .test_receivables_services import BL_DATE, finalised, loaded, short_landing_settled

pytestmark = pytest.mark.django_db
Kind = Reminder.Kind


def at(day: int, month: int = 3) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026, month, day, 9))


def open_kinds(user) -> set[str]:
    return set(Reminder.objects.filter(recipient=user, done_at__isnull=True).values_list("kind", flat=True))


def test_a_coal_cargo_on_lc_at_sight_from_its_lc_to_the_ageing(cast, client_as):
    # 60,000 t +/- 10 % at 95.80 USD/t, laycan 1-10 March 2026, on L/C at sight; valued on the B/L (so a
    # short-landing is claimed), the discharge assay final.
    coal = SignedDealFactory(customer__owner=cast.rep, specification=coal_nar_5500(),
                             quantity_basis=QuantityBasis.BL, final_assay=PortRole.DISCHARGE,
                             payment_terms=PaymentTerms.LC_SIGHT)

    # 1. The L/C: 5,748,000.00 + 10 % = 6,322,800.00 covers the contract's most, 66,000 t x 95.80 = 6,322,800.00.
    letter = lc_services.letter_of_credit_record(letter=LetterOfCredit(
        deal=coal, number="LC-2026-0001", issuing_bank="Bank of China", issuing_bank_bic="BKCHCNBJ300",
        amount=D("5748000.00"), currency="USD", tolerance_percent=D(10), issued_on=datetime.date(2026, 2, 10),
        latest_shipment_date=datetime.date(2026, 3, 10), expiry_date=datetime.date(2026, 3, 31),
        expiry_place="China", documents=[Document.INVOICE, Document.BILL_OF_LADING, Document.QUALITY]),
        by=cast.rep, received_on=datetime.date(2026, 2, 12))
    client = client_as(cast.rep)
    deal_page = client.get(reverse("deals:detail", args=[coal.pk])).content.decode()
    assert "LC-2026-0001" in deal_page and "The L/C amount covers at most" not in deal_page
    # An amendment cutting the tolerance to 5 % would leave 6,322,800.00 - 6,035,400.00 = 287,400.00 uncovered.
    lc_services.letter_of_credit_amend(letter=letter, terms={"tolerance_percent": D(5)},
                                       issued_on=datetime.date(2026, 2, 20), note="Buyer's bank", by=cast.rep,
                                       expected_version=letter.version)
    deal_page = client.get(reverse("deals:detail", args=[coal.pk])).content.decode()
    assert ("The L/C amount covers at most 6,035,400.00 USD with its tolerance, but the contract may be worth up to "
            "6,322,800.00 USD: 287,400.00 USD short.") in deal_page

    # 2. Its expiry: 14 days before (17 March) with no documents presented, the rep is reminded.
    raise_reminders(now=at(17))
    assert Kind.LC_EXPIRING in open_kinds(cast.rep)

    # 3. The B/L (60,000 t on 5 March), the outturn (59,640 t) and the documents presented on 18 March.
    shipment = loaded(coal, cast.rep, outturn_tonnes=D(59640))
    letter.refresh_from_db()
    lc_services.presentation_record(letter=letter, shipment=shipment, presented_on=datetime.date(2026, 3, 18),
                                    documents=[Document.INVOICE, Document.BILL_OF_LADING, Document.QUALITY],
                                    discrepancies=[], by=cast.rep, expected_version=letter.version)
    raise_reminders(now=at(18))
    assert Kind.LC_EXPIRING not in open_kinds(cast.rep)

    # 4. The provisional invoice on the B/L: 60,000 t x 95.80 = 5,748,000.00, due at sight.
    provisional = services.provisional_issue(shipment=shipment, by=cast.rep, issued_on=BL_DATE)
    assert (provisional.amount, provisional.due_on) == (D("5748000.00"), BL_DATE)
    # A part payment of 5,000,000.00: 748,000.00 owed.
    services.payment_record(customer=coal.customer, received_on=datetime.date(2026, 3, 20),
                            amount=D("5000000.00"), currency="USD", by=cast.rep)
    # The short-landing, 60 t beyond the 0.5 % allowance, claimed at discharge: 60 x 95.80 = 5,748.00 credited.
    note = services.claim_credit_note_issue(complaint=short_landing_settled(shipment, cast.rep, cast.service),
                                            by=cast.rep, issued_on=datetime.date(2026, 3, 21))
    # The final invoice on NAR 5,350 and the B/L: 60,000 x 95.80 x 5,350 / 5,500 = 5,591,236.36, less the
    # 5,748,000.00 billed = -156,763.64.
    final = services.final_issue(shipment=finalised(shipment, cast.rep), by=cast.rep,
                                 issued_on=datetime.date(2026, 3, 25))
    assert (note.amount, final.amount) == (D("-5748.00"), D("-156763.64"))
    # 748,000.00 - 5,748.00 - 156,763.64 = 585,488.36 owed, past due since 5 March.
    figures = selectors.deal_figures(coal, datetime.date(2026, 3, 31))
    assert (figures.invoiced, figures.received, figures.outstanding, figures.overdue) == (
        D("5585488.36"), D("5000000.00"), D("585488.36"), D("585488.36"))

    # 5. The reminders chase it: the rep first, the manager from 7 days late (12 March), the directors from
    #    30 (4 April).
    raise_reminders(now=at(12))
    assert Kind.INVOICE_OVERDUE in open_kinds(cast.rep) and Kind.INVOICE_OVERDUE in open_kinds(cast.manager)
    assert Kind.INVOICE_OVERDUE not in open_kinds(cast.director)
    raise_reminders(now=at(4, month=4))
    assert Kind.INVOICE_OVERDUE in open_kinds(cast.director)

    # 6. The ageing: today (30 November or later) the 585,488.36 is over 90 days past due, in the base
    #    currency at the provisional invoice's rate (7.1): 4,156,967.356, shown 4,156,967.
    assert provisional.rate_to_base == D("7.1")
    response = client_as(cast.director).get(reverse("dashboards:director"))
    ageing = {row["bucket"]: (row["amount"], row["count"]) for row in response.context["ageing"]}
    assert ageing["over_90"] == (D("4156967.36"), 1)
    assert ageing["current"] == ageing["1_30"] == ageing["31_60"] == ageing["61_90"] == (D("0.00"), 0)
    assert "4,156,967" in response.content.decode()
