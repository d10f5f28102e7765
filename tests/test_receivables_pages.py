"""The receivables pages as each position sees them: scoped like the contract and the customer (404
outside, 403 for who may not sell), the deal page's panel issuing the invoices each shipment calls for,
the invoice page with its lines and notes, the payment form with its allocations per row, the complaint's
credit note, in both languages, and query counts that do not grow with invoices and payments."""

import datetime
import re
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import Complaint
from pipeline.receivables import panels, services
from pipeline.receivables.models import Invoice, Payment

from .factories import ComplaintFactory, SignedDealFactory
from .queries import assert_queries_pinned, planner_settings
from .test_execution_pages import chinese, text
from .test_receivables_services import (  # noqa: F401
    BL_DATE,
    coal,
    finalised,
    load_assay,
    loaded,
    ore,
    short_landing_settled,
)

pytestmark = pytest.mark.django_db

SEE = {"director", "manager", "rep"}
OUTSIDE = {"other_manager", "other_rep", "account_manager"}  # sellers who do not see the rep's contract
NOT_SELLERS = {"service", "marketing"}
# Pinned query counts: the page's own and the session's, the same however many invoices and payments. Whether
# the rep may invoice their own contract or record their own customer's payments takes no query
# (access.visible_user_ids).
QUERIES_INVOICE = 8
QUERIES_PAYMENT_FORM = 6
QUERIES_PAYMENT = 5
QUERIES_DEAL_PANEL = 3  # the invoices, the figures, the shipments
QUERIES_CUSTOMER_PANEL = 3  # the figures per currency, the payments on account, the latest payments


@pytest.fixture
def billed(cast, coal):
    """The worked example: provisional invoice, a part payment of 5,000,000.00, the short-landing claim's
    credit note of 5,748.00 and the final invoice (a credit of 156,763.64)."""
    shipment = loaded(coal, cast.rep, outturn_tonnes=D(59640))
    provisional = services.provisional_issue(shipment=shipment, by=cast.rep, issued_on=BL_DATE)
    payment = services.payment_record(customer=coal.customer, received_on=datetime.date(2026, 3, 20),
                                      amount=D("5000000.00"), currency="USD", bank_reference="SWIFT 0320",
                                      by=cast.rep)
    complaint = short_landing_settled(shipment, cast.rep, cast.service)
    note = services.claim_credit_note_issue(complaint=complaint, by=cast.rep, issued_on=datetime.date(2026, 3, 10))
    final = services.final_issue(shipment=finalised(shipment, cast.rep), by=cast.rep,
                                 issued_on=datetime.date(2026, 3, 25))
    return {"shipment": shipment, "provisional": provisional, "payment": payment, "final": final, "note": note,
            "complaint": complaint}


# --- Who opens what --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(SEE | OUTSIDE | NOT_SELLERS))
def test_every_receivables_page_opens_to_those_who_see_the_contract_only(client_as, cast, coal, billed, role):
    client = client_as(cast.by_role(role))
    expected = 200 if role in SEE else 404 if role in OUTSIDE else 403
    for url in [reverse("receivables:invoice", args=[billed["provisional"].pk]),
                reverse("receivables:invoice", args=[billed["final"].pk]),
                reverse("receivables:payment", args=[billed["payment"].pk]),
                reverse("receivables:payment_create", args=[coal.customer_id])]:
        assert client.get(url).status_code == expected, url
        if role not in SEE:
            assert client.post(url).status_code == expected, url
    posts = [reverse("receivables:correct", args=[billed["provisional"].pk]),
             reverse("receivables:shipment_invoice", args=[billed["shipment"].pk, "provisional"]),
             reverse("receivables:prepayment", args=[coal.pk]),
             reverse("receivables:claim_credit_note", args=[billed["complaint"].pk])]
    for url in posts:
        # A GET is refused alike to every seller, whether or not they see the record: it tells nothing.
        assert client.get(url).status_code == (403 if role in NOT_SELLERS else 405), url
        if role not in SEE:
            assert client.post(url).status_code == expected, url
    assert (Invoice.objects.count(), Payment.objects.count()) == (3, 1)


def test_an_unknown_invoice_kind_is_not_found(client_as, cast, coal, billed):
    url = reverse("receivables:shipment_invoice", args=[billed["shipment"].pk, "credit_note"])
    assert client_as(cast.rep).post(url).status_code == 404


