"""Issuing a contract's invoices from its shipments' figures, crediting settled claims, correcting an
invoice by a note, recording payments with the invoices they settle, and who may do it.

The worked example (README, "Invoices and payments"): coal 60,000 t at 95.80 USD/t on L/C at sight,
outturn basis, discharge assay final (the coal contract of tests/test_execution_services.py)."""

import datetime
from decimal import Decimal as D

import pytest
from django.utils import timezone

from accounts.services import RuleError
from customers.models import Complaint, PaymentTerms
from pipeline.execution import services as execution
from pipeline.execution.models import CargoClaim, Shipment
from pipeline.execution.selectors import suggested_claims
from pipeline.models import PortRole, QuantityBasis, SpecParameter
from pipeline.receivables import selectors, services
from pipeline.receivables.models import Invoice, InvoiceLine, Payment

from .factories import ComplaintFactory, CustomerFactory, ExchangeRateFactory, SignedDealFactory
from .factories.execution import coal_nar_5500, iron_ore_fe_62

pytestmark = pytest.mark.django_db

BL_DATE = datetime.date(2026, 3, 5)
TODAY = datetime.date(2026, 3, 31)


@pytest.fixture
def coal(cast):
    """The worked example's coal contract, on L/C at sight, valued on the B/L (so that a short-landing is
    claimed: valued on the outturn, the buyer would pay for the cargo as it arrived)."""
    return SignedDealFactory(customer__owner=cast.rep, specification=coal_nar_5500(),
                             quantity_basis=QuantityBasis.BL, final_assay=PortRole.DISCHARGE,
                             payment_terms=PaymentTerms.LC_SIGHT)


def loaded(deal, by, **facts) -> Shipment:
    facts = {"bl_tonnes": D(60000), "bl_date": BL_DATE, **facts}
    return execution.shipment_save(shipment=Shipment(deal=deal, vessel_name="Pacific Glory", **facts), by=by)


def finalised(shipment, by, nar=5350) -> Shipment:
    parameter = SpecParameter.objects.get(specification=shipment.deal.specification, code="nar")
    execution.assay_record(shipment=shipment, place=PortRole.DISCHARGE, laboratory="CCIC", certificate_number="Q-1",
                           certificate_date=datetime.date(2026, 3, 12), results={parameter: D(nar)}, by=by)
    shipment.refresh_from_db()
    return execution.shipment_finalise(shipment=shipment, by=by, expected_version=shipment.version)


def short_landing_settled(shipment, by, service, amount=D("5748.00")) -> Complaint:
    """The short-landing claim the figures suggest (60 t x 95.80), resolved by a credit note."""
    suggestion = next(each for each in suggested_claims(shipment) if each.kind == CargoClaim.Kind.QUANTITY)
    complaint = execution.claim_raise(shipment=shipment, suggestion=suggestion, assignee=service, channel="email",
                                      severity="medium", received_at=timezone.now(), description="Short 360 t",
                                      by=by)
    Complaint.objects.filter(pk=complaint.pk).update(status=Complaint.Status.RESOLVED,
                                                     settlement=Complaint.Settlement.CREDIT_NOTE,
                                                     settled_amount=amount)
    complaint.refresh_from_db()
    return complaint


def lines_of(invoice) -> list[tuple]:
    return [(line.kind, line.reference, line.quantity_tonnes, line.amount) for line in invoice.lines.all()]


# --- The worked example, through the services --------------------------------------------------------


