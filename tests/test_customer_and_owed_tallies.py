"""The customers' tally (CustomerTally, per owner, tier and status) and what is owed per due date (OwedTally), which
the database keeps by triggers on the customers' and the invoices' tables: after every way either is written (a
service, a bulk update, a bulk insert, a delete, a rolled-back transaction) each holds what grouping the rows says,
and the director's tier mix and ageing read them."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F, Sum
from django.urls import reverse

from customers import services as customer_services
from customers.models import Customer, CustomerTally, Tier
from pipeline.receivables.ageing import ageing_of_all
from pipeline.receivables.models import Invoice, OwedTally

from .factories import AllocationFactory, CustomerFactory, InvoiceFactory, SignedDealFactory

D = Decimal
CENT = D("0.01")


def customers_kept() -> dict[tuple[int, str, str], int]:
    return {(row.owner_id, row.tier, row.status): row.customers
            for row in CustomerTally.objects.filter(customers__gt=0)}


def customers_counted() -> dict[tuple[int, str, str], int]:
    return {(owner, tier, status): count for owner, tier, status, count
            in Customer.objects.values_list("owner", "tier", "status").order_by().annotate(count=Count("*"))}


def owed_kept() -> dict[datetime.date, tuple[int, Decimal]]:
    return {row.due_on: (row.invoices, D(row.owed_base).quantize(CENT))
            for row in OwedTally.objects.exclude(invoices=0, owed_base=0)}


def owed_counted() -> dict[datetime.date, tuple[int, Decimal]]:
    rows = (Invoice.objects.filter(open_amount__gt=0).values_list("due_on").order_by()
            .annotate(count=Count("*"), owed=Sum(F("open_amount") * F("rate_to_base"))))
    return {due_on: (count, D(owed).quantize(CENT)) for due_on, count, owed in rows}


def test_the_customer_tally_follows_every_way_a_customer_is_written(cast):
    rep, other = cast.rep, cast.other_rep
    mine = CustomerFactory(owner=rep, tier=Tier.HIGH)
    CustomerFactory(owner=rep, tier=Tier.GENERAL, status=Customer.Status.PROSPECT)
    theirs = CustomerFactory(owner=other, tier=Tier.LOW)
    assert customers_kept() == customers_counted() == {
        (rep.pk, "high", "active"): 1, (rep.pk, "general", "prospect"): 1, (other.pk, "low", "active"): 1}

    # An edit the tally does not count, then a tier pinned by hand by the manager.
    mine.notes = "Second blast furnace from May"
    mine.save()
    assert customers_kept() == customers_counted()
    customer_services.tier_set_by_hand(customer=mine, tier=Tier.GENERAL, reason="Volumes down", by=cast.manager)
    assert customers_kept() == customers_counted() == {
        (rep.pk, "general", "active"): 1, (rep.pk, "general", "prospect"): 1, (other.pk, "low", "active"): 1}

    # Written in bulk: inserted in one statement, handed over, moved to another status, deleted.
    Customer.objects.bulk_create([CustomerFactory.build(owner=other, tier=Tier.HIGH) for _ in range(4)])
    assert customers_kept()[(other.pk, "high", "active")] == 4
    Customer.objects.filter(owner=rep).update(owner=cast.account_manager)
    Customer.objects.filter(tier=Tier.HIGH).update(status=Customer.Status.DORMANT)
    assert customers_kept() == customers_counted() == {
        (cast.account_manager.pk, "general", "active"): 1, (cast.account_manager.pk, "general", "prospect"): 1,
        (other.pk, "low", "active"): 1, (other.pk, "high", "dormant"): 4}
    Customer.objects.filter(owner=other, tier=Tier.HIGH).delete()
    theirs.delete()
    assert customers_kept() == customers_counted() == {
        (cast.account_manager.pk, "general", "active"): 1, (cast.account_manager.pk, "general", "prospect"): 1}


def test_a_rolled_back_customer_write_leaves_the_tally_as_it_was(cast):
    customer = CustomerFactory(owner=cast.rep)
    before = customers_kept()
    with pytest.raises(RuntimeError), transaction.atomic():
        Customer.objects.filter(pk=customer.pk).update(tier=Tier.LOW, owner=cast.other_rep)
        CustomerFactory(owner=cast.rep)
        raise RuntimeError
    assert customers_kept() == before == customers_counted()


def test_the_owed_tally_follows_every_way_an_invoice_is_written(cast):
    """Open invoices count for their open amount at their rate on their due date; paid ones drop out."""
    deal = SignedDealFactory(owner=cast.rep)
    march, april = datetime.date(2026, 3, 5), datetime.date(2026, 4, 4)
    first = InvoiceFactory(deal=deal, amount=D("1000000.00"), rate_to_base=D("7.1"), due_on=march)
    InvoiceFactory(deal=deal, amount=D("250000.00"), rate_to_base=D("7.2"), due_on=march)
    later = InvoiceFactory(deal=deal, amount=D("400000.00"), rate_to_base=D("1"), currency="CNY", due_on=april)
    assert owed_kept() == owed_counted() == {march: (2, D("8900000.00")), april: (1, D("400000.00"))}

    # A payment settles part of the first (its open amount updated), then the rest of it: it is no longer owed.
    AllocationFactory(invoice=first, amount=D("600000.00"), payment__customer=deal.customer)
    assert owed_kept() == owed_counted() == {march: (2, D("4640000.00")), april: (1, D("400000.00"))}
    AllocationFactory(invoice=first, amount=D("400000.00"), payment__customer=deal.customer)
    assert owed_kept() == owed_counted() == {march: (1, D("1800000.00")), april: (1, D("400000.00"))}

    # A credit note against the later one comes off it; its own open amount is nothing.
    InvoiceFactory(deal=deal, kind=Invoice.Kind.CREDIT_NOTE, amount=D("-100000.00"), rate_to_base=D("1"),
                   currency="CNY", against=later, due_on=april)
    assert owed_kept() == owed_counted() == {march: (1, D("1800000.00")), april: (1, D("300000.00"))}

    # Written in bulk: a due date moved, a rate changed, invoices inserted in one statement, deleted.
    Invoice.objects.filter(pk=later.pk).update(due_on=march, rate_to_base=D("2"))
    assert owed_kept() == owed_counted() == {march: (2, D("2400000.00"))}
    Invoice.objects.bulk_create([InvoiceFactory.build(deal=deal, amount=D("10000.00"), rate_to_base=D("7"),
                                                      due_on=april, number=f"BULK-{n}") for n in range(3)])
    assert owed_kept() == owed_counted() == {march: (2, D("2400000.00")), april: (3, D("210000.00"))}
    Invoice.objects.filter(number__startswith="BULK-").delete()
    assert owed_kept() == owed_counted() == {march: (2, D("2400000.00"))}


def test_a_rolled_back_invoice_write_leaves_the_owed_tally_as_it_was(cast):
    invoice = InvoiceFactory(deal=SignedDealFactory(owner=cast.rep), amount=D("1000.00"), rate_to_base=D("7"))
    before = owed_kept()
    with pytest.raises(RuntimeError), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(open_amount=D("0"))
        InvoiceFactory(deal=invoice.deal, amount=D("5.00"))
        raise RuntimeError
    assert owed_kept() == before == owed_counted() == {invoice.due_on: (1, D("7000.00"))}


def test_the_ageing_of_all_sums_the_tally_by_bucket_and_rounds_once(db):
    """By hand, on 30 November 2026: due 1 December is current; 10 November is 20 days past due (1-30); 1 October
    60 (31-60, its last day); 1 September 90 (61-90); 1 August 121 (over 90). Each bucket's sum is rounded to the
    cent once: 300.009 to 300.01, 0.135 to 0.14; a day whose invoices are all paid counts nothing."""
    days = {datetime.date(2026, 12, 1): (2, D("300.00900000")), datetime.date(2026, 11, 10): (1, D("1000.00")),
            datetime.date(2026, 10, 1): (1, D("20.5")), datetime.date(2026, 9, 1): (3, D("0.135")),
            datetime.date(2026, 8, 1): (4, D("4000")), datetime.date(2026, 7, 1): (0, D("0"))}
    OwedTally.objects.bulk_create(OwedTally(due_on=day, invoices=count, owed_base=owed)
                                  for day, (count, owed) in days.items())
    rows = {row["bucket"]: (row["amount"], row["count"]) for row in ageing_of_all(datetime.date(2026, 11, 30))}
    assert rows == {"current": (D("300.01"), 2), "1_30": (D("1000.00"), 1), "31_60": (D("20.50"), 1),
                    "61_90": (D("0.14"), 3), "over_90": (D("4000.00"), 4)}


def test_the_directors_tier_mix_and_ageing_are_the_tallies(client_as, cast):
    """Written behind the triggers' back (here by changing the tallies themselves), the dashboard shows the tallies:
    it reads them, not the customers and invoices. Left alone, they agree with the customers and invoices."""
    buyer = CustomerFactory(owner=cast.rep, tier=Tier.HIGH)
    CustomerFactory(owner=cast.other_rep, tier=Tier.LOW, status=Customer.Status.LOST)  # lost: not in the mix
    InvoiceFactory(deal=SignedDealFactory(owner=cast.rep, customer=buyer), amount=D("1000.00"), rate_to_base=D("7"),
                   due_on=datetime.date(2026, 3, 5))
    url = reverse("dashboards:director")
    answer = client_as(cast.director).get(url)
    assert {row["tier"]: row["count"] for row in answer.context["tiers"]} == {"high": 1, "general": 0, "low": 0}
    assert answer.context["ageing_total"] == {"amount": D("7000.00"), "count": 1}

    CustomerTally.objects.filter(owner=cast.rep).update(customers=3)
    OwedTally.objects.update(owed_base=D("14000"), invoices=2)
    answer = client_as(cast.director).get(url)
    assert {row["tier"]: row["count"] for row in answer.context["tiers"]} == {"high": 3, "general": 0, "low": 0}
    assert answer.context["ageing_total"] == {"amount": D("14000.00"), "count": 2}


def test_the_operators_check_finds_drifted_customer_and_owed_tallies_and_repair_writes_them_again(cast):
    customer = CustomerFactory(owner=cast.rep, tier=Tier.HIGH)
    invoice = InvoiceFactory(deal=SignedDealFactory(owner=cast.rep, customer=customer), amount=D("1000.00"),
                             rate_to_base=D("7.123456"))
    # Written around the triggers: a group's count wrong, a day's sum wrong.
    CustomerTally.objects.filter(owner=cast.rep).update(customers=5)
    OwedTally.objects.update(owed_base=D("1"))
    with pytest.raises(CommandError) as failed:
        call_command("pipeline_tally")
    lines = str(failed.value).splitlines()
    assert "The customer tally differs from the customers in 1 groups:" in lines
    assert f"  owner {cast.rep.pk}, high, active: tally 5, customers 1" in lines
    assert "The owed tally differs from the open invoices in 1 groups:" in lines
    assert f"  due {invoice.due_on}: tally 1 invoices 1.00, invoices 1 7123.46" in lines

    out = StringIO()
    call_command("pipeline_tally", "--repair", stdout=out)
    assert "Rebuilt the customer tally; 1 groups had drifted:" in out.getvalue()
    assert "Rebuilt the owed tally; 1 groups had drifted:" in out.getvalue()
    assert customers_kept() == customers_counted() == {(customer.owner_id, "high", "active"): 1}
    # Written again unrounded: 1,000.00 x 7.123456.
    assert OwedTally.objects.get().owed_base == D("7123.456")
    out = StringIO()
    call_command("pipeline_tally", stdout=out)
    assert "The customer tally matches the customers." in out.getvalue()
    assert "The owed tally matches the open invoices." in out.getvalue()