def test_the_deal_page_shows_the_figures_and_the_invoices_with_their_standing(client_as, cast, coal, billed):
    html = text(client_as(cast.rep).get(reverse("deals:detail", args=[coal.pk])))
    assert 'id="invoices"' in html and "L/C at sight · due at sight" in html
    # Invoiced 5,585,488.36; received 5,000,000.00; outstanding and overdue 585,488.36 (due 5 March).
    for figure in ("5,585,488.36 USD", "5,000,000.00 USD", "585,488.36 USD"):
        assert figure in html
    assert "INV-2026-0001" in html and "CN-2026-0001" in html and "Credit note (final invoice)" in html
    assert "Overdue" in html
    assert "Provisional invoice, shipment #1" not in html and "Final invoice, shipment #1" not in html


def test_a_balance_in_the_customers_favour_says_so(client_as, cast, coal):
    # The worked example with the provisional invoice paid in full (5,748,000.00) before the claim's credit note
    # (5,748.00) and the final invoice (a credit of 156,763.64): the customer is owed 162,511.64. (Its days sales
    # outstanding, 0 and not fewer: tests/test_receivables_money.py.)
    shipment = loaded(coal, cast.rep, outturn_tonnes=D(59640))
    services.provisional_issue(shipment=shipment, by=cast.rep, issued_on=BL_DATE)
    services.payment_record(customer=coal.customer, received_on=datetime.date(2026, 3, 6), amount=D("5748000.00"),
                            currency="USD", bank_reference="SWIFT 0306", by=cast.rep)
    complaint = short_landing_settled(shipment, cast.rep, cast.service)
    services.claim_credit_note_issue(complaint=complaint, by=cast.rep, issued_on=datetime.date(2026, 3, 10))
    services.final_issue(shipment=finalised(shipment, cast.rep), by=cast.rep, issued_on=datetime.date(2026, 3, 25))
    for url in (reverse("deals:detail", args=[coal.pk]), money_tab(coal)):
        html = text(client_as(cast.rep).get(url))
        assert "-162,511.64 USD" in html and "in the customer's favour" in html, url
        assert "credit to apply: 162,511.64 USD" in html, url
    html = text(client_as(chinese(cast.rep)).get(money_tab(coal)))
    assert "-162,511.64 USD" in html and "客户多付" in html and "待抵扣" in html

    # A second contract's provisional invoice, unpaid: the customer owes 5,748,000.00 - 162,511.64 = 5,585,488.36
    # net, all 5,748,000.00 of the invoice overdue, and the credit is still said.
    second = SignedDealFactory(customer=coal.customer, specification=coal.specification,
                               quantity_basis=coal.quantity_basis, final_assay=coal.final_assay,
                               payment_terms=coal.payment_terms)
    services.provisional_issue(shipment=loaded(second, cast.rep), by=cast.rep, issued_on=BL_DATE)
    cast.rep.language = "en"
    cast.rep.save()
    html = text(client_as(cast.rep).get(money_tab(coal)))
    assert "5,585,488.36 USD" in html and "5,748,000.00 USD" in html
    assert "credit to apply: 162,511.64 USD" in html
    assert "in the customer's favour" not in html


def test_the_deal_panel_issues_the_invoice_each_shipment_calls_for(client_as, cast, coal):
    shipment = loaded(coal, cast.rep, outturn_tonnes=D(59640))
    client = client_as(cast.rep)
    html = text(client.get(reverse("deals:detail", args=[coal.pk])))
    assert "Provisional invoice, shipment #1" in html and "No invoice issued yet." in html
    response = client.post(reverse("receivables:shipment_invoice", args=[shipment.pk, "provisional"]))
    invoice = Invoice.objects.get()
    assert response.status_code == 302 and response.url == reverse("receivables:invoice", args=[invoice.pk])
    assert invoice.amount == D("5748000.00")
    html = text(client.get(reverse("deals:detail", args=[coal.pk])))
    assert "Provisional invoice, shipment #1" not in html
    finalised(shipment, cast.rep)
    assert "Final invoice, shipment #1" in text(client.get(reverse("deals:detail", args=[coal.pk])))
    # Someone who only sees the contract gets no button: a manager of another team sees nothing at all.
    assert 'id="invoices"' not in text(client_as(cast.other_manager).get(reverse("deals:detail", args=[coal.pk])))