def test_the_coal_cargo_on_lc_at_sight_leaves_585488_36_outstanding(cast, coal):
    shipment = loaded(coal, cast.rep, outturn_tonnes=D(59640))
    # 1. The provisional invoice on the B/L: 60,000 t x 95.80 = 5,748,000.00 USD, due at sight (on issue),
    #    in CNY at the rate in force on the issue date (7.1): 40,810,800.00.
    provisional = services.provisional_issue(shipment=shipment, by=cast.rep, issued_on=BL_DATE)
    assert (provisional.number, provisional.amount, provisional.due_on) == ("INV-2026-0001", D("5748000.00"),
                                                                            BL_DATE)
    assert (provisional.rate_to_base, provisional.amount_base) == (D("7.1"), D("40810800.00"))
    assert lines_of(provisional) == [(InvoiceLine.Kind.CARGO, "", D(60000), D("5748000.00"))]
    # 2. A part payment of 5,000,000.00 settles it in part: 748,000.00 outstanding.
    services.payment_record(customer=coal.customer, received_on=datetime.date(2026, 3, 20), amount=D("5000000.00"),
                            currency="USD", by=cast.rep)
    assert selectors.deal_figures(coal, TODAY).outstanding == D("748000.00")
    # 3. The short-landing claim, raised at discharge before the final assay: 60 t beyond the 0.5 % allowance
    #    x the contract's 95.80 = 5,748.00, credited against the provisional invoice.
    claim = short_landing_settled(shipment, cast.rep, cast.service)
    note = services.claim_credit_note_issue(complaint=claim, by=cast.rep, issued_on=datetime.date(2026, 3, 10))
    assert (note.number, note.amount, note.against) == ("CN-2026-0001", D("-5748.00"), provisional)
    # 4. The final value on the B/L: 60,000 t x 95.80 x 5,350 / 5,500 = 5,591,236.36; less the provisional
    #    invoice's 5,748,000.00 (the claim's credit note is not a correction of it) the final invoice is
    #    -156,763.64, numbered as a credit note. Its lines: 60,000 t x 95.80 = 5,748,000.00; NAR 5,350:
    #    60,000 x (95.80 x 5,350 / 5,500 - 95.80) = -156,763.64; less INV-2026-0001.
    final = services.final_issue(shipment=finalised(shipment, cast.rep), by=cast.rep,
                                 issued_on=datetime.date(2026, 3, 25))
    assert (final.number, final.kind, final.amount, final.against) == (
        "CN-2026-0002", Invoice.Kind.FINAL, D("-156763.64"), provisional)
    assert lines_of(final) == [
        (InvoiceLine.Kind.CARGO, "", D(60000), D("5748000.00")),
        (InvoiceLine.Kind.ADJUSTMENT, "nar 5,350", D(60000), D("-156763.64")),
        (InvoiceLine.Kind.LESS_INVOICE, "INV-2026-0001", None, D("-5748000.00")),
    ]
    # Outstanding: 748,000.00 - 5,748.00 - 156,763.64 = 585,488.36, all on the provisional invoice, past due
    # since 5 March. Invoiced net: 5,748,000.00 - 5,748.00 - 156,763.64 = 5,585,488.36.
    figures = selectors.deal_figures(coal, TODAY)
    assert (figures.invoiced, figures.received, figures.outstanding, figures.overdue) == (
        D("5585488.36"), D("5000000.00"), D("585488.36"), D("585488.36"))
    # DSO over the 90 days to 31 March: 585,488.36 / 5,585,488.36 x 90 = 9.43... = 9.4 days.
    assert figures.dso == D("9.4")
    opened = Invoice.objects.order_by("pk")
    assert [(each.number, each.open_amount) for each in opened] == [
        ("INV-2026-0001", D("585488.36")), ("CN-2026-0001", D(0)), ("CN-2026-0002", D(0))]


# --- Provisional and final invoices ------------------------------------------------------------------


def test_a_provisional_invoice_needs_the_bl(cast, coal):
    shipment = execution.shipment_save(shipment=Shipment(deal=coal, vessel_name="Pacific Glory"), by=cast.rep)
    with pytest.raises(RuleError, match="made on the B/L"):
        services.provisional_issue(shipment=shipment, by=cast.rep)


