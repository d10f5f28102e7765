"""The follow-up reminders a contract's execution calls for, found by the hourly job (registered
with pipeline.reminders in this app's ready()): one query per kind, like the pipeline's own."""

from datetime import date, datetime, timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone

from pipeline.models import Deal, Outcome, Reminder
from pipeline.reminders import Cause, manager_of, people

from .models import LaytimeStatement, Shipment
from .selectors import statement_figures, unclaimed_off_spec_results

Kind = Reminder.Kind

# A vessel is nominated at least this long before the laycan opens.
NOMINATION_NOTICE = timedelta(days=10)
# A discharged cargo's final value is confirmed within this long.
FINAL_VALUE_WITHIN = timedelta(days=14)


def _cause(kind: str, key: str, row: dict, due_on: date, late_since: date) -> Cause:
    return Cause(kind=kind, key=key, owner_id=row["deal__owner_id"], owner_active=row["deal__owner__is_active"],
                 manager_id=manager_of(row, "deal__owner"), due_on=due_on, late_since=late_since,
                 customer_id=row["deal__customer_id"], deal_id=row["deal_id"])


def nominations_due(today: date) -> list[Cause]:
    """Signed contracts whose laycan opens within the notice and that have no vessel nominated."""
    nominated = Shipment.objects.filter(deal=OuterRef("pk")).exclude(vessel_name="")
    rows = (Deal.objects.filter(outcome=Outcome.WON, laycan_start__range=(today, today + NOMINATION_NOTICE))
            .filter(~Exists(nominated)).order_by().values("pk", "customer_id", "laycan_start", *people("owner")))
    return [
        Cause(kind=Kind.NOMINATION, key=f"deal:{row['pk']}:nomination", owner_id=row["owner_id"],
              owner_active=row["owner__is_active"], manager_id=manager_of(row, "owner"),
              due_on=row["laycan_start"] - NOMINATION_NOTICE, late_since=row["laycan_start"] - NOMINATION_NOTICE,
              customer_id=row["customer_id"], deal_id=row["pk"])
        for row in rows
    ]


def _open_shipments():
    return Shipment.objects.filter(finalised_at__isnull=True).order_by()


def bl_outside_tolerance(today: date) -> list[Cause]:
    """B/Ls a manager accepted outside the tolerance: the quantity is to be settled with the buyer
    before the value is final."""
    rows = _open_shipments().filter(bl_accepted_by__isnull=False).values(
        "pk", "deal_id", "deal__customer_id", "bl_date", *people("deal__owner"))
    return [_cause(Kind.BL_TOLERANCE, f"shipment:{row['pk']}:bl", row, row["bl_date"] or today,
                   row["bl_date"] or today) for row in rows]


def off_spec_without_claim(today: date) -> list[Cause]:
    """Shipments whose standing assays have a result off spec with no quality claim raised on it."""
    off_spec = unclaimed_off_spec_results().filter(assay__shipment=OuterRef("pk"))
    rows = _open_shipments().filter(Exists(off_spec)).values(
        "pk", "deal_id", "deal__customer_id", *people("deal__owner"))
    return [_cause(Kind.OFF_SPEC, f"shipment:{row['pk']}:quality", row, today, today) for row in rows]


def demurrage_accruing(now: datetime) -> list[Cause]:
    """Port calls still working whose laytime has run out: every hour now costs demurrage."""
    statements = (LaytimeStatement.objects.filter(completed_at__isnull=True, shipment__finalised_at__isnull=True)
                  .select_related("shipment__deal__owner__team__manager").prefetch_related("exceptions"))
    causes = []
    for statement in statements:
        figures = statement_figures(statement, now)
        if figures is None or figures.expired_at is None:
            continue
        deal = statement.shipment.deal
        owner = deal.owner
        manager = owner.team.manager if owner.team and owner.team.manager else None
        day = timezone.localdate(figures.expired_at)
        causes.append(Cause(kind=Kind.DEMURRAGE, key=f"laytime:{statement.pk}", owner_id=owner.pk,
                            owner_active=owner.is_active,
                            manager_id=manager.pk if manager and manager.is_active else None,
                            due_on=day, late_since=day, customer_id=deal.customer_id, deal_id=deal.pk))
    return causes


def final_values_late(today: date) -> list[Cause]:
    """Cargoes discharged longer ago than the allowance with no final value confirmed."""
    cutoff = timezone.make_aware(datetime.combine(today - FINAL_VALUE_WITHIN, datetime.min.time()))
    rows = _open_shipments().filter(discharge_completed_at__lt=cutoff).values(
        "pk", "deal_id", "deal__customer_id", "discharge_completed_at", *people("deal__owner"))
    causes = []
    for row in rows:
        due_on = timezone.localdate(row["discharge_completed_at"]) + FINAL_VALUE_WITHIN
        causes.append(_cause(Kind.FINAL_VALUE, f"shipment:{row['pk']}:final", row, due_on, due_on))
    return causes


def execution_causes(now: datetime) -> list[Cause]:
    today = timezone.localdate(now)
    return [
        *nominations_due(today),
        *bl_outside_tolerance(today),
        *off_spec_without_claim(today),
        *demurrage_accruing(now),
        *final_values_late(today),
    ]