def test_a_refused_issue_is_explained_on_the_deal_page(client_as, cast, coal):
    shipment = loaded(coal, cast.rep)
    client = client_as(cast.rep)
    response = client.post(reverse("receivables:shipment_invoice", args=[shipment.pk, "final"]), follow=True)
    assert "A final invoice is made once the shipment&#x27;s final value is confirmed." in text(response)
    assert not Invoice.objects.exists()


def test_the_invoice_page_lists_its_lines_payments_and_notes(client_as, cast, coal, billed):
    client = client_as(cast.rep)
    html = text(client.get(reverse("receivables:invoice", args=[billed["final"].pk])))
    assert "Credit note (final invoice) CN-2026-0002" in html
    assert "60,000 t x 95.80 USD/t" in html and "5,748,000.00" in html
    assert "Price adjustment, Net calorific value (NAR) 5,350 kcal/kg: 60,000 t x -2.61 USD/t" in html
    assert "-156,763.64" in html and "Less invoice INV-2026-0001" in html and "-156,763.64 USD" in html
    html = text(client.get(reverse("receivables:invoice", args=[billed["provisional"].pk])))
    assert "60,000 t x 95.80 USD/t" in html and "5,748,000.00 USD" in html
    assert "5,000,000.00 USD" in html and "CN-2026-0001" in html and "CN-2026-0002" in html
    assert "Outstanding: <span class=\"text-nowrap\">585,488.36 USD" in html
    assert "Correct by a note" in html


def test_an_invoice_is_corrected_by_a_note_not_edited(client_as, cast, coal, billed):
    client = client_as(cast.rep)
    url = reverse("receivables:correct", args=[billed["provisional"].pk])
    response = client.post(url, {"amount": "-1000.00", "reason": ""})
    assert "This field is required." in text(response) and Invoice.objects.count() == 3
    response = client.post(url, {"amount": "-1000.00", "reason": "Agreed rebate"})
    note = Invoice.objects.latest("pk")
    assert response.url == reverse("receivables:invoice", args=[note.pk])
    assert (note.number, note.amount, note.note) == ("CN-2026-0003", D("-1000.00"), "Agreed rebate")
    assert "Correction of invoice INV-2026-0001" in text(client.get(response.url))


def test_the_payment_form_spreads_the_amount_oldest_first_and_records_it(client_as, cast, coal):
    coal.liftings = 2
    coal.save()
    first = services.provisional_issue(shipment=loaded(coal, cast.rep, bl_tonnes=D(30000)), by=cast.rep,
                                       issued_on=BL_DATE)
    second = services.provisional_issue(shipment=loaded(coal, cast.rep, bl_tonnes=D(30000)), by=cast.rep,
                                        issued_on=datetime.date(2026, 3, 9))
    client = client_as(cast.rep)
    url = reverse("receivables:payment_create", args=[coal.customer_id])
    form = {"received_on": "2026-03-20", "amount": "3000000.00", "currency": "USD", "rate_to_base": "",
            "bank_reference": "SWIFT 1", "note": ""}
    html = text(client.post(url, {**form, "spread": "1"}))
    # 2,874,000.00 on the first (due 5 March), 126,000.00 on the second.
    assert f'name="invoice_{first.pk}" id="id_invoice_{first.pk}" value="2874000.00"' in html
    assert f'name="invoice_{second.pk}" id="id_invoice_{second.pk}" value="126000.00"' in html
    assert not Payment.objects.exists()
    # Each row's error shows on its row.
    html = text(client.post(url, {**form, f"invoice_{first.pk}": "2874000.01"}))
    assert "More than is open on it (2,874,000.00)." in html and not Payment.objects.exists()
    response = client.post(url, {**form, f"invoice_{second.pk}": "1000000.00"})
    payment = Payment.objects.get()
    assert response.url == reverse("receivables:payment", args=[payment.pk])
    assert [(each.invoice, each.amount) for each in payment.allocations.all()] == [(second, D("1000000.00"))]
    html = text(client.get(response.url))
    assert "2,000,000.00 USD" in html and "INV-2026-0002" in html  # on account, and the invoice settled


