"""Recording a contract's letters of credit: expected then received, terms changed only by a recorded
amendment, documents presented with their discrepancies and how each was resolved, the bank's
acceptance and payment, stale forms refused, and who may do it."""

import datetime
from decimal import Decimal as D

import pytest

from accounts.services import RuleError
from pipeline.execution import services as execution
from pipeline.execution.models import Shipment
from pipeline.letters_of_credit import services
from pipeline.letters_of_credit.models import Discrepancy, Document, LCAmendment, LetterOfCredit

from .factories.letters_of_credit import LCDealFactory, received_lc

pytestmark = pytest.mark.django_db
Status = LetterOfCredit.Status
DOCUMENTS = [Document.INVOICE, Document.BILL_OF_LADING, Document.QUALITY, Document.WEIGHT]


@pytest.fixture
def coal(cast):
    return LCDealFactory(customer__owner=cast.rep)


def loaded(deal, by, bl_date=datetime.date(2026, 3, 5)) -> Shipment:
    return execution.shipment_save(shipment=Shipment(deal=deal, vessel_name="Pacific Glory", imo="9074729",
                                                     bl_tonnes=D(60000), bl_date=bl_date), by=by)


def present(letter, shipment, by, discrepancies=(), presented_on=datetime.date(2026, 3, 9), documents=DOCUMENTS):
    letter.refresh_from_db()
    return services.presentation_record(letter=letter, shipment=shipment, presented_on=presented_on,
                                        documents=list(documents), discrepancies=list(discrepancies), by=by,
                                        expected_version=letter.version)


def test_an_lc_recorded_without_its_number_is_expected_and_received_once_the_number_is_given(cast, coal):
    letter = services.letter_of_credit_record(letter=LetterOfCredit(
        deal=coal, issuing_bank="Bank of China", amount=D("5748000.00"), currency="USD", tolerance_percent=D(10)),
        by=cast.rep)
    assert (letter.status, letter.received_on, letter.version) == (Status.EXPECTED, None, 1)
    letter.number, letter.latest_shipment_date = "LC-77", datetime.date(2026, 3, 10)
    with pytest.raises(RuleError, match="latest shipment date and its expiry date"):
        services.letter_of_credit_update(letter=letter, by=cast.rep, expected_version=1)
    letter.expiry_date = datetime.date(2026, 3, 31)
    services.letter_of_credit_update(letter=letter, by=cast.rep, expected_version=1,
                                     received_on=datetime.date(2026, 2, 12))
    letter.refresh_from_db()
    assert (letter.status, letter.number, letter.received_on, letter.version) == (
        Status.RECEIVED, "LC-77", datetime.date(2026, 2, 12), 2)


def test_a_received_lcs_terms_are_not_edited_but_amended(cast, coal):
    letter = received_lc(coal, cast.rep)
    letter.amount = D(6000000)
    with pytest.raises(RuleError, match="change only by an amendment"):
        services.letter_of_credit_update(letter=letter, by=cast.rep, expected_version=1)


def test_an_amendment_records_what_it_changed_and_the_lc_shows_its_new_terms(cast, coal):
    letter = received_lc(coal, cast.rep, tolerance_percent=D(5))
    amendment = services.letter_of_credit_amend(
        letter=letter, terms={"tolerance_percent": D(10), "expiry_date": datetime.date(2026, 4, 15)},
        issued_on=datetime.date(2026, 2, 20), note="Buyer's bank, at our request", by=cast.rep, expected_version=1)
    letter.refresh_from_db()
    assert (letter.status, letter.tolerance_percent, letter.expiry_date, letter.version) == (
        Status.AMENDED, D(10), datetime.date(2026, 4, 15), 2)
    assert (amendment.number, amendment.changes, amendment.note) == (1, [
        {"field": "tolerance_percent", "old": "5", "new": "10"},
        {"field": "expiry_date", "old": "2026-03-31", "new": "2026-04-15"}], "Buyer's bank, at our request")
    second = services.letter_of_credit_amend(letter=letter, terms={"partial_shipments_allowed": True},
                                             issued_on=datetime.date(2026, 2, 25), note="", by=cast.rep,
                                             expected_version=2)
    assert (second.number, second.changes) == (2, [{"field": "partial_shipments_allowed", "old": False,
                                                    "new": True}])


