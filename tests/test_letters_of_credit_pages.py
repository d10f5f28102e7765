"""The letter of credit pages as each position sees them: scoped like the contract, the deal page's
panel with the checks, an L/C recorded and received, amended, presented with discrepancies resolved,
accepted and paid from its page, in English and Chinese, and query counts that do not grow."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse

from pipeline.execution import services as execution
from pipeline.execution.models import Shipment
from pipeline.letters_of_credit import services
from pipeline.letters_of_credit.models import Discrepancy, LCAmendment, LetterOfCredit, Presentation

from .factories.letters_of_credit import LCDealFactory, received_lc
from .queries import assert_queries_pinned, planner_settings

pytestmark = pytest.mark.django_db

SEE = {"director", "manager", "rep"}
OUTSIDE = {"other_manager", "other_rep", "account_manager"}  # sellers who do not see the rep's contract
NOT_SELLERS = {"service", "marketing"}
Status = LetterOfCredit.Status


@pytest.fixture
def coal(cast):
    return LCDealFactory(customer__owner=cast.rep)


def text(response) -> str:
    return response.content.decode()


def loaded(deal, by, bl_date=datetime.date(2026, 3, 5), tonnes=D(60000)) -> Shipment:
    return execution.shipment_save(shipment=Shipment(deal=deal, vessel_name="Pacific Glory", imo="9074729",
                                                     bl_tonnes=tonnes, bl_date=bl_date), by=by)


def terms(**changes) -> dict:
    """The L/C form as a user fills it for the worked coal contract's L/C."""
    return {"number": "LC-2026-0001", "issuing_bank": "Bank of China, Shanghai Branch",
            "issuing_bank_bic": "BKCHCNBJ300", "advising_bank": "Standard Chartered Bank Singapore",
            "advising_bank_bic": "SCBLSGSG", "amount": "5748000.00", "currency": "usd", "tolerance_percent": "10",
            "kind": "sight", "issued_on": "2026-02-10", "received_on": "2026-02-12",
            "latest_shipment_date": "2026-03-10", "expiry_date": "2026-03-31", "expiry_place": "China",
            "presentation_days": "21", "documents": ["invoice", "bl", "quality", "weight"]} | changes


# --- Who opens what --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(SEE | OUTSIDE | NOT_SELLERS))
def test_every_lc_page_opens_to_those_who_see_the_contract_only(client_as, cast, coal, role):
    letter = received_lc(coal, cast.rep)
    presentation = services.presentation_record(letter=letter, shipment=loaded(coal, cast.rep),
                                                presented_on=datetime.date(2026, 3, 9), documents=["invoice"],
                                                discrepancies=["Late"], by=cast.rep, expected_version=1)
    discrepancy = Discrepancy.objects.get()
    client = client_as(cast.by_role(role))
    expected = 200 if role in SEE else 404 if role in OUTSIDE else 403
    for url in (reverse("letters_of_credit:detail", args=[letter.pk]),
                reverse("letters_of_credit:create", args=[coal.pk]),
                reverse("letters_of_credit:amend", args=[letter.pk]),
                reverse("letters_of_credit:present", args=[letter.pk])):
        assert client.get(url).status_code == expected, url
        if role not in SEE:
            assert client.post(url).status_code == expected, url
    for url in (reverse("letters_of_credit:discrepancy", args=[letter.pk, presentation.pk]),
                reverse("letters_of_credit:resolve", args=[letter.pk, discrepancy.pk]),
                reverse("letters_of_credit:accept", args=[letter.pk]),
                reverse("letters_of_credit:paid", args=[letter.pk]),
                reverse("letters_of_credit:edit", args=[letter.pk])):
        assert client.post(url).status_code == (302 if role in SEE else expected), url
    letter.refresh_from_db()
    assert (letter.status, LetterOfCredit.objects.count(), Discrepancy.objects.count()) == (Status.DISCREPANT, 1, 1)