def test_a_shipment_has_one_provisional_invoice_unless_a_credit_note_cancels_it(cast, coal):
    shipment = loaded(coal, cast.rep)
    first = services.provisional_issue(shipment=shipment, by=cast.rep, issued_on=BL_DATE)
    with pytest.raises(RuleError, match="provisional invoice already"):
        services.provisional_issue(shipment=shipment, by=cast.rep)
    services.correction_issue(invoice=first, amount=D("-5748000.00"), reason="Wrong B/L date", by=cast.rep,
                              issued_on=BL_DATE)
    second = services.provisional_issue(shipment=shipment, by=cast.rep, issued_on=BL_DATE)
    assert (first.number, second.number) == ("INV-2026-0001", "INV-2026-0002")
    assert selectors.status_of(Invoice.objects.all().get(pk=first.pk), TODAY) == \
        selectors.Status.CREDITED


def load_assay(shipment, by, supersedes=None, **results):
    parameters = {p.code: p for p in SpecParameter.objects.filter(specification=shipment.deal.specification)}
    return execution.assay_record(shipment=shipment, place=PortRole.LOAD, laboratory="SGS",
                                  certificate_number=f"L-{len(results)}-{results['moisture']}",
                                  certificate_date=BL_DATE, results={parameters[code]: D(value)
                                                                     for code, value in results.items()},
                                  by=by, supersedes=supersedes, reason="Moisture misread" if supersedes else "")


@pytest.fixture
def ore(cast):
    """WORKED_EXAMPLES.md, section 3: iron ore fines at 100.00 USD/dmt, the load port's assay final."""
    spec = iron_ore_fe_62()
    return SignedDealFactory(customer__owner=cast.rep, specification=spec, commodity=spec.commodity,
                             price_per_tonne=D(100), quantity_basis=QuantityBasis.BL, final_assay=PortRole.LOAD,
                             payment_terms=PaymentTerms.LC_SIGHT)


def test_an_ore_cargo_priced_per_dry_tonne_is_billed_on_its_dry_tonnes(cast, ore):
    """60,000 wet tonnes on the B/L; the load port's assay: Fe 61.2 %, SiO2 4.75 %, moisture 8.5 %."""
    shipment = loaded(ore, cast.rep)
    # Wet tonnes are not what the price applies to: without the load port's moisture there is no provisional bill.
    with pytest.raises(RuleError, match="priced per dry tonne"):
        services.provisional_issue(shipment=shipment, by=cast.rep, issued_on=BL_DATE)
    assert not Invoice.objects.exists()
    # A misread moisture (9.0 %) corrected to 8.5 %: the standing assay's counts.
    wrong = load_assay(shipment, cast.rep, fe="61.2", sio2="4.75", moisture="9.0")
    load_assay(shipment, cast.rep, supersedes=wrong, fe="61.2", sio2="4.75", moisture="8.5")
    # Provisional: 60,000 x (1 - 0.085) = 54,900 dmt x 100.00 = 5,490,000.00 USD.
    provisional = services.provisional_issue(shipment=shipment, by=cast.rep, issued_on=BL_DATE)
    assert provisional.amount == D("5490000.00")
    assert lines_of(provisional) == [(InvoiceLine.Kind.CARGO, "8.5", D(54900), D("5490000.00"))]
    # Final, on the same assay: 54,900 dmt x 98.50 = 5,407,650.00; Fe 61.2: 54,900 x -1.20 = -65,880.00; SiO2
    # 4.75 (3 steps of 0.1): 54,900 x -0.30 = -16,470.00; less the provisional 5,490,000.00: -82,350.00.
    shipment.refresh_from_db()
    shipment = execution.shipment_finalise(shipment=shipment, by=cast.rep, expected_version=shipment.version)
    assert (shipment.final_quantity, shipment.final_value) == (D(54900), D("5407650.00"))
    final = services.final_issue(shipment=shipment, by=cast.rep, issued_on=datetime.date(2026, 3, 25))
    assert (final.number, final.kind, final.amount) == ("CN-2026-0001", Invoice.Kind.FINAL, D("-82350.00"))
    assert lines_of(final) == [
        (InvoiceLine.Kind.CARGO, "8.5", D(54900), D("5490000.00")),
        (InvoiceLine.Kind.ADJUSTMENT, "fe 61.2", D(54900), D("-65880.00")),
        (InvoiceLine.Kind.ADJUSTMENT, "sio2 4.75", D(54900), D("-16470.00")),
        (InvoiceLine.Kind.LESS_INVOICE, "INV-2026-0001", None, D("-5490000.00")),
    ]


