"""The follow-up reminders letters of credit call for, found by the hourly job (registered with
pipeline.reminders in this app's ready()): one query per kind, however many L/Cs."""

from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from pipeline.execution.models import Shipment
from pipeline.models import Deal, Outcome, Reminder
from pipeline.reminders import Cause, manager_of, people

from .models import LetterOfCredit
from .selectors import LC_TERMS

# Its kinds of reminder (pipeline.models.Reminder.Kind holds them, as the hourly job closes them).
LC_NOT_RECEIVED = Reminder.Kind.LC_NOT_RECEIVED
LC_EXPIRING = Reminder.Kind.LC_EXPIRING
LC_SHIPMENT = Reminder.Kind.LC_SHIPMENT_DATE
KINDS = (LC_NOT_RECEIVED, LC_EXPIRING, LC_SHIPMENT)

# A contract on L/C terms has its L/C this long before the laycan opens.
LC_NOTICE = timedelta(days=15)
# An L/C with documents not presented reminds at each of these days before its expiry.
EXPIRY_THRESHOLDS = (14, 7, 3)
# A latest shipment date this close with a lifting not loaded (no B/L) is at risk.
SHIPMENT_NOTICE = timedelta(days=7)

Status = LetterOfCredit.Status
RECEIVED_OR_LATER = [status for status in Status.values if status not in (Status.EXPECTED, Status.EXPIRED)]


def _cause(kind: str, key: str, row: dict, due_on: date, late_since: date) -> Cause:
    return Cause(kind=kind, key=key, owner_id=row["deal__owner_id"], owner_active=row["deal__owner__is_active"],
                 manager_id=manager_of(row, "deal__owner"), due_on=due_on, late_since=late_since,
                 customer_id=row["deal__customer_id"], deal_id=row["deal_id"])


def letters_of_credit_missing(today: date) -> list[Cause]:
    """Signed contracts on L/C terms whose laycan opens within the notice (or has opened and not closed)
    with no L/C received."""
    received = LetterOfCredit.objects.filter(deal=OuterRef("pk"), status__in=RECEIVED_OR_LATER)
    rows = (Deal.objects.filter(outcome=Outcome.WON, payment_terms__in=LC_TERMS,
                                laycan_start__lte=today + LC_NOTICE)
            .filter(Q(laycan_end__gte=today) | Q(laycan_end__isnull=True, laycan_start__gte=today))
            .filter(~Exists(received)).order_by().values("pk", "customer_id", "laycan_start", *people("owner")))
    return [
        Cause(kind=LC_NOT_RECEIVED, key=f"deal:{row['pk']}:lc", owner_id=row["owner_id"],
              owner_active=row["owner__is_active"], manager_id=manager_of(row, "owner"),
              due_on=row["laycan_start"] - LC_NOTICE, late_since=row["laycan_start"] - LC_NOTICE,
              customer_id=row["customer_id"], deal_id=row["pk"])
        for row in rows
    ]


def threshold_reached(days_left: int) -> int | None:
    """The nearest reminder threshold an expiry `days_left` away has reached: 14, 7 or 3 (None beyond 14).

    10 days -> 14; 7 -> 7; 5 -> 7; 3 -> 3; 0 (expires today) -> 3."""
    reached = [threshold for threshold in EXPIRY_THRESHOLDS if days_left <= threshold]
    return min(reached) if reached else None


def letters_of_credit_expiring(today: date) -> list[Cause]:
    """Received L/Cs with no documents presented that expire within 14 days: one cause per threshold
    reached, so that the reminder is raised again at 7 and at 3 days (the earlier one then closes)."""
    rows = (LetterOfCredit.objects.filter(status__in=(Status.RECEIVED, Status.AMENDED),
                                          expiry_date__range=(today, today + timedelta(days=max(EXPIRY_THRESHOLDS))))
            .order_by().values("pk", "deal_id", "deal__customer_id", "expiry_date", *people("deal__owner")))
    causes = []
    for row in rows:
        threshold = threshold_reached((row["expiry_date"] - today).days)
        # Escalated to the manager once the last threshold has been reached for the grace period.
        causes.append(_cause(LC_EXPIRING, f"lc:{row['pk']}:expiry:{threshold}", row, row["expiry_date"],
                             row["expiry_date"] - timedelta(days=min(EXPIRY_THRESHOLDS))))
    return causes


def latest_shipment_at_risk(today: date) -> list[Cause]:
    """L/Cs not yet presented whose latest shipment date is within the notice while the contract has a
    lifting with no B/L: the cargo may be loaded too late for the L/C."""
    loaded = (Shipment.objects.filter(deal=OuterRef("deal_id"), bl_date__isnull=False).order_by().values("deal")
              .annotate(count=Count("pk")).values("count"))
    rows = (LetterOfCredit.objects.filter(status__in=(Status.EXPECTED, Status.RECEIVED, Status.AMENDED),
                                          latest_shipment_date__range=(today, today + SHIPMENT_NOTICE))
            .annotate(loaded=Coalesce(Subquery(loaded), 0)).order_by()
            .values("pk", "deal_id", "deal__customer_id", "deal__liftings", "loaded", "latest_shipment_date",
                    *people("deal__owner")))
    return [_cause(LC_SHIPMENT, f"lc:{row['pk']}:shipment", row, row["latest_shipment_date"],
                   row["latest_shipment_date"] - SHIPMENT_NOTICE)
            for row in rows if row["loaded"] < row["deal__liftings"]]


def letter_of_credit_causes(now: datetime) -> list[Cause]:
    today = timezone.localdate(now)
    return [*letters_of_credit_missing(today), *letters_of_credit_expiring(today), *latest_shipment_at_risk(today)]
