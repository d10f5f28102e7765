"""The API's contract-execution endpoints: shipments with their assays, laytime and claims, letters of credit
with amendments and presentations, invoices with lines, payments with allocations; each seen by whoever sees
its contract (a payment: the customer's deals), counting what the receivables exports count, at a fixed
query cost however many rows and nested records."""

import csv
import io
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers.models import Complaint
from pipeline.execution import selectors as execution_selectors
from pipeline.execution.models import Assay, AssayResult, CargoClaim, LaytimeException, LaytimeStatement, Shipment
from pipeline.letters_of_credit.models import Discrepancy, LCAmendment, LetterOfCredit, Presentation
from pipeline.receivables.models import Invoice, InvoiceLine, Payment

from .api_representation import assert_written_as_drf_writes
from .conftest import ROLES
from .factories import (
    AllocationFactory,
    ComplaintFactory,
    InvoiceFactory,
    PaymentFactory,
    ShipmentFactory,
    SignedDealFactory,
)
from .factories.execution import coal_nar_5500
from .queries import assert_api_page_pinned
from .test_api import all_results, api_as

KINDS = ["shipment", "letter_of_credit", "invoice", "payment"]
# The pages of contract execution and getting paid are the sellers' (403 for the others).
SELLERS = {"director", "manager", "rep", "account_manager", "other_manager", "other_rep"}
# Who sees team A's rep's contract (their own; their manager; the director), and team B's rep's.
SEES = {"a": {"director", "manager", "rep"}, "b": {"director", "other_manager", "other_rep"}}


def moment(day: int, hour: int = 0) -> datetime:
    return timezone.make_aware(datetime(2026, 3, day, hour))


def executed(seller, *, spec=None, nested: bool = True) -> dict:
    """A signed contract of `seller` with a shipment, an L/C, an invoice and a payment; with `nested`, each
    with what hangs under it (an assay and its results, a laytime statement, a claim, an L/C amendment and
    presentation with a discrepancy, invoice lines, an allocation)."""
    deal = SignedDealFactory(customer__owner=seller, specification=spec, payment_terms="lc_sight")
    shipment = ShipmentFactory(deal=deal, bl_date=date(2026, 3, 5), bl_tonnes=Decimal(60000),
                               outturn_tonnes=Decimal(59400))
    letter = LetterOfCredit.objects.create(
        deal=deal, number=f"LC-{deal.pk}", issuing_bank="Bank of China", amount=Decimal("5748000.00"),
        currency="USD", tolerance_percent=Decimal(10), latest_shipment_date=date(2026, 3, 10),
        expiry_date=date(2026, 3, 31), status=LetterOfCredit.Status.DISCREPANT, created_by=seller)
    invoice = InvoiceFactory(deal=deal, shipment=shipment, issued_by=seller)
    payment = PaymentFactory(customer=deal.customer)
    if nested:
        assay = Assay.objects.create(shipment=shipment, place="discharge", laboratory="CCIC",
                                     certificate_number=f"C-{deal.pk}", certificate_date=date(2026, 3, 20),
                                     recorded_by=seller)
        for parameter in spec.parameters.all():
            AssayResult.objects.create(assay=assay, parameter=parameter,
                                       value=Decimal(5350) if parameter.code == "nar" else Decimal("14.2"))
        Assay.objects.create(shipment=shipment, place="discharge", laboratory="SGS", certificate_number="C-2",
                             certificate_date=date(2026, 3, 21), supersedes=assay, correction_reason="Typo",
                             recorded_by=seller)
        statement = LaytimeStatement.objects.create(shipment=shipment, notice_tendered_at=moment(12, 8),
                                                    completed_at=moment(22, 8), recorded_by=seller)
        LaytimeException.objects.create(statement=statement, kind=LaytimeException.Kind.WEATHER,
                                        starts_at=moment(14), ends_at=moment(15))
        complaint = ComplaintFactory(customer=deal.customer, category=Complaint.Category.QUANTITY)
        CargoClaim.objects.create(complaint=complaint, shipment=shipment, kind=CargoClaim.Kind.QUANTITY,
                                  measured=Decimal(600), claimed_amount=Decimal("28740.00"))
        LCAmendment.objects.create(letter_of_credit=letter, number=1, issued_on=date(2026, 2, 20),
                                   changes=[{"field": "expiry_date", "old": "2026-03-31", "new": "2026-04-15"}],
                                   recorded_by=seller)
        presentation = Presentation.objects.create(letter_of_credit=letter, shipment=shipment,
                                                   presented_on=date(2026, 3, 8), documents=["invoice"],
                                                   recorded_by=seller)
        Discrepancy.objects.create(presentation=presentation, description="Late presentation", recorded_by=seller)
        InvoiceLine.objects.create(invoice=invoice, position=1, kind=InvoiceLine.Kind.CARGO,
                                   quantity_tonnes=Decimal(60000), unit_price=Decimal("95.80"),
                                   amount=Decimal("5748000.00"))
        AllocationFactory(payment=payment, invoice=invoice, amount=Decimal("5000000.00"))
    return {"shipment": shipment, "letter_of_credit": letter, "invoice": invoice, "payment": payment}