def test_who_may_only_look_sees_the_lc_without_its_forms_and_gets_403_on_a_change(client_as, cast, coal, monkeypatch):
    letter = received_lc(coal, cast.rep)
    from pipeline.letters_of_credit import selectors
    monkeypatch.setattr(selectors, "can_record_letters_of_credit", lambda user, deal: False)
    client = client_as(cast.rep)
    html = text(client.get(reverse("letters_of_credit:detail", args=[letter.pk])))
    assert "LC-2026-0001" in html and "Record amendment" not in html and "Record presentation" not in html
    assert client.get(reverse("letters_of_credit:amend", args=[letter.pk])).status_code == 403
    assert client.post(reverse("letters_of_credit:accept", args=[letter.pk])).status_code == 403
    assert "Record L/C" not in text(client.get(reverse("deals:detail", args=[coal.pk])))


# --- The deal page's panel -----------------------------------------------------------------------------


def test_the_deal_page_shows_the_lcs_with_the_coverage_check_on_a_contract_on_lc_terms(client_as, cast, coal):
    client = client_as(cast.rep)
    html = text(client.get(reverse("deals:detail", args=[coal.pk])))
    assert 'id="letters-of-credit"' in html and "none is recorded yet" in html and "Record L/C" in html
    received_lc(coal, cast.rep, tolerance_percent=D(5))
    html = text(client.get(reverse("deals:detail", args=[coal.pk])))
    # 5,748,000.00 + 5 % = 6,035,400.00 against 66,000 t x 95.80 = 6,322,800.00: 287,400.00 short.
    assert ("The L/C amount covers at most 6,035,400.00 USD with its tolerance, but the contract may be worth up "
            "to 6,322,800.00 USD: 287,400.00 USD short.") in html
    assert "LC-2026-0001" in html and "5,748,000.00 USD ± 5 %" in html and "Received" in html
    other_terms = LCDealFactory(customer__owner=cast.rep, payment_terms="open_account")
    assert 'id="letters-of-credit"' not in text(client.get(reverse("deals:detail", args=[other_terms.pk])))


def test_the_panel_warns_of_a_bl_after_the_latest_shipment_date(client_as, cast, coal):
    received_lc(coal, cast.rep)
    loaded(coal, cast.rep, bl_date=datetime.date(2026, 3, 12))
    html = text(client_as(cast.rep).get(reverse("deals:detail", args=[coal.pk])))
    assert ("Shipment 1&#x27;s B/L is dated 2026-03-12, 2 days after the L/C&#x27;s latest shipment date "
            "2026-03-10.") in html


# --- The life of an L/C from its pages -----------------------------------------------------------------


def test_an_lc_is_recorded_expected_then_received_from_its_pages(client_as, cast, coal):
    client = client_as(cast.rep)
    form = text(client.get(reverse("letters_of_credit:create", args=[coal.pk])))
    assert 'value="5748000.00"' in form and 'value="USD"' in form  # the contract's amount and currency
    response = client.post(reverse("letters_of_credit:create", args=[coal.pk]), terms(
        number="", issuing_bank_bic="BKCHQQBJ", received_on=""))
    assert "QQ in this SWIFT/BIC code is no country&#x27;s code." in text(response)
    response = client.post(reverse("letters_of_credit:create", args=[coal.pk]), terms(number="", received_on=""))
    letter = LetterOfCredit.objects.get()
    assert response.status_code == 302 and response.url == reverse("letters_of_credit:detail", args=[letter.pk])
    assert (letter.status, letter.currency, letter.issuing_bank_bic) == (Status.EXPECTED, "USD", "BKCHCNBJ300")
    page = text(client.get(response.url))
    assert "Expected L/C" in page and "Record as received" in page
    response = client.post(reverse("letters_of_credit:edit", args=[letter.pk]), terms(version=letter.version))
    assert response.status_code == 302
    letter.refresh_from_db()
    assert (letter.status, letter.number, letter.received_on) == (Status.RECEIVED, "LC-2026-0001",
                                                                  datetime.date(2026, 2, 12))
    # Received: its terms change only by an amendment.
    assert client.get(reverse("letters_of_credit:edit", args=[letter.pk])).status_code == 302