def test_a_payment_form_sent_twice_records_one_payment(client_as, cast, coal, billed):
    client = client_as(cast.rep)
    url = reverse("receivables:payment_create", args=[coal.customer_id])
    html = text(client.get(url))
    token = re.search(r'name="token" value="(\w+)"', html).group(1)
    form = {"received_on": "2026-03-21", "amount": "100.00", "currency": "USD", "rate_to_base": "",
            "bank_reference": "SWIFT 2", "note": "", "token": token}
    assert client.post(url, form).status_code == 302
    assert "This payment is recorded already" in text(client.post(url, form))
    assert Payment.objects.filter(bank_reference="SWIFT 2").count() == 1
    # A form refused by a rule may be corrected and sent again.
    fresh = re.search(r'name="token" value="(\w+)"', text(client.get(url))).group(1)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    refused = {**form, "token": fresh, "received_on": tomorrow}
    assert "A payment is recorded once received, not in the future." in text(client.post(url, refused))
    assert client.post(url, {**refused, "received_on": "2026-03-22"}).status_code == 302
    assert Payment.objects.filter(bank_reference="SWIFT 2").count() == 2


def test_the_customer_page_shows_the_balance_and_the_overdue_amount(client_as, cast, coal, billed):
    html = text(client_as(cast.rep).get(money_tab(coal)))
    # 585,488.36 USD overdue at 7.1 = 4,156,967.356 = 4,156,967.36 CNY.
    assert 'id="receivables"' in html and "Overdue balance: 4,156,967.36 CNY" in html
    assert "585,488.36 USD" in html and "SWIFT 0320" in html and "Record a payment" in html
    # The overview flags the tab, so that the rep sees it before calling.
    overview = client_as(cast.rep).get(reverse("customers:detail", args=[coal.customer_id]))
    assert [(tab.key, tab.flag) for tab in overview.context["tabs"] if tab.flag] == [("receivables", "Overdue")]
    assert f'href="{money_tab(coal)}">Invoices and payments <span class="badge' in overview.content.decode()
    # Customer service sees the customer, not its money: no such tab, and its address answers 404.
    service = client_as(cast.service)
    assert "receivables" not in [tab.key for tab in service.get(
        reverse("customers:detail", args=[coal.customer_id])).context["tabs"]]
    assert service.get(money_tab(coal)).status_code == 404


def money_tab(deal) -> str:
    """The customer page's tab of what the customer owes."""
    return reverse("customers:section", args=[deal.customer_id, "receivables"])


def test_the_complaint_page_offers_the_credit_note_of_a_settled_claim(client_as, cast, coal):
    shipment = loaded(coal, cast.rep, outturn_tonnes=D(59640))
    services.provisional_issue(shipment=shipment, by=cast.rep, issued_on=BL_DATE)
    complaint = short_landing_settled(shipment, cast.rep, cast.service)
    client = client_as(cast.rep)
    url = reverse("complaints:detail", args=[complaint.pk])
    assert "Issue the credit note" in text(client.get(url))
    response = client.post(reverse("receivables:claim_credit_note", args=[complaint.pk]))
    note = Invoice.objects.get(complaint=complaint)
    assert response.url == reverse("receivables:invoice", args=[note.pk])
    html = text(client.get(url))
    assert "Issue the credit note" not in html and note.number in html
    assert "Claim settled: complaint #" in text(client.get(response.url))
    assert 'id="credit-note"' not in text(client_as(cast.service).get(url))  # customer service sees no contract


def test_a_complaint_not_settled_by_credit_shows_no_credit_note(client_as, cast, coal):
    complaint = ComplaintFactory(customer=coal.customer, contract_number=coal.contract_number,
                                 status=Complaint.Status.RESOLVED, settlement=Complaint.Settlement.REPLACEMENT)
    assert 'id="credit-note"' not in text(client_as(cast.rep).get(reverse("complaints:detail", args=[complaint.pk])))


