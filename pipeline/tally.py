"""The tallies the database keeps by triggers: the pipeline's per owner, stage and outcome (models.PipelineTally,
migration 0028), the activities' per customer and author (models.ActivityTally, migration 0031) and the customers'
per owner, tier and status (customers.models.CustomerTally); the apps above add theirs to `TALLIES` (receivables'
owed per due date, execution's copy of each shipment's contract sellers). How to tell that each still matches what
it counts, and how to write it again from that. Only a write around the triggers can make one drift (a trigger
disabled, rows copied in before the triggers exist): an operator's check (`manage.py pipeline_tally`)."""

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import Count, Model, Sum

from customers.models import Customer, CustomerTally

from .models import Activity, ActivityTally, Deal, PipelineTally

CENT = Decimal("0.01")


class Drift(NamedTuple):
    group: tuple[Any, ...]  # the pipeline's (owner, stage, outcome); the activities' (customer, author); ...
    kept: tuple[Any, ...]  # what the tally says: (deals, amount in base currency); (activities,); ...
    counted: tuple[Any, ...]  # what the rows it counts say (the deals, the activities, ...)


def groups_drifted(kept: dict[tuple[Any, ...], tuple[Any, ...]], counted: dict[tuple[Any, ...], tuple[Any, ...]],
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


def _customers_kept() -> dict[tuple[Any, ...], tuple[Any, ...]]:
    return {(owner, tier, status): (customers,) for owner, tier, status, customers
            in CustomerTally.objects.exclude(customers=0).values_list("owner", "tier", "status", "customers")}


def _customers_counted() -> dict[tuple[Any, ...], tuple[Any, ...]]:
    return {(owner, tier, status): (customers,) for owner, tier, status, customers
            in Customer.objects.values_list("owner", "tier", "status").order_by().annotate(customers=Count("*"))}


def tally_drift() -> list[Drift]:
    """Each group (owner, stage, outcome) whose pipeline tally differs from its deals, in that order."""
    return groups_drifted(_deals_kept(), _deals_counted(), (0, Decimal(0).quantize(CENT)))


def activity_tally_drift() -> list[Drift]:
    """Each pair (customer, author) whose activities' tally differs from its activities, in that order."""
    return groups_drifted(_activities_kept(), _activities_counted(), (0,))


def customer_tally_drift() -> list[Drift]:
    """Each group (owner, tier, status) whose customers' tally differs from its customers, in that order."""
    return groups_drifted(_customers_kept(), _customers_counted(), (0,))


def rewrite(counted: type[Model], drift: Callable[[], list[Drift]], tally: type[Model],
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
    """Write the pipeline tally again from the deals (`rewrite`)."""
    return rewrite(Deal, tally_drift, PipelineTally, lambda: [
        PipelineTally(owner_id=owner, stage=stage, outcome=outcome, deals=deals, amount_base=amount)
        for (owner, stage, outcome), (deals, amount) in _deals_counted().items()])


def activity_tally_rebuild() -> list[Drift]:
    """Write the activities' tally again from the activities (`rewrite`)."""
    return rewrite(Activity, activity_tally_drift, ActivityTally, lambda: [
        ActivityTally(customer_id=customer, author_id=author, activities=activities)
        for (customer, author), (activities,) in _activities_counted().items()])


def customer_tally_rebuild() -> list[Drift]:
    """Write the customers' tally again from the customers (`rewrite`)."""
    return rewrite(Customer, customer_tally_drift, CustomerTally, lambda: [
        CustomerTally(owner_id=owner, tier=tier, status=status, customers=customers)
        for (owner, tier, status), (customers,) in _customers_counted().items()])


class Tally(NamedTuple):
    """A tally for the operator's check: its name, what it counts, how to check it, how to write it again, and how
    to list a group that drifted."""

    name: str
    counted: str
    drift: Callable[[], list[Drift]]
    rebuild: Callable[[], list[Drift]]
    line: Callable[[Drift], str]


def _deal_group(drift: Drift) -> str:
    (owner, stage, outcome), kept, counted = drift
    return f"  owner {owner}, {stage}, {outcome}: tally {kept[0]} deals {kept[1]}, deals {counted[0]} {counted[1]}"


def _activity_pair(drift: Drift) -> str:
    (customer, author), kept, counted = drift
    return f"  customer {customer}, author {author}: tally {kept[0]}, activities {counted[0]}"


def _customer_group(drift: Drift) -> str:
    (owner, tier, status), kept, counted = drift
    return f"  owner {owner}, {tier}, {status}: tally {kept[0]}, customers {counted[0]}"


TALLIES: list[Tally] = [
    Tally("pipeline tally", "deals", tally_drift, tally_rebuild, _deal_group),
    Tally("activity tally", "activities", activity_tally_drift, activity_tally_rebuild, _activity_pair),
    Tally("customer tally", "customers", customer_tally_drift, customer_tally_rebuild, _customer_group),
]