def test_an_amendment_is_recorded_from_its_page_and_listed_with_what_it_changed(client_as, cast, coal):
    letter = received_lc(coal, cast.rep, tolerance_percent=D(5))
    client = client_as(cast.rep)
    form = text(client.get(reverse("letters_of_credit:amend", args=[letter.pk])))
    assert 'name="tolerance_percent"' in form and 'name="number"' not in form
    data = terms(tolerance_percent="10", expiry_date="2026-04-15", bank_issued_on="2026-02-20",
                 note="At our request", version=letter.version)
    data.pop("number")
    response = client.post(reverse("letters_of_credit:amend", args=[letter.pk]), data)
    assert response.status_code == 302
    amendment = LCAmendment.objects.get()
    assert [change["field"] for change in amendment.changes] == ["tolerance_percent", "expiry_date"]
    html = text(client.get(reverse("letters_of_credit:detail", args=[letter.pk])))
    assert "Amendment 1, issued" in html and "Amount tolerance (± %)" in html and "At our request" in html
    assert "287,400.00" not in html  # +10 % covers the contract now
    letter.refresh_from_db()
    assert (letter.status, letter.tolerance_percent) == (Status.AMENDED, D(10))
    # The same form again, now stale.
    response = client.post(reverse("letters_of_credit:amend", args=[letter.pk]), data)
    assert "Someone else changed this letter of credit" in text(response)
    assert LCAmendment.objects.count() == 1


def test_documents_are_presented_discrepancies_resolved_and_the_lc_paid_from_its_page(client_as, cast, coal):
    letter = received_lc(coal, cast.rep)
    shipment = loaded(coal, cast.rep)
    client = client_as(cast.rep)
    url = reverse("letters_of_credit:detail", args=[letter.pk])
    page = text(client.get(url))
    assert "Documents to present" in page and "present by" in page and "(21 days after the B/L)" in page
    response = client.post(reverse("letters_of_credit:present", args=[letter.pk]), {
        "shipment": shipment.pk, "presented_on": "2026-03-09", "documents": ["invoice", "bl", "quality"],
        "discrepancies": "B/L not signed by the master\n\nInvoice weight differs from the B/L", "version": 1})
    assert response.status_code == 302
    presentation = Presentation.objects.get()
    page = text(client.get(url))
    assert "Discrepant" in page and "B/L not signed by the master" in page
    assert "Shipment 1&#x27;s presentation lacks: Certificate of weight." in page
    first, second = Discrepancy.objects.order_by("pk")
    letter.refresh_from_db()
    for discrepancy, how in ((first, "waived"), (second, "corrected")):
        assert client.post(reverse("letters_of_credit:resolve", args=[letter.pk, discrepancy.pk]), {
            "resolution": how, "resolved_on": "2026-03-11", "version": letter.version}).status_code == 302
        letter.refresh_from_db()
    page = text(client.get(url))
    assert "Waived by the buyer" in page and "Documents corrected" in page and "Mark accepted" in page
    assert client.post(reverse("letters_of_credit:discrepancy", args=[letter.pk, presentation.pk]), {
        "description": "Certificate of quality dated after the B/L", "version": letter.version}).status_code == 302
    letter.refresh_from_db()
    assert letter.status == Status.DISCREPANT
    third = Discrepancy.objects.latest("pk")
    client.post(reverse("letters_of_credit:resolve", args=[letter.pk, third.pk]),
                {"resolution": "waived", "resolved_on": "2026-03-12", "version": letter.version})
    letter.refresh_from_db()
    client.post(reverse("letters_of_credit:paid", args=[letter.pk]), {"day": "2026-03-13", "version": letter.version})
    letter.refresh_from_db()
    assert (letter.status, letter.paid_on) == (Status.PAID, datetime.date(2026, 3, 13))
    # A stale button says so and changes nothing.
    response = client.post(reverse("letters_of_credit:accept", args=[letter.pk]), {"day": "2026-03-13",
                                                                                   "version": 1}, follow=True)
    assert "Someone else changed this letter of credit" in text(response)