@pytest.fixture
def world(cast):
    spec = coal_nar_5500()
    return {"a": executed(cast.rep, spec=spec), "b": executed(cast.other_rep, spec=spec)}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_endpoint_as_every_position(cast, world, role, kind):
    user = cast.by_role(role)
    client = api_as(user)
    list_url = reverse(f"api:{kind}-list")
    if user is None:
        assert client.get(list_url).status_code == 401
        assert client.get(reverse(f"api:{kind}-detail", args=[world["a"][kind].pk])).status_code == 401
        return
    if role not in SELLERS:
        assert client.get(list_url).status_code == 403
        assert client.get(reverse(f"api:{kind}-detail", args=[world["a"][kind].pk])).status_code == 403
        return
    seen = {row["id"] for row in all_results(client, list_url)}
    assert seen == {world[side][kind].pk for side in "ab" if role in SEES[side]}
    missing = client.get(reverse(f"api:{kind}-detail", args=[999999]))
    assert missing.status_code == 404
    for side in "ab":
        detail = client.get(reverse(f"api:{kind}-detail", args=[world[side][kind].pk]))
        if role in SEES[side]:
            assert detail.status_code == 200 and detail.json()["id"] == world[side][kind].pk
        else:
            # Out of scope answers exactly as missing does.
            assert detail.status_code == 404 and detail.json() == missing.json()


# --- What each record brings with it ---------------------------------------------------------------


def test_a_shipment_comes_with_its_assays_laytime_figures_and_claims(cast, world):
    shipment = world["a"]["shipment"]
    row = api_as(cast.rep).get(reverse("api:shipment-detail", args=[shipment.pk])).json()
    assert (row["contract_number"], row["state"], row["bl_tonnes"], row["outturn_tonnes"]) == (
        shipment.deal.contract_number, "discharged", "60000.000", "59400.000")
    first, correction = row["assays"]
    assert (first["standing"], correction["standing"], correction["supersedes"]) == (False, True, first["id"])
    assert {result["parameter"]: result["value"] for result in first["results"]} == {
        "nar": "5350.0000", "moisture": "14.2000"}
    [laytime] = row["laytime"]
    assert laytime["port_role"] == "discharge" and [each["kind"] for each in laytime["excepted"]] == ["weather"]
    # The figures the shipment page computes from the contract's laytime terms.
    [(_statement, page_figures)] = execution_selectors.laytime_of(shipment)
    figures = laytime["figures"]
    assert Decimal(figures["allowed_hours"]) == page_figures.allowed_hours.quantize(Decimal("0.01"))
    assert Decimal(figures["used_hours"]) == page_figures.used_hours.quantize(Decimal("0.01"))
    # Discharged within its laytime: despatch earned, no demurrage.
    assert (Decimal(figures["demurrage"]), Decimal(figures["despatch"])) == (Decimal(0), page_figures.despatch)
    assert page_figures.despatch > 0 and figures["expired_at"] is None
    [claim] = row["claims"]
    assert (claim["kind"], claim["measured"], claim["claimed_amount"]) == ("quantity", "600.0000", "28740.00")


