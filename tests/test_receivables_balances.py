"""Each invoice's stored balances (payments allocated, credit notes against it, what is still open) are kept by
the services in the same transaction: after any sequence of issuing, paying, crediting and debiting they equal
what the invoice's rows add up to (selectors.computed_balances, the rule the pages used to compute per row).

The worked example is the coal contract of tests/test_receivables_services.py: 60,000 t at 95.80 USD/t on L/C
at sight."""

import datetime
import importlib
import io
import random
from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from customers.models import PaymentTerms
from pipeline.models import PortRole, QuantityBasis
from pipeline.receivables import money, selectors, services
from pipeline.receivables.models import Invoice

from .factories import InvoiceFactory, SignedDealFactory
from .factories.execution import coal_nar_5500
from .test_receivables_services import BL_DATE, finalised, loaded, short_landing_settled

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 31)


def coal_contract(specification=None, **facts):
    return SignedDealFactory(specification=specification or coal_nar_5500(), quantity_basis=QuantityBasis.BL,
                             final_assay=PortRole.DISCHARGE, payment_terms=PaymentTerms.LC_SIGHT, **facts)


def assert_kept() -> None:
    """The stored balances of every invoice are those its payments and credit notes add up to."""
    drifted = list(selectors.balance_drift(Invoice.objects.all()).values_list("number", flat=True))
    assert drifted == []


def balances(invoice: Invoice) -> tuple[D, D, D]:
    invoice.refresh_from_db()
    return invoice.allocated, invoice.credited, invoice.open_amount


def test_paying_crediting_over_crediting_and_debiting_keep_each_invoices_open_amount(cast):
    coal = coal_contract(customer__owner=cast.rep)
    shipment = loaded(coal, cast.rep, outturn_tonnes=D(59640))
    # 1. The provisional invoice on the B/L: 60,000 t x 95.80 = 5,748,000.00 open.
    provisional = services.provisional_issue(shipment=shipment, by=cast.rep, issued_on=BL_DATE)
    assert balances(provisional) == (D(0), D(0), D("5748000.00"))
    # 2. 5,000,000.00 received, settling it oldest due first: 748,000.00 open.
    services.payment_record(customer=coal.customer, received_on=datetime.date(2026, 3, 20), amount=D("5000000.00"),
                            currency="USD", by=cast.rep)
    assert balances(provisional) == (D("5000000.00"), D(0), D("748000.00"))
    assert_kept()
    # 3. The short-landing claim's credit note, 5,748.00 against it: 742,252.00 open; the note owes nothing itself.
    claim = short_landing_settled(shipment, cast.rep, cast.service)
    note = services.claim_credit_note_issue(complaint=claim, by=cast.rep, issued_on=datetime.date(2026, 3, 10))
    assert balances(provisional) == (D("5000000.00"), D("-5748.00"), D("742252.00"))
    assert balances(note) == (D(0), D(0), D(0))
    assert_kept()
    # 4. The final invoice's credit balance, -156,763.64 against it: 585,488.36 open.
    final = services.final_issue(shipment=finalised(shipment, cast.rep), by=cast.rep,
                                 issued_on=datetime.date(2026, 3, 25))
    assert balances(provisional) == (D("5000000.00"), D("-162511.64"), D("585488.36"))
    assert balances(final) == (D(0), D(0), D(0))
    assert_kept()
    # 5. Over-credited: a credit note of 600,000.00 leaves 5,748,000.00 - 5,000,000.00 - 762,511.64 = -14,511.64,
    #    owed back to the customer.
    services.correction_issue(invoice=provisional, amount=D("-600000.00"), reason="Agreed discount", by=cast.rep,
                              issued_on=datetime.date(2026, 3, 26))
    assert balances(provisional) == (D("5000000.00"), D("-762511.64"), D("-14511.64"))
    assert selectors.status_of(provisional, TODAY) == selectors.Status.CREDIT
    assert_kept()
    # 6. A debit note of 14,511.64 is owed on its own; the invoice it adjusts is unchanged.
    debit = services.correction_issue(invoice=provisional, amount=D("14511.64"), reason="Demurrage", by=cast.rep,
                                      issued_on=datetime.date(2026, 3, 27))
    assert balances(debit) == (D(0), D(0), D("14511.64"))
    assert balances(provisional)[2] == D("-14511.64")
    # 7. Paid: the only invoice still owed is the debit note.
    services.payment_record(customer=coal.customer, received_on=datetime.date(2026, 3, 30), amount=D("14511.64"),
                            currency="USD", by=cast.rep)
    assert balances(debit) == (D("14511.64"), D(0), D(0))
    assert_kept()
    # What the contract's figures sum: -14,511.64 outstanding, nothing overdue.
    figures = selectors.deal_figures(coal, TODAY)
    assert (figures.received, figures.outstanding, figures.overdue) == (D("5014511.64"), D("-14511.64"), D(0))


