"""What a shipment carries of its contract (its owner, second seller and whether it stands signed), copied by the
database's triggers (execution migration 0007): after every way a shipment or its contract is written it says what
the contract says, a stale shipment saved cannot undo it, the laycan calendar reads a seller's vessels from it, and
the operator's check finds a copy written around the triggers and copies it again."""

import datetime
from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pipeline import transfers
from pipeline.execution.models import Shipment
from pipeline.models import Deal, Outcome
from pipeline.selectors import deals_visible_to

from .factories import CustomerFactory, SignedDealFactory
from .test_execution_where_it_shows import MARCH_2026, record, vessels


def copy_of(shipment: Shipment) -> tuple[int | None, int | None, bool]:
    return Shipment.objects.values_list("contract_owner", "contract_second_seller", "contract_signed").get(
        pk=shipment.pk)


@contextmanager
def trigger_off(table: str, name: str):
    """One trigger of the migrations left out while the block runs: a write around it, as a load before the
    triggers existed would be."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's deferred key checks, run before the ALTER
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {name}")
            yield
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {name}")
            return
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s", [name])
        [(sql,)] = cursor.fetchall()
        cursor.execute(f"DROP TRIGGER {name}")
        yield
        cursor.execute(sql)


def test_a_shipment_carries_what_its_contract_says_after_every_write(cast):
    rep, other = cast.rep, cast.other_rep
    contract = SignedDealFactory(customer=CustomerFactory(owner=rep))
    shipment = record(contract, rep, laycan_start=datetime.date(2026, 3, 3))
    assert copy_of(shipment) == (rep.pk, None, True)

    # The contract handed over (the service), co-sold (a bulk update), then lost.
    transfers.deal_transfer(deal=contract, to_user=other, by=cast.director, reason="Rep on leave")
    assert copy_of(shipment) == (other.pk, None, True)
    Deal.objects.filter(pk=contract.pk).update(co_seller=rep, co_seller_share=30)
    assert copy_of(shipment) == (other.pk, rep.pk, True)
    Deal.objects.filter(pk=contract.pk).update(outcome=Outcome.LOST)
    assert copy_of(shipment) == (other.pk, rep.pk, False)

    # Moved to another contract; then a stale instance saved: what it held of the contract is read again.
    second = SignedDealFactory(customer=CustomerFactory(owner=cast.account_manager))
    Shipment.objects.filter(pk=shipment.pk).update(deal=second)
    assert copy_of(shipment) == (cast.account_manager.pk, None, True)
    stale = Shipment.objects.get(pk=shipment.pk)
    Deal.objects.filter(pk=second.pk).update(owner=rep)
    stale.vessel_name = "Ocean Lily"
    stale.save()
    assert copy_of(shipment) == (rep.pk, None, True)


@pytest.mark.parametrize("role", ["manager", "rep", "other_rep", "account_manager"])
def test_the_calendar_reads_a_sellers_vessels_from_the_shipments_copy(client_as, cast, role):
    """The month's vessels come from the sellers the shipments carry, without reading the contracts: the vessels
    of the signed contracts the user sees, for the owner, the second seller, their manager and someone who sees
    neither contract."""
    mine = SignedDealFactory(customer=CustomerFactory(owner=cast.rep))
    co_sold = SignedDealFactory(customer=CustomerFactory(owner=cast.other_rep), co_seller=cast.rep,
                                co_seller_share=30)
    record(mine, cast.rep, laycan_start=datetime.date(2026, 3, 3))
    record(co_sold, cast.other_rep, vessel_name="Ocean Lily", laycan_start=datetime.date(2026, 3, 6))
    user = cast.by_role(role)

    with CaptureQueriesContext(connection) as queries:
        response = client_as(user).get(reverse("laycans:calendar"), {"month": MARCH_2026})
    windows_read = 'SELECT "execution_shipment"."id" AS "pk", "execution_shipment"."laycan_from"'
    [windows] = [query["sql"] for query in queries
                 if query["sql"].startswith(windows_read) and "ORDER BY" in query["sql"]]
    assert "pipeline_deal" not in windows and "contract_owner_id" in windows
    through_contracts = Shipment.objects.filter(
        deal__in=deals_visible_to(user).filter(outcome=Outcome.WON), laycan_from__lte=datetime.date(2026, 3, 31),
        laycan_to__gte=datetime.date(2026, 3, 1))
    assert vessels(response) == {f"{shipment.vessel_name} — {shipment.deal.contract_number}/{shipment.number}"
                                 for shipment in through_contracts.select_related("deal")}
    assert {label.split(" — ")[0] for label in vessels(response)} == {
        "manager": {"Pacific Glory", "Ocean Lily"}, "rep": {"Pacific Glory", "Ocean Lily"},
        "other_rep": {"Ocean Lily"}, "account_manager": set()}[role]


def test_the_operators_check_finds_a_copy_written_around_the_triggers_and_copies_it_again(cast):
    contract = SignedDealFactory(customer=CustomerFactory(owner=cast.rep))
    shipment = record(contract, cast.rep, laycan_start=datetime.date(2026, 3, 3))
    with trigger_off("pipeline_deal", "contract_shipments_update"):
        Deal.objects.filter(pk=contract.pk).update(owner=cast.other_rep)
    assert copy_of(shipment) == (cast.rep.pk, None, True)

    with pytest.raises(CommandError) as failed:
        call_command("pipeline_tally")
    lines = str(failed.value).splitlines()
    assert "The shipments' copy of their contracts differs from the contracts in 1 groups:" in lines
    assert (f"  shipment {shipment.pk}: carries owner {cast.rep.pk}, second seller None, signed True; its contract "
            f"{cast.other_rep.pk}, None, True") in lines
    out = StringIO()
    call_command("pipeline_tally", "--repair", stdout=out)
    assert "Rebuilt the shipments' copy of their contracts; 1 groups had drifted:" in out.getvalue()
    assert copy_of(shipment) == (cast.other_rep.pk, None, True)
    call_command("pipeline_tally", stdout=StringIO())  # nothing left to find: no CommandError