def test_shipments_filter_by_state_and_contract(cast, world):
    ShipmentFactory(deal=world["a"]["shipment"].deal, number=2)  # nominated, not loaded
    client = api_as(cast.rep)
    url = reverse("api:shipment-list")
    assert [row["state"] for row in all_results(client, url, state="nominated")] == ["nominated"]
    assert len(all_results(client, url, deal=world["a"]["shipment"].deal_id)) == 2
    # Another team's contract finds nothing, as a missing one does.
    assert all_results(client, url, deal=world["b"]["shipment"].deal_id) == []
    assert client.get(url, {"state": "sunk"}).status_code == 400


def test_a_letter_of_credit_comes_with_its_amendments_presentations_and_shown_status(cast, world):
    letter = world["a"]["letter_of_credit"]
    row = api_as(cast.manager).get(reverse("api:letter_of_credit-detail", args=[letter.pk])).json()
    assert (row["number"], row["status"], row["amount"]) == (letter.number, "discrepant", "5748000.00")
    assert [(each["number"], each["changes"][0]["new"]) for each in row["amendments"]] == [(1, "2026-04-15")]
    [presentation] = row["presentations"]
    assert presentation["shipment"] == world["a"]["shipment"].pk
    assert [each["description"] for each in presentation["discrepancies"]] == ["Late presentation"]
    # Past its expiry with no documents presented, the pages show an L/C as expired.
    LetterOfCredit.objects.filter(pk=world["b"]["letter_of_credit"].pk).update(
        status=LetterOfCredit.Status.RECEIVED, expiry_date=timezone.localdate() - timedelta(days=1))
    other = api_as(cast.other_rep).get(reverse("api:letter_of_credit-detail",
                                               args=[world["b"]["letter_of_credit"].pk])).json()
    assert (other["status"], other["shown_status"]) == ("received", "expired")


def test_an_invoice_shows_its_lines_and_what_is_still_owed_and_a_payment_what_it_settles(cast, world):
    invoice, payment = world["a"]["invoice"], world["a"]["payment"]
    client = api_as(cast.rep)
    row = client.get(reverse("api:invoice-detail", args=[invoice.pk])).json()
    assert (row["amount"], row["allocated"], row["open_amount"]) == ("5748000.00", "5000000.00", "748000.00")
    assert [(line["kind"], line["quantity_tonnes"], line["amount"]) for line in row["lines"]] == [
        ("cargo", "60000.000", "5748000.00")]
    row = client.get(reverse("api:payment-detail", args=[payment.pk])).json()
    assert (row["allocated"], row["on_account"]) == ("5000000.00", "0.00")
    assert [(each["invoice_number"], each["amount"]) for each in row["allocations"]] == [
        (invoice.number, "5000000.00")]
    # Overdue: due at sight on 5 March 2026, 748,000.00 still owed.
    assert [each["id"] for each in all_results(client, reverse("api:invoice-list"), overdue="true")] == [invoice.pk]


# --- The exports' counts ---------------------------------------------------------------------------


@pytest.fixture
def busy(cast, world):
    """More invoices and payments, some of a teammate's or the other team's, one a credit note."""
    for seller, count in ((cast.rep, 3), (cast.account_manager, 2), (cast.other_rep, 4)):
        for index in range(count):
            deal = SignedDealFactory(customer__owner=seller)
            InvoiceFactory(deal=deal, issued_by=seller)
            PaymentFactory(customer=deal.customer, received_on=date(2026, 3, 10 + index))
    original = world["a"]["invoice"]
    InvoiceFactory(deal=original.deal, kind=Invoice.Kind.CREDIT_NOTE, against=original, amount=Decimal("-1000.00"))


def _export_rows(client, name: str) -> int:
    response = client.get(reverse(f"receivables_exports:{name}", args=["csv"]))
    return len(list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))) - 1


@pytest.mark.parametrize("role", ROLES[1:])
def test_the_api_counts_what_the_receivables_exports_count(cast, busy, client, role):
    user = cast.by_role(role)
    client.force_login(user)
    api = api_as(user)
    for kind, export in (("invoice", "invoices"), ("payment", "payments")):
        if client.get(reverse(f"receivables_exports:{export}", args=["csv"])).status_code == 403:
            assert api.get(reverse(f"api:{kind}-list")).status_code == 403, (kind, role)
            continue
        assert len(all_results(api, reverse(f"api:{kind}-list"))) == _export_rows(client, export), (kind, role)