def test_a_credit_note_against_no_invoice_is_a_credit_of_its_own():
    note = InvoiceFactory(kind=Invoice.Kind.CREDIT_NOTE, amount=D("-1000.00"))
    assert balances(note) == (D(0), D(0), D("-1000.00"))
    assert money.open_amount(D("-1000.00"), against_an_invoice=True) == D(0)
    assert_kept()


def test_any_sequence_of_payments_and_notes_keeps_the_stored_balances(cast):
    """Random part payments (split over invoices in cents, as floats would not add up on SQLite), credit and
    debit notes, in a fixed pseudo-random order: after each step, every invoice's balances are its rows'."""
    rng = random.Random(17)
    first = coal_contract(customer__owner=cast.rep)
    deals = [first, *(coal_contract(first.specification, customer=first.customer) for _other in range(2))]
    for deal in deals:
        services.provisional_issue(shipment=loaded(deal, cast.rep), by=cast.rep, issued_on=BL_DATE)
    day = datetime.date(2026, 3, 6)
    for _step in range(24):
        owed = list(Invoice.objects.filter(open_amount__gt=0).order_by("pk"))
        billed = list(Invoice.objects.filter(amount__gt=0, kind=Invoice.Kind.PROVISIONAL).order_by("pk"))
        action = rng.choice(["pay", "pay", "credit", "debit"])
        if action == "pay" and owed:
            chosen = rng.sample(owed, k=min(len(owed), rng.randint(1, 2)))
            allocations = {each.pk: money.cents(each.open_amount * D(rng.choice(["0.13", "0.5", "1"])))
                           for each in chosen}
            services.payment_record(customer=first.customer, received_on=day, currency="USD", by=cast.rep,
                                    amount=sum(allocations.values(), D("0.07")), allocations=allocations)
        elif action == "credit":
            invoice = rng.choice(billed)
            net = invoice.amount + invoice.credited
            if net > D("0.01"):
                services.correction_issue(invoice=invoice, amount=-money.cents(net * D(rng.choice(["0.01", "0.3"]))),
                                          reason="Quality", by=cast.rep, issued_on=day)
        else:
            services.correction_issue(invoice=rng.choice(billed), amount=D(rng.randint(1, 90000)) / 100,
                                      reason="Demurrage", by=cast.rep, issued_on=day)
        assert_kept()
    assert Invoice.objects.filter(allocated__gt=0, credited__lt=0).exists()


def test_the_migration_fills_the_balances_of_the_invoices_there_are(cast):
    coal = coal_contract(customer__owner=cast.rep)
    shipment = loaded(coal, cast.rep, outturn_tonnes=D(59640))
    services.provisional_issue(shipment=shipment, by=cast.rep, issued_on=BL_DATE)
    services.payment_record(customer=coal.customer, received_on=datetime.date(2026, 3, 20), amount=D("5000000.00"),
                            currency="USD", by=cast.rep)
    services.final_issue(shipment=finalised(shipment, cast.rep), by=cast.rep, issued_on=datetime.date(2026, 3, 25))
    Invoice.objects.update(allocated=0, credited=0, open_amount=0)
    migration = importlib.import_module("pipeline.receivables.migrations.0002_invoice_balances")
    with connection.cursor() as cursor:
        cursor.execute(migration.FILL)
    assert_kept()
    assert list(Invoice.objects.order_by("pk").values_list("allocated", "credited", "open_amount")) == [
        (D("5000000.00"), D("-156763.64"), D("591236.36")), (D(0), D(0), D(0))]