def test_an_amendment_changing_nothing_or_the_number_is_refused(cast, coal):
    letter = received_lc(coal, cast.rep)
    with pytest.raises(RuleError, match="changes none of the L/C's terms"):
        services.letter_of_credit_amend(letter=letter, terms={"tolerance_percent": D(10)},
                                        issued_on=datetime.date(2026, 2, 20), note="", by=cast.rep,
                                        expected_version=1)
    with pytest.raises(RuleError, match="not changed by an amendment: number"):
        services.letter_of_credit_amend(letter=letter, terms={"number": "X"}, issued_on=datetime.date(2026, 2, 20),
                                        note="", by=cast.rep, expected_version=1)
    assert not LCAmendment.objects.exists()


def test_a_stale_form_is_refused(cast, coal):
    letter = received_lc(coal, cast.rep)
    services.letter_of_credit_amend(letter=letter, terms={"tolerance_percent": D(5)},
                                    issued_on=datetime.date(2026, 2, 20), note="", by=cast.rep, expected_version=1)
    with pytest.raises(RuleError, match="Someone else changed this letter of credit"):
        services.letter_of_credit_amend(letter=letter, terms={"tolerance_percent": D(8)},
                                        issued_on=datetime.date(2026, 2, 21), note="", by=cast.rep,
                                        expected_version=1)
    assert LCAmendment.objects.count() == 1


def test_documents_presented_with_discrepancies_make_the_lc_discrepant_until_each_is_resolved(cast, coal):
    letter = received_lc(coal, cast.rep)
    shipment = loaded(coal, cast.rep)
    present(letter, shipment, cast.rep, discrepancies=["Late B/L signature", "Invoice weight differs"])
    letter.refresh_from_db()
    assert letter.status == Status.DISCREPANT
    first, second = Discrepancy.objects.order_by("pk")
    with pytest.raises(RuleError, match="accepts documents presented with no discrepancy"):
        services.letter_of_credit_accept(letter=letter, accepted_on=datetime.date(2026, 3, 12), by=cast.rep,
                                         expected_version=letter.version)
    services.discrepancy_resolve(discrepancy=first, resolution=Discrepancy.Resolution.WAIVED,
                                 resolved_on=datetime.date(2026, 3, 11), by=cast.rep, expected_version=letter.version)
    letter.refresh_from_db()
    assert letter.status == Status.DISCREPANT  # one is left
    with pytest.raises(RuleError, match="resolved already"):
        services.discrepancy_resolve(discrepancy=first, resolution=Discrepancy.Resolution.CORRECTED,
                                     resolved_on=datetime.date(2026, 3, 12), by=cast.rep,
                                     expected_version=letter.version)
    services.discrepancy_resolve(discrepancy=second, resolution=Discrepancy.Resolution.CORRECTED,
                                 resolved_on=datetime.date(2026, 3, 12), by=cast.rep, expected_version=letter.version)
    letter.refresh_from_db()
    assert letter.status == Status.PRESENTED
    services.letter_of_credit_accept(letter=letter, accepted_on=datetime.date(2026, 3, 13), by=cast.rep,
                                     expected_version=letter.version)
    letter.refresh_from_db()
    services.letter_of_credit_paid(letter=letter, paid_on=datetime.date(2026, 3, 14), by=cast.rep,
                                   expected_version=letter.version)
    letter.refresh_from_db()
    assert (letter.status, letter.accepted_on, letter.paid_on) == (
        Status.PAID, datetime.date(2026, 3, 13), datetime.date(2026, 3, 14))
    assert list(Discrepancy.objects.order_by("pk").values_list("resolution", "resolved_on")) == [
        ("waived", datetime.date(2026, 3, 11)), ("corrected", datetime.date(2026, 3, 12))]


def test_a_discrepancy_raised_later_makes_presented_documents_discrepant(cast, coal):
    letter = received_lc(coal, cast.rep)
    presentation = present(letter, loaded(coal, cast.rep), cast.rep)
    letter.refresh_from_db()
    assert letter.status == Status.PRESENTED
    services.discrepancy_record(presentation=presentation, description="Certificate of weight unsigned",
                                by=cast.rep, expected_version=letter.version)
    letter.refresh_from_db()
    assert letter.status == Status.DISCREPANT