def test_the_lc_page_in_chinese(client_as, cast, coal):
    cast.rep.language = "zh-hans"
    cast.rep.save()
    letter = received_lc(coal, cast.rep, tolerance_percent=D(5))
    html = text(client_as(cast.rep).get(reverse("letters_of_credit:detail", args=[letter.pk])))
    assert "信用证" in html and "开证行" in html and "最迟装运期" in html and "有效期" in html and "即期" in html
    assert "短缺 287,400.00 USD" in html


# --- Query counts -------------------------------------------------------------------------------------


def _presented_in_part(deal, by) -> LetterOfCredit:
    """An L/C of a contract in three liftings, the first one's documents presented with a discrepancy."""
    deal.liftings = 3
    deal.save()
    letter = received_lc(deal, by, partial_shipments_allowed=True)
    services.presentation_record(letter=letter, shipment=loaded(deal, by, tonnes=D(20000)),
                                 presented_on=datetime.date(2026, 3, 9), documents=["invoice"],
                                 discrepancies=["Late"], by=by, expected_version=1)
    return letter


def test_the_lc_page_costs_the_same_queries_however_many_amendments_and_presentations(client_as, cast, coal):
    letter = _presented_in_part(coal, cast.rep)
    client = client_as(cast.rep)
    url = reverse("letters_of_credit:detail", args=[letter.pk])
    client.get(url)

    def grow():
        letter.refresh_from_db()
        services.letter_of_credit_amend(letter=letter, terms={"expiry_date": datetime.date(2026, 4, 10)},
                                        issued_on=datetime.date(2026, 2, 20), note="", by=cast.rep,
                                        expected_version=letter.version)
        letter.refresh_from_db()
        services.presentation_record(letter=letter, shipment=loaded(coal, cast.rep, tonnes=D(20000)),
                                     presented_on=datetime.date(2026, 3, 9), documents=["invoice"],
                                     discrepancies=["Late", "Unsigned"], by=cast.rep, expected_version=letter.version)
        received_lc(coal, cast.rep, number="LC-2")

    # The session and user, the L/C with its contract, the contract's L/Cs (for the coverage), its shipments,
    # the presentations and their discrepancies, the amendments: the same however many of each; whether the
    # rep may change their own contract takes no query (access.visible_user_ids).
    first, second = assert_queries_pinned(9, lambda: client.get(url), grow)
    assert first.status_code == second.status_code == 200


def test_the_deal_pages_lc_panel_costs_the_same_queries_however_many_lcs(client_as, cast, coal):
    _presented_in_part(coal, cast.rep)
    client = client_as(cast.rep)
    url = reverse("deals:detail", args=[coal.pk])
    client.get(url)

    def grow():
        second = received_lc(coal, cast.rep, number="LC-2", partial_shipments_allowed=True)
        services.presentation_record(letter=second, shipment=loaded(coal, cast.rep, tonnes=D(20000)),
                                     presented_on=datetime.date(2026, 3, 9), documents=["invoice"],
                                     discrepancies=["Late", "Unsigned"], by=cast.rep, expected_version=1)
        received_lc(coal, cast.rep, number="LC-3")

    # The panel's four: the contract's L/Cs, its shipments, the presentations and their discrepancies; and the
    # receivables panel's three (its invoices, figures and shipments); whether the rep may change their own
    # contract takes no query (access.visible_user_ids); the contract's state badge, read after the deal; on
    # PostgreSQL, the deal's fetch planned as written.
    first, second = assert_queries_pinned(22 + planner_settings(), lambda: client.get(url), grow)
    assert text(second).count("/letters-of-credit/") >= 3