def test_the_check_reports_an_invoice_written_around_the_services_and_repairs_it(cast):
    invoice = InvoiceFactory(number="INV-2026-0042")
    call_command("invoice_balances", stdout=io.StringIO())
    Invoice.objects.filter(pk=invoice.pk).update(open_amount=D("1.00"))
    with pytest.raises(CommandError, match=r"1 invoices' balances differ from their rows: INV-2026-0042\."):
        call_command("invoice_balances", stdout=io.StringIO())
    out = io.StringIO()
    call_command("invoice_balances", "--repair", stdout=out)
    assert "Recomputed the balances of 1 invoices: INV-2026-0042." in out.getvalue()
    assert balances(invoice) == (D(0), D(0), D("5748000.00"))


def owed_from_rows(day: datetime.date) -> tuple[D, D]:
    """What was owed and overdue on `day`, from the rows alone (the rule of receivables.scorecards, worked in
    Python): each invoice issued by then, its amount less the payments received by then, plus the credit notes
    issued against it by then; a credit note against an invoice owes nothing of its own. A customer in credit owes
    nothing: what it is owed back does not come off what the others owe."""
    by_customer: dict[int, D] = {}
    overdue = D(0)
    for invoice in Invoice.objects.filter(issued_on__lte=day).select_related("deal"):
        if invoice.amount < 0 and invoice.against_id is not None:
            continue
        paid = sum((allocation.amount for allocation in invoice.allocations.select_related("payment")
                    if allocation.payment.received_on <= day), D(0))
        credited = sum((note.amount for note in Invoice.objects.filter(against=invoice, amount__lt=0,
                                                                        issued_on__lte=day)), D(0))
        owes = invoice.amount - paid + credited
        customer = invoice.deal.customer_id
        by_customer[customer] = by_customer.get(customer, D(0)) + owes * invoice.rate_to_base
        if owes > 0 and invoice.due_on < day:
            overdue += owes * invoice.rate_to_base
    return money.cents(sum((max(owes, D(0)) for owes in by_customer.values()), D(0))), money.cents(overdue)


def test_what_was_owed_on_a_past_day_is_the_rows_whatever_came_after(cast):
    """The scorecards read what was owed on a day from the stored balances, with the payments and notes after
    that day put back (receivables.scorecards.owed_by_seller): after payments and notes on many days, what it
    answers for each day is what the rows add up to on that day."""
    from pipeline.receivables.scorecards import owed_by_seller

    rng = random.Random(29)
    first = coal_contract(customer__owner=cast.rep, credited_to=cast.rep)
    for deal in [first, coal_contract(first.specification, customer=first.customer, credited_to=cast.rep)]:
        services.provisional_issue(shipment=loaded(deal, cast.rep), by=cast.rep, issued_on=BL_DATE)
    day = BL_DATE
    for _step in range(16):
        day += datetime.timedelta(days=rng.randint(1, 4))
        owed = list(Invoice.objects.filter(open_amount__gt=0).order_by("pk"))
        billed = list(Invoice.objects.filter(amount__gt=0, kind=Invoice.Kind.PROVISIONAL).order_by("pk"))
        if rng.random() < 0.6 and owed:
            invoice = rng.choice(owed)
            part = money.cents(invoice.open_amount * D(rng.choice(["0.2", "0.45", "1"])))
            services.payment_record(customer=first.customer, received_on=day, currency="USD", by=cast.rep,
                                    amount=part, allocations={invoice.pk: part})
        else:
            invoice = rng.choice(billed)
            net = invoice.amount + invoice.credited
            services.correction_issue(invoice=invoice, amount=-money.cents(net * D("0.1")), reason="Quality",
                                      by=cast.rep, issued_on=day)
    days = [BL_DATE - datetime.timedelta(days=1), BL_DATE, BL_DATE + datetime.timedelta(days=9),
            BL_DATE + datetime.timedelta(days=30), day]
    answered = owed_by_seller(days)
    for each in days:
        figures = answered[each].get(cast.rep.pk, {"outstanding": None, "overdue": None})
        assert (money.cents(figures["outstanding"] or D(0)), money.cents(figures["overdue"] or D(0))) == \
            owed_from_rows(each), each
    assert owed_from_rows(days[2])[0] != owed_from_rows(day)[0]  # the days differ: the payments came in between
