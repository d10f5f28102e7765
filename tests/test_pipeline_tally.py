"""The pipeline's tally (PipelineTally), which the database keeps by triggers on the deals' table: after every
way a deal is written (a service, a bulk update, a bulk insert, a delete, a rolled-back transaction), it holds
what grouping the deals says, and the board reads its figures from it in a constant number of queries."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone

from pipeline import services, transfers
from pipeline.models import Deal, ExchangeRate, LostReason, Outcome, PipelineTally, Stage

from .factories import CustomerFactory, DealFactory


def tally() -> dict[tuple[int, str, str], tuple[int, Decimal]]:
    return {(row.owner_id, row.stage, row.outcome): (row.deals, row.amount_base)
            for row in PipelineTally.objects.filter(deals__gt=0)}


def grouped() -> dict[tuple[int, str, str], tuple[int, Decimal]]:
    rows = Deal.objects.values_list("owner", "stage", "outcome").order_by().annotate(
        count=Count("*"), total=Sum("amount_base"))
    return {(owner, stage, outcome): (count, Decimal(total).quantize(Decimal("0.01")))
            for owner, stage, outcome, count, total in rows}


def test_the_tally_follows_every_way_a_deal_is_written(cast):
    rep, other = cast.rep, cast.other_rep
    customer = CustomerFactory(owner=rep)
    first = DealFactory(customer=customer, stage=Stage.RESEARCH)
    second = DealFactory(customer=customer, stage=Stage.NEGOTIATION)
    assert tally() == grouped() == {(rep.pk, Stage.RESEARCH, Outcome.OPEN): (1, Decimal("31240000.00")),
                                    (rep.pk, Stage.NEGOTIATION, Outcome.OPEN): (1, Decimal("31240000.00"))}

    first = services.deal_move(deal=first, to_stage=Stage.DEVELOPMENT, by=rep, expected_version=first.version)
    assert tally() == grouped()
    assert (rep.pk, Stage.RESEARCH, Outcome.OPEN) not in tally()

    # A change of the amount alone (the terms), and a save that changes nothing the tally counts.
    first.price_per_tonne = Decimal("90")
    first = services.deal_save(deal=first, by=rep, expected_version=first.version)
    assert tally()[(rep.pk, Stage.DEVELOPMENT, Outcome.OPEN)] == (1, Decimal("35145000.00")) == \
        grouped()[(rep.pk, Stage.DEVELOPMENT, Outcome.OPEN)]
    first.grade = "NAR 5800"
    first = services.deal_save(deal=first, by=rep, expected_version=first.version)
    assert tally() == grouped()

    reason = LostReason.objects.create(name="Price too high", name_zh="价格过高")
    lost = services.deal_lose(deal=second, reason=reason, note="Price", by=rep, expected_version=second.version)
    assert tally()[(rep.pk, Stage.NEGOTIATION, Outcome.LOST)] == (1, Decimal("31240000.00"))
    services.deal_reopen(deal=lost, by=rep, reason="They came back", expected_version=lost.version)
    assert tally() == grouped()
    assert (rep.pk, Stage.NEGOTIATION, Outcome.LOST) not in tally()

    transfers.deal_transfer(deal=first, to_user=cast.account_manager, by=cast.manager, reason="Steel mills")
    assert tally() == grouped()
    assert (cast.account_manager.pk, Stage.DEVELOPMENT, Outcome.OPEN) in tally()

    # A new rate re-prices the open deals in its currency with one UPDATE of them all.
    services.exchange_rate_save(rate=ExchangeRate(currency="USD", valid_from=timezone.localdate(),
                                                  rate=Decimal("7.2")))
    assert tally() == grouped()
    # 55,000 t at 80 and at 90 USD/t, at 7.2: 31,680,000 + 35,640,000.
    assert sum(total for _count, total in tally().values()) == Decimal("67320000.00")

    Deal.objects.bulk_create([DealFactory.build(customer=customer, owner=rep, stage=Stage.RESEARCH,
                                                commodity=first.commodity, discharge_port=first.discharge_port,
                                                amount_base=Decimal("10.10")) for _ in range(3)])
    Deal.objects.filter(stage=Stage.RESEARCH).update(owner=other)
    assert tally() == grouped()
    assert tally()[(other.pk, Stage.RESEARCH, Outcome.OPEN)] == (3, Decimal("30.30"))

    Deal.objects.filter(stage=Stage.RESEARCH).first().delete()
    assert tally() == grouped()
    Deal.objects.all().delete()
    assert tally() == {} and PipelineTally.objects.exclude(amount_base=0).count() == 0


def test_a_rolled_back_write_leaves_the_tally_as_it_was(cast):
    deal = DealFactory(customer=CustomerFactory(owner=cast.rep))
    before = tally()
    with pytest.raises(RuntimeError), transaction.atomic():
        Deal.objects.filter(pk=deal.pk).update(stage=Stage.RESEARCH, amount_base=Decimal(1))
        DealFactory(customer=deal.customer)
        raise RuntimeError
    assert tally() == before == grouped()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_signing_committed_is_in_the_tally_other_connections_read(cast):
    """Kept in the same transaction as the deal's write: committed together, read together."""
    deal = DealFactory(customer=CustomerFactory(owner=cast.rep), stage=Stage.NEGOTIATION)
    terms = Deal.objects.get(pk=deal.pk)
    services.deal_sign(deal=deal, terms=terms, contract_number="BS-2026-0001",
                       signed_on=timezone.localdate() - datetime.timedelta(days=1), by=cast.rep,
                       expected_version=deal.version)
    assert tally() == grouped() == {(cast.rep.pk, Stage.FOLLOW_UP, Outcome.WON): (1, Decimal("31240000.00"))}