def test_an_ore_cargo_is_billed_in_dry_tonnes_once_the_load_port_moisture_is_known(client_as, cast, ore):
    shipment = loaded(ore, cast.rep)
    client = client_as(cast.rep)
    issue = reverse("receivables:shipment_invoice", args=[shipment.pk, "provisional"])
    html = text(client.post(issue, follow=True))
    assert "This contract is priced per dry tonne: record the load port assay with its moisture first" in html
    assert not Invoice.objects.exists()
    load_assay(shipment, cast.rep, fe="61.2", sio2="4.75", moisture="8.5")
    client.post(issue)
    invoice = Invoice.objects.get()
    html = text(client.get(reverse("receivables:invoice", args=[invoice.pk])))
    assert "54,900 dmt x 100.00 USD/dmt (dry at 8.5 % moisture)" in html and "5,490,000.00 USD" in html
    html = text(client_as(chinese(cast.rep)).get(reverse("receivables:invoice", args=[invoice.pk])))
    assert "54,900 干吨 x 100.00 USD/干吨（按水分 8.5% 扣水）" in html


def test_the_pages_read_in_chinese(client_as, cast, coal, billed):
    client = client_as(chinese(cast.rep))
    html = text(client.get(reverse("receivables:invoice", args=[billed["final"].pk])))
    assert "贷项通知单（最终发票）" in html and "减：已开发票 INV-2026-0001" in html
    html = text(client.get(reverse("deals:detail", args=[coal.pk])))
    assert "发票与回款" in html and "未收余额" in html and "逾期" in html and "应收账款周转天数" in html
    assert "登记回款" in text(client.get(reverse("receivables:payment_create", args=[coal.customer_id])))


# --- Query counts -------------------------------------------------------------------------------------


def _more_invoices(coal, cast, count=2):
    for number in range(count):
        invoice = Invoice.objects.filter(kind=Invoice.Kind.PROVISIONAL).first()
        services.correction_issue(invoice=invoice, amount=D(f"{number + 1}.00"), reason="Fee", by=cast.rep)
    services.payment_record(customer=coal.customer, received_on=BL_DATE, amount=D("10.00"), currency="USD",
                            by=cast.rep)


def test_the_invoice_page_costs_the_same_queries_however_many_payments_and_notes(client_as, cast, coal, billed):
    client = client_as(cast.rep)
    url = reverse("receivables:invoice", args=[billed["provisional"].pk])

    def grow():
        for number in range(3):
            services.correction_issue(invoice=billed["provisional"], amount=D(f"-{number + 1}.00"), reason="Rebate",
                                      by=cast.rep)
            services.payment_record(customer=coal.customer, received_on=BL_DATE, amount=D("1.00"), currency="USD",
                                    allocations={billed["provisional"].pk: D("1.00")}, by=cast.rep)

    first, second = assert_queries_pinned(QUERIES_INVOICE + planner_settings(), lambda: client.get(url), grow)
    assert first.status_code == second.status_code == 200 and text(second).count("Rebate") == 0


def test_the_payment_pages_cost_the_same_queries_however_many_invoices(client_as, cast, coal, billed):
    client = client_as(cast.rep)
    form_url = reverse("receivables:payment_create", args=[coal.customer_id])
    first, second = assert_queries_pinned(QUERIES_PAYMENT_FORM, lambda: client.get(form_url),
                                          lambda: _more_invoices(coal, cast))
    assert text(second).count('name="invoice_') == 3
    payment_url = reverse("receivables:payment", args=[billed["payment"].pk])

    def grow():
        invoice = Invoice.objects.filter(kind=Invoice.Kind.DEBIT_NOTE).first()
        services.payment_record(customer=coal.customer, received_on=BL_DATE, amount=D("1.00"), currency="USD",
                                allocations={invoice.pk: D("1.00")}, by=cast.rep)

    assert_queries_pinned(QUERIES_PAYMENT, lambda: client.get(payment_url), grow)


def test_the_panels_cost_the_same_queries_however_many_invoices(rf, cast, coal, billed):
    request = rf.get("/")
    request.user = cast.rep
    deal_html, _ = assert_queries_pinned(QUERIES_DEAL_PANEL, lambda: panels.deal_receivables_panel(request, coal),
                                         lambda: _more_invoices(coal, cast))
    assert "INV-2026-0001" in deal_html
    customer_html, _ = assert_queries_pinned(
        QUERIES_CUSTOMER_PANEL, lambda: panels.customer_receivables_panel(request, coal.customer),
        lambda: _more_invoices(coal, cast))
    assert "SWIFT 0320" in customer_html