def test_dry_tonnes_are_billed_to_the_kilogram_the_line_shows(cast, ore):
    # 61,489.3 wmt x (1 - 0.0984) = 55,438.75288 -> 55,438.753 dmt; x 100.00 = 5,543,875.30 (not the
    # 5,543,875.29 of the unrounded tonnes, which the line's own figures would not make).
    shipment = loaded(ore, cast.rep, bl_tonnes=D("61489.3"))
    load_assay(shipment, cast.rep, fe="62", sio2="4.5", moisture="9.84")
    provisional = services.provisional_issue(shipment=shipment, by=cast.rep, issued_on=BL_DATE)
    assert lines_of(provisional) == [(InvoiceLine.Kind.CARGO, "9.84", D("55438.753"), D("5543875.30"))]


def test_a_usance_invoice_falls_due_the_contracts_days_after_the_bl(cast, coal):
    coal.payment_terms, coal.payment_days = PaymentTerms.LC_USANCE, 90
    coal.save()
    invoice = services.provisional_issue(shipment=loaded(coal, cast.rep), by=cast.rep,
                                         issued_on=datetime.date(2026, 3, 6))
    # 5 March + 90 days = 3 June.
    assert invoice.due_on == datetime.date(2026, 6, 3)


def test_the_final_invoice_waits_for_the_final_value_and_is_issued_once(cast, coal):
    shipment = loaded(coal, cast.rep, outturn_tonnes=D(59640))
    with pytest.raises(RuleError, match="final value is confirmed"):
        services.final_issue(shipment=shipment, by=cast.rep)
    shipment = finalised(shipment, cast.rep, nar=5500)
    # No provisional invoice and no adjustment: the B/L's 60,000 x 95.80 = 5,748,000.00 billed in full.
    final = services.final_issue(shipment=shipment, by=cast.rep, issued_on=datetime.date(2026, 3, 25))
    assert (final.number, final.amount) == ("INV-2026-0001", D("5748000.00"))
    with pytest.raises(RuleError, match="final invoice already"):
        services.final_issue(shipment=shipment, by=cast.rep)
    with pytest.raises(RuleError, match="no longer applies"):
        services.provisional_issue(shipment=shipment, by=cast.rep)


def test_a_prepayment_is_billed_before_loading_and_deducted_from_each_shipments_invoices(cast, coal):
    # T/T with a 30 % deposit on two liftings of 30,000 t: 5,748,000.00 x 30 % = 1,724,400.00, due by the
    # laycan's first day; each shipment deducts half, 862,200.00.
    coal.payment_terms, coal.prepayment_percent, coal.liftings = PaymentTerms.TT_DEPOSIT, D(30), 2
    coal.save()
    prepayment = services.prepayment_issue(deal=coal, by=cast.rep, issued_on=datetime.date(2026, 1, 20))
    assert (prepayment.amount, prepayment.due_on) == (D("1724400.00"), datetime.date(2026, 3, 1))
    with pytest.raises(RuleError, match="invoiced already"):
        services.prepayment_issue(deal=coal, by=cast.rep)
    shipment = loaded(coal, cast.rep, bl_tonnes=D(30000), outturn_tonnes=D(30000))
    # 30,000 x 95.80 = 2,874,000.00 less 862,200.00 = 2,011,800.00.
    provisional = services.provisional_issue(shipment=shipment, by=cast.rep, issued_on=BL_DATE)
    assert provisional.amount == D("2011800.00")
    assert lines_of(provisional)[1] == (InvoiceLine.Kind.LESS_PREPAYMENT, prepayment.number, None, D("-862200.00"))
    # Final at NAR 5,500: 2,874,000.00 - 2,011,800.00 - 862,200.00 = 0.00: nothing more to pay.
    final = services.final_issue(shipment=finalised(shipment, cast.rep, nar=5500), by=cast.rep,
                                 issued_on=datetime.date(2026, 3, 25))
    assert final.amount == D("0.00")


