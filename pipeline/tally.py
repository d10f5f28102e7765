"""The pipeline's tally (models.PipelineTally), which triggers keep in step with the deals (migration 0028):
how to tell that it still is, and how to write it again from the deals. Only a write around the triggers can
make it drift (a trigger disabled, rows copied in before the triggers exist): an operator's check."""

from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Count, Sum

from .models import Deal, PipelineTally

Group = tuple[int, str, str]  # owner, stage, outcome
CENT = Decimal("0.01")


class Drift(NamedTuple):
    group: Group
    kept: tuple[int, Decimal]  # what the tally says: deals, amount (base currency)
    counted: tuple[int, Decimal]  # what grouping the deals says


def _kept() -> dict[Group, tuple[int, Decimal]]:
    return {(owner, stage, outcome): (deals, Decimal(amount).quantize(CENT))
            for owner, stage, outcome, deals, amount in PipelineTally.objects.exclude(deals=0, amount_base=0)
            .values_list("owner", "stage", "outcome", "deals", "amount_base")}


def _counted() -> dict[Group, tuple[int, Decimal]]:
    rows = Deal.objects.values_list("owner", "stage", "outcome").order_by().annotate(
        deals=Count("*"), amount=Sum("amount_base"))
    return {(owner, stage, outcome): (deals, Decimal(amount or 0).quantize(CENT))
            for owner, stage, outcome, deals, amount in rows}


def tally_drift() -> list[Drift]:
    """Each group whose tally differs from its deals, in the order of owner, stage and outcome."""
    kept, counted = _kept(), _counted()
    nothing = (0, Decimal(0).quantize(CENT))
    return [Drift(group, kept.get(group, nothing), counted.get(group, nothing))
            for group in sorted(kept.keys() | counted.keys())
            if kept.get(group, nothing) != counted.get(group, nothing)]


@transaction.atomic
def tally_rebuild() -> list[Drift]:
    """Write the tally again from the deals, with the deals' table locked against writes meanwhile (reads go on;
    on PostgreSQL, a SHARE lock); returns the groups that had drifted. Run twice, the second finds none."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Deal._meta.db_table} IN SHARE MODE")
    drifted = tally_drift()
    if drifted:
        PipelineTally.objects.all().delete()
        PipelineTally.objects.bulk_create(
            [PipelineTally(owner_id=owner, stage=stage, outcome=outcome, deals=deals, amount_base=amount)
             for (owner, stage, outcome), (deals, amount) in _counted().items()], batch_size=1000)
    return drifted