# --- A page of any size costs the same queries -----------------------------------------------------

# The token, the page's keys and then its rows (the views' `keys_first`), then one query a nested list: a
# shipment's assays, their results, its laytime statements, their excepted periods and its claims; an L/C's
# amendments, presentations and their discrepancies; an invoice's lines; a payment's allocations.
PAGE_QUERIES = {"shipment": 8, "letter_of_credit": 6, "invoice": 4, "payment": 4}


# Each list's own order, newest first, as its viewset's `ordering`.
NEWEST_FIRST = {"shipment": (Shipment, "-created_at"), "letter_of_credit": (LetterOfCredit, "-created_at"),
                "invoice": (Invoice, "-issued_at"), "payment": (Payment, "-recorded_at")}


@pytest.mark.parametrize("kind", KINDS)
def test_a_list_pages_by_keys_first_forward_and_back_newest_first(cast, kind):
    """Each list reads a page's keys among the user's records and then those rows (`keys_first`): its pages,
    forward and back, are the rep's own records newest first, each once, those of the same moment by key."""
    for seller in [cast.rep, cast.other_rep, cast.rep, cast.rep, cast.other_rep, cast.rep]:
        executed(seller, nested=False)
    model, newest = NEWEST_FIRST[kind]
    model.objects.filter(pk__in=list(model.objects.values_list("pk", flat=True)[:2])).update(
        **{newest.removeprefix("-"): timezone.now()})  # ties
    client = api_as(cast.rep)
    pages = [client.get(reverse(f"api:{kind}-list"), {"page_size": 2}).json()]
    while pages[-1]["next"]:
        pages.append(client.get(pages[-1]["next"]).json())
    owner = "customer__owner" if model is Payment else "deal__customer__owner"
    own = model.objects.filter(**{owner: cast.rep}).order_by(newest, "-pk")
    assert [row["id"] for page in pages for row in page["results"]] == list(own.values_list("pk", flat=True))
    assert own.count() == 4 and len(pages) == 2  # the rep's four contracts' records, none of the other rep's
    back = [pages[-1]]
    while back[-1]["previous"]:
        back.append(client.get(back[-1]["previous"]).json())
    assert [page["results"] for page in reversed(back)] == [page["results"] for page in pages]


@pytest.mark.parametrize("kind", KINDS)
def test_a_page_costs_the_same_queries_whatever_its_size(cast, kind):
    spec = coal_nar_5500()

    def add(count: int) -> None:
        for index in range(count):
            executed(cast.rep if index % 2 else cast.other_rep, spec=spec, nested=index % 4 != 0)

    add(2)
    assert_api_page_pinned(api_as(cast.director), reverse(f"api:{kind}-list"), PAGE_QUERIES[kind],
                           lambda: add(14))


@pytest.mark.parametrize("kind", KINDS)
def test_a_list_is_written_as_drf_writes_it(cast, world, monkeypatch, kind):
    """Every field of every record as Django REST framework's own serializer writes it (bulksales/api/
    representation.py writes them faster)."""
    assert_written_as_drf_writes(api_as(cast.director), reverse(f"api:{kind}-list"), monkeypatch)


@pytest.mark.parametrize("kind", ["letter_of_credit", "invoice"])
def test_a_list_reads_of_its_contract_and_customer_only_what_it_writes(cast, world, kind):
    """The contract's number and the customer's id and name: read whole, a page of 50 letters of credit made 50
    contracts and 50 customers of some 110 columns each."""
    with CaptureQueriesContext(connection) as queries:
        rows = api_as(cast.director).get(reverse(f"api:{kind}-list")).json()["results"]
    records = [world[side][kind] for side in ("a", "b")]
    assert sorted((row["contract_number"], row["customer"], row["customer_name"]) for row in rows) == sorted(
        (record.deal.contract_number, record.deal.customer_id, record.deal.customer.name) for record in records)
    selected = [query["sql"].split(" FROM ")[0] for query in queries.captured_queries]
    assert {column for sql in selected for column in re.findall(r'"pipeline_deal"\."(\w+)"', sql)} == {
        "id", "contract_number", "customer_id"}
    assert {column for sql in selected for column in re.findall(r'"customers_customer"\."(\w+)"', sql)} == {
        "id", "name"}