def test_a_contract_without_a_deposit_has_no_prepayment(cast, coal):
    with pytest.raises(RuleError, match="call for no prepayment"):
        services.prepayment_issue(deal=coal, by=cast.rep)


def test_only_who_may_change_the_contract_issues_its_invoices(cast, coal):
    shipment = loaded(coal, cast.rep)
    for outsider in (cast.other_rep, cast.other_manager, cast.service, cast.marketing):
        with pytest.raises(RuleError, match="issues its invoices|Only a signed"):
            services.provisional_issue(shipment=shipment, by=outsider)
    assert services.provisional_issue(shipment=shipment, by=cast.manager).amount == D("5748000.00")


def test_an_invoice_is_not_dated_in_the_future(cast, coal):
    with pytest.raises(RuleError, match="not in the future"):
        services.provisional_issue(shipment=loaded(coal, cast.rep), by=cast.rep,
                                   issued_on=timezone.localdate() + datetime.timedelta(days=1))


def test_numbers_run_per_series_and_year(cast, coal):
    assert [services.next_number("INV", 2026), services.next_number("INV", 2026), services.next_number("CN", 2026),
            services.next_number("INV", 2027)] == ["INV-2026-0001", "INV-2026-0002", "CN-2026-0001", "INV-2027-0001"]


# --- Credit and debit notes ---------------------------------------------------------------------------


def test_a_claim_is_credited_only_once_settled_by_a_credit_note_or_discount(cast, coal):
    shipment = loaded(coal, cast.rep, outturn_tonnes=D(59640))
    services.provisional_issue(shipment=shipment, by=cast.rep, issued_on=BL_DATE)
    complaint = short_landing_settled(shipment, cast.rep, cast.service)
    Complaint.objects.filter(pk=complaint.pk).update(settlement=Complaint.Settlement.REPLACEMENT)
    complaint.refresh_from_db()
    with pytest.raises(RuleError, match="resolved by a credit note or a price discount"):
        services.claim_credit_note_issue(complaint=complaint, by=cast.rep)
    Complaint.objects.filter(pk=complaint.pk).update(settlement=Complaint.Settlement.DISCOUNT)
    complaint.refresh_from_db()
    note = services.claim_credit_note_issue(complaint=complaint, by=cast.rep)
    assert (note.kind, note.amount, note.complaint) == (Invoice.Kind.CREDIT_NOTE, D("-5748.00"), complaint)
    with pytest.raises(RuleError, match="issued already"):
        services.claim_credit_note_issue(complaint=complaint, by=cast.rep)


def test_a_claim_not_tied_to_its_cargo_is_credited_on_the_contract_it_names(cast, coal):
    complaint = ComplaintFactory(customer=coal.customer, contract_number=coal.contract_number.lower(),
                                 status=Complaint.Status.CLOSED, settlement=Complaint.Settlement.CREDIT_NOTE,
                                 settled_amount=D("1200.00"), claimed_currency="USD")
    note = services.claim_credit_note_issue(complaint=complaint, by=cast.rep)
    assert (note.deal, note.shipment, note.against, note.amount) == (coal, None, None, D("-1200.00"))
    stray = ComplaintFactory(customer=coal.customer, contract_number="NOT-OURS", status=Complaint.Status.CLOSED,
                             settlement=Complaint.Settlement.CREDIT_NOTE, settled_amount=D("10.00"))
    with pytest.raises(RuleError, match="names no signed contract"):
        services.claim_credit_note_issue(complaint=stray, by=cast.rep)


