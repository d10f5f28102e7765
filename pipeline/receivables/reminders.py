"""The follow-up reminder getting paid calls for, found by the hourly job (registered with
pipeline.reminders in this app's ready()): an invoice overdue, one query for all of them."""

from datetime import datetime, timedelta

from django.utils import timezone

from pipeline.models import Reminder
from pipeline.reminders import Cause, manager_of, people

from .models import Invoice
from .selectors import overdue_q

# An overdue invoice is the seller's to chase for a week, then their manager's too, and after a month
# the directors' as well (the schedule, not the pipeline's three days' grace).
MANAGER_AFTER = timedelta(days=7)
DIRECTORS_AFTER = timedelta(days=30)


def invoices_overdue(now: datetime) -> list[Cause]:
    """Invoices with money still owed past their due date, for the contract's owner: who works the deal
    now chases its money (the seller credited with the sale may have handed it over since). A cause closes
    when the invoice is paid or credited."""
    today = timezone.localdate(now)
    rows = (Invoice.objects.filter(overdue_q(today)).order_by()
            .values("pk", "deal_id", "deal__customer_id", "due_on", *people("deal__owner")))
    return [
        Cause(kind=Reminder.Kind.INVOICE_OVERDUE, key=f"invoice:{row['pk']}:overdue", owner_id=row["deal__owner_id"],
              owner_active=row["deal__owner__is_active"], manager_id=manager_of(row, "deal__owner"),
              due_on=row["due_on"], late_since=row["due_on"], customer_id=row["deal__customer_id"],
              deal_id=row["deal_id"], escalate_after=MANAGER_AFTER, directors_after=DIRECTORS_AFTER)
        for row in rows
    ]