def test_the_board_reads_the_tally_not_the_deals(client_as, cast):
    """The director's board: its figures are the tally's (a deal written behind the tally's back, here by
    changing the tally itself, shows), in the same number of queries however many owners and deals."""
    for owner in (cast.rep, cast.other_rep, cast.account_manager):
        DealFactory(customer=CustomerFactory(owner=owner), stage=Stage.RESEARCH, amount_base=Decimal(1000))
    columns = {column["stage"]: column for column in client_as(cast.director).get(reverse("deals:board"))
               .context["columns"]}
    assert (columns[Stage.RESEARCH]["count"], columns[Stage.RESEARCH]["total"]) == (3, Decimal(3000))
    PipelineTally.objects.filter(owner=cast.rep).update(deals=5, amount_base=Decimal(5000))
    columns = {column["stage"]: column for column in client_as(cast.director).get(reverse("deals:board"))
               .context["columns"]}
    assert (columns[Stage.RESEARCH]["count"], columns[Stage.RESEARCH]["total"]) == (7, Decimal(7000))


def test_the_operators_check_finds_a_drifted_tally_and_repair_writes_it_again(cast):
    rep_deal = DealFactory(customer=CustomerFactory(owner=cast.rep), stage=Stage.RESEARCH)
    DealFactory(customer=CustomerFactory(owner=cast.other_rep), stage=Stage.NEGOTIATION)
    out = StringIO()
    call_command("pipeline_tally", stdout=out)
    assert out.getvalue().splitlines() == ["The pipeline tally matches the deals.",
                                           "The activity tally matches the activities.",
                                           "The customer tally matches the customers.",
                                           "The shipments' copy of their contracts matches the contracts.",
                                           "The owed tally matches the open invoices."]
    # Written around the triggers: one group's count wrong, one group missing.
    PipelineTally.objects.filter(owner=cast.rep).update(deals=4)
    PipelineTally.objects.filter(owner=cast.other_rep).delete()
    with pytest.raises(CommandError) as failed:
        call_command("pipeline_tally")
    assert str(failed.value).splitlines()[:3] == [
        "The pipeline tally differs from the deals in 2 groups:",
        f"  owner {cast.rep.pk}, research, open: tally 4 deals 31240000.00, deals 1 31240000.00",
        f"  owner {cast.other_rep.pk}, negotiation, open: tally 0 deals 0.00, deals 1 31240000.00"]
    assert tally() != grouped()
    out = StringIO()
    call_command("pipeline_tally", "--repair", stdout=out)
    assert out.getvalue().startswith("Rebuilt the pipeline tally; 2 groups had drifted:")
    assert tally() == grouped()
    # Run again, nothing to do; and the triggers go on from the rebuilt rows.
    out = StringIO()
    call_command("pipeline_tally", "--repair", stdout=out)
    assert out.getvalue().splitlines() == ["The pipeline tally matched the deals; nothing to repair.",
                                           "The activity tally matched the activities; nothing to repair.",
                                           "The customer tally matched the customers; nothing to repair.",
                                           "The shipments' copy of their contracts matched the contracts; nothing "
                                           "to repair.",
                                           "The owed tally matched the open invoices; nothing to repair."]
    services.deal_move(deal=rep_deal, to_stage=Stage.DEVELOPMENT, by=cast.rep, expected_version=rep_deal.version)
    assert tally() == grouped()