def test_a_correction_credits_at_most_what_the_invoice_billed(cast, coal):
    invoice = services.provisional_issue(shipment=loaded(coal, cast.rep), by=cast.rep, issued_on=BL_DATE)
    services.correction_issue(invoice=invoice, amount=D("-748000.00"), reason="Price agreed lower", by=cast.rep)
    # 5,748,000.00 - 748,000.00 = 5,000,000.00 left to take back.
    with pytest.raises(RuleError, match="at most what the invoice billed net of earlier credits, 5,000,000.00 USD"):
        services.correction_issue(invoice=invoice, amount=D("-5000000.01"), reason="Again", by=cast.rep)
    debit = services.correction_issue(invoice=invoice, amount=D("1000.00"), reason="Extra survey fee", by=cast.rep)
    assert (debit.kind, debit.number, debit.amount) == (Invoice.Kind.DEBIT_NOTE, "DN-2026-0001", D("1000.00"))
    with pytest.raises(RuleError, match="Say why"):
        services.correction_issue(invoice=invoice, amount=D("1.00"), reason=" ", by=cast.rep)
    # Outstanding: 5,748,000.00 - 748,000.00 + 1,000.00 = 5,001,000.00.
    assert selectors.deal_figures(coal, TODAY).outstanding == D("5001000.00")


# --- Payments -------------------------------------------------------------------------------------------


def test_a_payment_settles_the_oldest_due_first_and_keeps_the_rest_on_account(cast, coal):
    coal.liftings = 2
    coal.save()
    first = services.provisional_issue(shipment=loaded(coal, cast.rep, bl_tonnes=D(30000)), by=cast.rep,
                                       issued_on=BL_DATE)
    second = services.provisional_issue(shipment=loaded(coal, cast.rep, bl_tonnes=D(30000),
                                                        bl_date=datetime.date(2026, 3, 9)),
                                        by=cast.rep, issued_on=datetime.date(2026, 3, 9))
    # Each is 30,000 x 95.80 = 2,874,000.00; 3,000,000.00 settles the first and 126,000.00 of the second.
    payment = services.payment_record(customer=coal.customer, received_on=datetime.date(2026, 3, 20),
                                      amount=D("3000000.00"), currency="USD", bank_reference="SWIFT 123", by=cast.rep)
    assert [(each.invoice, each.amount) for each in payment.allocations.all()] == [
        (first, D("2874000.00")), (second, D("126000.00"))]
    assert (payment.rate_to_base, payment.amount_base) == (D("7.1"), D("21300000.00"))
    # 6,000,000.00 against the 2,748,000.00 still open leaves 3,252,000.00 on account.
    services.payment_record(customer=coal.customer, received_on=datetime.date(2026, 3, 21), amount=D("6000000.00"),
                            currency="USD", by=cast.rep)
    figures = selectors.customer_figures(cast.rep, coal.customer, TODAY)
    assert figures.on_account == [("USD", D("3252000.00"))]
    assert [(row.currency, row.outstanding) for row in figures.per_currency] == [("USD", D("0.00"))]
    statuses = [selectors.status_of(each, TODAY) for each in Invoice.objects.order_by("pk")]
    assert statuses == [selectors.Status.PAID, selectors.Status.PAID]


def test_a_payment_is_allocated_by_hand_within_what_is_open(cast, coal):
    invoice = services.provisional_issue(shipment=loaded(coal, cast.rep), by=cast.rep, issued_on=BL_DATE)
    with pytest.raises(RuleError, match=r"5,748,000.01 is more than is open on invoice INV-2026-0001 \(5,748,000.00\)"):
        services.payment_record(customer=coal.customer, received_on=BL_DATE, amount=D("6000000.00"), currency="USD",
                                allocations={invoice.pk: D("5748000.01")}, by=cast.rep)
    with pytest.raises(RuleError, match="more than the payment"):
        services.payment_record(customer=coal.customer, received_on=BL_DATE, amount=D("100.00"), currency="USD",
                                allocations={invoice.pk: D("100.01")}, by=cast.rep)
    payment = services.payment_record(customer=coal.customer, received_on=BL_DATE, amount=D("100.00"),
                                      currency="USD", allocations={invoice.pk: D("60.00")}, by=cast.rep)
    on_account = selectors.with_allocated(Payment.objects.filter(pk=payment.pk)).values_list("on_account", flat=True)
    assert list(on_account) == [D("40.00")]
    assert selectors.status_of(Invoice.objects.all().get(), BL_DATE) == \
        selectors.Status.PART_PAID