def test_an_lc_at_sight_is_paid_on_compliant_documents(cast, coal):
    letter = received_lc(coal, cast.rep)
    present(letter, loaded(coal, cast.rep), cast.rep)
    letter.refresh_from_db()
    services.letter_of_credit_paid(letter=letter, paid_on=datetime.date(2026, 3, 12), by=cast.rep,
                                   expected_version=letter.version)
    letter.refresh_from_db()
    assert (letter.status, letter.accepted_on) == (Status.PAID, datetime.date(2026, 3, 12))


def test_a_usance_lc_is_accepted_before_it_is_paid(cast, coal):
    letter = received_lc(coal, cast.rep, kind=LetterOfCredit.Kind.USANCE, usance_days=90)
    present(letter, loaded(coal, cast.rep), cast.rep)
    letter.refresh_from_db()
    with pytest.raises(RuleError, match="pays once it has accepted"):
        services.letter_of_credit_paid(letter=letter, paid_on=datetime.date(2026, 3, 12), by=cast.rep,
                                       expected_version=letter.version)


def test_a_presentation_needs_a_loaded_shipment_of_the_contract_once(cast, coal):
    letter = received_lc(coal, cast.rep)
    unloaded = execution.shipment_save(shipment=Shipment(deal=coal, vessel_name="Pacific Glory"), by=cast.rep)
    with pytest.raises(RuleError, match="Record the shipment's B/L"):
        present(letter, unloaded, cast.rep)
    other = loaded(LCDealFactory(customer__owner=cast.rep), cast.rep)
    with pytest.raises(RuleError, match="another contract's"):
        present(letter, other, cast.rep)


def test_without_partial_shipments_the_documents_are_presented_once(cast, coal):
    coal.liftings = 2
    coal.save()
    letter = received_lc(coal, cast.rep)
    first = execution.shipment_save(shipment=Shipment(deal=coal, bl_tonnes=D(30000),
                                                      bl_date=datetime.date(2026, 3, 5)), by=cast.rep)
    second = execution.shipment_save(shipment=Shipment(deal=coal, bl_tonnes=D(30000),
                                                       bl_date=datetime.date(2026, 3, 8)), by=cast.rep)
    present(letter, first, cast.rep)
    with pytest.raises(RuleError, match="does not allow partial shipments"):
        present(letter, second, cast.rep)


def test_the_terms_are_checked_when_recorded(cast, coal):
    with pytest.raises(RuleError, match="how many days"):
        received_lc(coal, cast.rep, kind=LetterOfCredit.Kind.USANCE)
    with pytest.raises(RuleError, match="Name the bank that confirmed"):
        received_lc(coal, cast.rep, confirmed=True)
    with pytest.raises(RuleError, match="expire before its latest shipment date"):
        received_lc(coal, cast.rep, expiry_date=datetime.date(2026, 3, 9))
    letter = received_lc(coal, cast.rep, issuing_bank_bic=" bkchcnbj ", documents=["bl", "invoice"])
    assert (letter.issuing_bank_bic, letter.documents) == ("BKCHCNBJ", ["invoice", "bl"])


@pytest.mark.parametrize("role", ["account_manager", "other_rep", "service", "marketing"])
def test_only_who_may_change_the_contract_records_its_lcs(cast, coal, role):
    with pytest.raises(RuleError, match="records its letters of credit"):
        received_lc(coal, cast.by_role(role))
    assert received_lc(coal, cast.manager).created_by == cast.manager


def test_an_lc_past_its_expiry_with_no_documents_presented_shows_as_expired(cast, coal):
    letter = received_lc(coal, cast.rep)
    assert letter.shown_status(datetime.date(2026, 3, 31)) == Status.RECEIVED
    assert letter.shown_status(datetime.date(2026, 4, 1)) == Status.EXPIRED
    present(letter, loaded(coal, cast.rep), cast.rep)
    letter.refresh_from_db()
    assert letter.shown_status(datetime.date(2026, 4, 1)) == Status.PRESENTED
