"""The tallies the database keeps by triggers: the pipeline's per owner, stage and outcome (models.PipelineTally,
migration 0028) and the activities' per customer and author (models.ActivityTally, migration 0031). How to tell
that each still matches what it counts, and how to write it again from that. Only a write around the triggers can
make one drift (a trigger disabled, rows copied in before the triggers exist): an operator's check."""

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import Count, Model, Sum

from .models import Activity, ActivityTally, Deal, PipelineTally

CENT = Decimal("0.01")


class Drift(NamedTuple):
    group: tuple[Any, ...]  # the pipeline's (owner, stage, outcome); the activities' (customer, author)
    kept: tuple[Any, ...]  # what the tally says: (deals, amount in base currency); (activities,)
    counted: tuple[Any, ...]  # what grouping the deals or activities says


def _drift(kept: dict[tuple[Any, ...], tuple[Any, ...]], counted: dict[tuple[Any, ...], tuple[Any, ...]],
           nothing: tuple[Any, ...]) -> list[Drift]:
    return [Drift(group, kept.get(group, nothing), counted.get(group, nothing))
            for group in sorted(kept.keys() | counted.keys())
            if kept.get(group, nothing) != counted.get(group, nothing)]


def _deals_kept() -> dict[tuple[Any, ...], tuple[Any, ...]]:
    return {(owner, stage, outcome): (deals, Decimal(amount).quantize(CENT))
            for owner, stage, outcome, deals, amount in PipelineTally.objects.exclude(deals=0, amount_base=0)
            .values_list("owner", "stage", "outcome", "deals", "amount_base")}


def _deals_counted() -> dict[tuple[Any, ...], tuple[Any, ...]]:
    rows = Deal.objects.values_list("owner", "stage", "outcome").order_by().annotate(
        deals=Count("*"), amount=Sum("amount_base"))
    return {(owner, stage, outcome): (deals, Decimal(amount or 0).quantize(CENT))
            for owner, stage, outcome, deals, amount in rows}


def _activities_kept() -> dict[tuple[Any, ...], tuple[Any, ...]]:
    return {(customer, author): (activities,) for customer, author, activities
            in ActivityTally.objects.exclude(activities=0).values_list("customer", "author", "activities")}


def _activities_counted() -> dict[tuple[Any, ...], tuple[Any, ...]]:
    return {(customer, author): (activities,) for customer, author, activities
            in Activity.objects.values_list("customer", "owner").order_by().annotate(activities=Count("*"))}


def tally_drift() -> list[Drift]:
    """Each group (owner, stage, outcome) whose pipeline tally differs from its deals, in that order."""
    return _drift(_deals_kept(), _deals_counted(), (0, Decimal(0).quantize(CENT)))


def activity_tally_drift() -> list[Drift]:
    """Each pair (customer, author) whose activities' tally differs from its activities, in that order."""
    return _drift(_activities_kept(), _activities_counted(), (0,))


def _rebuild(counted: type[Model], drift: Callable[[], list[Drift]], tally: type[Model],
             rows: Callable[[], Iterable[Model]]) -> list[Drift]:
    """Write a tally again from what it counts, with that table locked against writes meanwhile (reads go on; on
    PostgreSQL, a SHARE lock); returns the groups that had drifted. Run twice, the second finds none."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {counted._meta.db_table} IN SHARE MODE")
        drifted = drift()
        if drifted:
            tally._default_manager.all().delete()
            tally._default_manager.bulk_create(rows(), batch_size=1000)
    return drifted


def tally_rebuild() -> list[Drift]:
    """Write the pipeline tally again from the deals (`_rebuild`)."""
    return _rebuild(Deal, tally_drift, PipelineTally, lambda: [
        PipelineTally(owner_id=owner, stage=stage, outcome=outcome, deals=deals, amount_base=amount)
        for (owner, stage, outcome), (deals, amount) in _deals_counted().items()])


def activity_tally_rebuild() -> list[Drift]:
    """Write the activities' tally again from the activities (`_rebuild`)."""
    return _rebuild(Activity, activity_tally_drift, ActivityTally, lambda: [
        ActivityTally(customer_id=customer, author_id=author, activities=activities)
        for (customer, author), (activities,) in _activities_counted().items()])