def test_a_payment_settles_only_its_customers_invoices_in_its_currency(cast, coal):
    invoice = services.provisional_issue(shipment=loaded(coal, cast.rep), by=cast.rep, issued_on=BL_DATE)
    stranger = CustomerFactory(owner=cast.rep, name="Another buyer")
    with pytest.raises(RuleError, match="only its customer's invoices"):
        services.payment_record(customer=stranger, received_on=BL_DATE, amount=D("100.00"), currency="USD",
                                allocations={invoice.pk: D("100.00")}, by=cast.rep)
    with pytest.raises(RuleError, match="is in USD and the payment in CNY"):
        services.payment_record(customer=coal.customer, received_on=BL_DATE, amount=D("100.00"), currency="CNY",
                                allocations={invoice.pk: D("100.00")}, by=cast.rep)
    assert not Payment.objects.exists()


def test_a_payment_in_a_currency_without_a_rate_needs_one(cast, coal):
    with pytest.raises(RuleError, match="no exchange rate for EUR"):
        services.payment_record(customer=coal.customer, received_on=BL_DATE, amount=D("100.00"), currency="EUR",
                                by=cast.rep)
    payment = services.payment_record(customer=coal.customer, received_on=BL_DATE, amount=D("100.00"),
                                      currency="EUR", rate_to_base=D("7.8"), by=cast.rep)
    assert payment.amount_base == D("780.00")
    ExchangeRateFactory(currency="EUR", rate=D("7.7"))
    assert services.payment_record(customer=coal.customer, received_on=BL_DATE, amount=D("100.00"), currency="EUR",
                                   by=cast.rep).amount_base == D("770.00")


def test_only_who_may_change_the_customer_records_its_payments(cast, coal):
    for outsider in (cast.other_rep, cast.other_manager, cast.service, cast.marketing):
        with pytest.raises(RuleError, match="records its payments"):
            services.payment_record(customer=coal.customer, received_on=BL_DATE, amount=D(1), currency="USD",
                                    by=outsider)
    for insider in (cast.rep, cast.manager, cast.director):
        services.payment_record(customer=coal.customer, received_on=BL_DATE, amount=D(1), currency="USD", by=insider)
    assert Payment.objects.count() == 3


# --- Scoping and the figures in SQL -----------------------------------------------------------------------


def test_invoices_and_payments_are_seen_by_who_sees_the_contract_and_the_customer(cast, coal):
    services.provisional_issue(shipment=loaded(coal, cast.rep), by=cast.rep, issued_on=BL_DATE)
    services.payment_record(customer=coal.customer, received_on=BL_DATE, amount=D(1), currency="USD", by=cast.rep)
    for user, seen in [(cast.rep, 1), (cast.manager, 1), (cast.director, 1), (cast.other_rep, 0),
                       (cast.other_manager, 0), (cast.service, 0), (cast.marketing, 0)]:
        assert (selectors.invoices_visible_to(user).count(), selectors.payments_visible_to(user).count()) == (
            seen, seen), user


def test_overdue_balances_age_in_buckets_and_show_per_customer(cast, coal):
    # 5,748,000.00 due 5 March, 5,000,000.00 paid: on 20 April (46 days late) 748,000.00 is 31-60 days overdue,
    # 5,310,800.00 CNY at 7.1.
    services.provisional_issue(shipment=loaded(coal, cast.rep), by=cast.rep, issued_on=BL_DATE)
    services.payment_record(customer=coal.customer, received_on=BL_DATE, amount=D("5000000.00"), currency="USD",
                            by=cast.rep)
    today = datetime.date(2026, 4, 20)
    opened = Invoice.objects.all()
    assert [opened.filter(selectors.ageing_q(bucket, today)).count() for bucket in selectors.money.Bucket.ALL] == [
        0, 0, 1, 0, 0]
    customers = selectors.with_overdue_balance(type(coal.customer).objects.all(), today)
    assert customers.get(pk=coal.customer.pk).overdue_base == D("5310800.00")
    assert selectors.customer_figures(cast.rep, coal.customer, today).overdue_base == D("5310800.00")
