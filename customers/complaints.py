"""Writes to complaints (客户投诉): record, move through statuses, comment, reassign; and whether one is overdue
(the lists' overdue queries are in selectors)."""

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.bounds import check_business_date
from accounts.changes import figures_changed
from accounts.choices import display
from accounts.models import User
from accounts.services import RuleError

from . import selectors
from .models import Complaint, ComplaintEvent, Contact, Customer

Status = Complaint.Status
Severity = Complaint.Severity

# Who hears at once that a complaint was given to someone (the pipeline's inbox registers in its ready()):
# called with the complaint and who gave it, inside the transaction that assigned it.
_assigned_hooks: list[Callable[[Complaint, User], None]] = []


def register_assigned_hook(hook: Callable[[Complaint, User], None]) -> None:
    if hook not in _assigned_hooks:
        _assigned_hooks.append(hook)


def _assigned(complaint: Complaint, by: User) -> None:
    for hook in _assigned_hooks:
        hook(complaint, by)


class Deadlines(NamedTuple):
    respond: timedelta
    resolve: timedelta


# How long customer service has, from receipt, to first respond and to resolve, by severity.
DEADLINES: dict[str, Deadlines] = {
    Severity.CRITICAL: Deadlines(respond=timedelta(hours=4), resolve=timedelta(days=2)),
    Severity.HIGH: Deadlines(respond=timedelta(hours=8), resolve=timedelta(days=5)),
    Severity.MEDIUM: Deadlines(respond=timedelta(hours=24), resolve=timedelta(days=10)),
    Severity.LOW: Deadlines(respond=timedelta(hours=72), resolve=timedelta(days=20)),
}

# The status moves allowed, from each status.
MOVES: dict[str, tuple[str, ...]] = {
    Status.OPEN: (Status.INVESTIGATING, Status.RESOLVED),
    Status.INVESTIGATING: (Status.RESOLVED,),
    Status.RESOLVED: (Status.CLOSED, Status.INVESTIGATING),
    Status.CLOSED: (Status.INVESTIGATING,),
}
# Received times this far ahead of the server's clock are taken as typed, not as a mistake.
CLOCK_SKEW = timedelta(minutes=5)


def allowed_moves(status: str) -> tuple[str, ...]:
    return MOVES.get(status, ())


def is_reopening(from_status: str, to_status: str) -> bool:
    return from_status in (Status.RESOLVED, Status.CLOSED) and to_status == Status.INVESTIGATING


def deadlines_for(severity: str, received_at: datetime) -> tuple[datetime, datetime]:
    """(respond by, resolve by) for a complaint of `severity` received at `received_at`."""
    deadlines = DEADLINES[severity]
    return received_at + deadlines.respond, received_at + deadlines.resolve


# --- Overdue ----------------------------------------------------------------------------------


def response_overdue(complaint: Complaint, now: datetime) -> bool:
    return complaint.status == Status.OPEN and complaint.responded_at is None and complaint.respond_by < now


def resolution_overdue(complaint: Complaint, now: datetime) -> bool:
    return complaint.status in selectors.ACTIVE and complaint.resolve_by < now


def is_overdue(complaint: Complaint, now: datetime) -> bool:
    """The same rule as `selectors.overdue_q`, for one complaint already loaded."""
    return response_overdue(complaint, now) or resolution_overdue(complaint, now)


# --- Who handles complaints -----------------------------------------------------------------------


def _check_assignee(assignee: User) -> None:
    if not assignee.is_active:
        raise RuleError(_("%(name)s is deactivated and cannot handle complaints.") % {"name": assignee})
    if not selectors.can_handle_complaints(assignee):
        raise RuleError(
            _("Complaints are handled by customer service: %(name)s is not in customer service.") % {"name": assignee}
        )


def _label(status: str) -> str:
    return str(dict(Status.choices).get(status, status))


def _locked(complaint: Complaint) -> Complaint:
    """The complaint's current row, locked until the transaction ends (where the database can lock rows)."""
    return Complaint.objects.select_for_update().get(pk=complaint.pk)


def _save(complaint: Complaint, *, by: User, fields: list[str]) -> None:
    complaint._history_user = by  # the history says who, in a request, a task or a command alike
    complaint.save(update_fields=fields)


def _copy(source: Complaint, target: Complaint, fields: list[str]) -> None:
    """Keep the caller's instance in step with what was saved."""
    for field in fields:
        setattr(target, field, getattr(source, field))


# --- Services -----------------------------------------------------------------------------------


@transaction.atomic
def complaint_record(
    *,
    customer: Customer,
    contact: Contact | None,
    category: str,
    severity: str,
    channel: str,
    description: str,
    contract_number: str,
    claimed_amount: Decimal | None,
    claimed_currency: str,
    assignee: User,
    received_at: datetime,
    by: User,
) -> Complaint:
    """Record a customer's complaint, with its deadlines set from its severity."""
    if not selectors.can_record_complaint(by):
        raise RuleError(_("Your position does not record complaints."))
    if not selectors.customers_visible_to(by).filter(pk=customer.pk).exists():
        raise RuleError(_("You can only record complaints of customers you can see."))
    if contact is not None and contact.customer_id != customer.pk:
        raise RuleError(
            _("%(contact)s is not a contact of %(customer)s.") % {"contact": contact, "customer": customer}
        )
    _check_assignee(assignee)
    if not description.strip():
        raise RuleError(_("Describe the complaint."))
    currency = claimed_currency.strip().upper()
    if claimed_amount is not None:
        if claimed_amount <= 0:
            raise RuleError(_("A claimed amount must be more than zero."))
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise RuleError(_("Give the currency of the claimed amount as a three-letter code, e.g. USD or CNY."))
    elif currency:
        raise RuleError(_("Give the claimed amount, or leave the currency empty."))
    check_business_date(received_at, label=_("Received"))
    if received_at > timezone.now() + CLOCK_SKEW:
        raise RuleError(_("A complaint cannot be received in the future."))
    respond_by, resolve_by = deadlines_for(severity, received_at)
    complaint = Complaint(
        customer=customer,
        contact=contact,
        category=category,
        severity=severity,
        channel=channel,
        description=description.strip(),
        contract_number=contract_number.strip(),
        claimed_amount=claimed_amount,
        claimed_currency=currency,
        assignee=assignee,
        recorded_by=by,
        received_at=received_at,
        respond_by=respond_by,
        resolve_by=resolve_by,
    )
    complaint._history_user = by
    complaint.save()
    ComplaintEvent.objects.create(complaint=complaint, kind=ComplaintEvent.Kind.RECORDED, to_status=Status.OPEN, by=by)
    _assigned(complaint, by)
    figures_changed(days=[timezone.localdate(received_at)], people=[customer.owner_id])  # complaints received
    return complaint


@transaction.atomic
def complaint_transition(*, complaint: Complaint, to_status: str, by: User, text: str = "", settlement: str = "",
                         settled_amount: Decimal | None = None) -> Complaint:
    """Move a complaint from the status the caller saw (`complaint.status`) to `to_status`.

    `text` is the resolution when resolving, the reason when reopening, a note otherwise; a claim
    resolved says how it was settled (`settlement`) and, for money given back, how much.
    """
    seen = complaint.status
    text = text.strip()
    if not selectors.can_work_complaint(by, complaint):
        raise RuleError(_("Only customer service, the director and the assignee move a complaint along."))
    if to_status not in allowed_moves(seen):
        raise RuleError(
            _("A complaint cannot move from %(from)s to %(to)s.")
            % {"from": _label(seen), "to": _label(to_status)}
        )
    if to_status == Status.RESOLVED and not text:
        raise RuleError(_("Describe the resolution to resolve the complaint."))
    if is_reopening(seen, to_status) and not text:
        raise RuleError(_("Give the reason for reopening the complaint."))
    if to_status == Status.RESOLVED:
        _check_settlement(settlement, settled_amount)
    # Of two people moving the same complaint from the same status at once, the second finds the
    # row changed once the first commits, and is refused rather than moving it twice.
    current = _locked(complaint)
    if current.status != seen:
        raise RuleError(
            _("Someone else changed this complaint meanwhile: it is now %(status)s. Check it and try again.")
            % {"status": display(current, "status")}
        )
    now = timezone.now()
    current.status = to_status
    if seen == Status.OPEN and current.responded_at is None:
        current.responded_at = now
    if to_status == Status.RESOLVED:
        current.resolution = text
        current.resolved_at = now
        current.settlement, current.settled_amount = settlement, settled_amount
    if is_reopening(seen, to_status):
        current.resolved_at = None
    fields = ["status", "responded_at", "resolved_at", "resolution", "settlement", "settled_amount"]
    _save(current, by=by, fields=fields)
    ComplaintEvent.objects.create(
        complaint=current, kind=ComplaintEvent.Kind.STATUS, from_status=seen, to_status=to_status, text=text, by=by
    )
    if to_status == Status.RESOLVED or is_reopening(seen, to_status):
        # Resolved on time or not, counted in the month it was received, for the customer's owner.
        owner = Customer.objects.filter(pk=current.customer_id).values_list("owner_id", flat=True).first()
        figures_changed(days=[timezone.localdate(current.received_at)], people=[owner])
    _copy(current, complaint, fields)
    return complaint


def _check_settlement(settlement: str, settled_amount: Decimal | None) -> None:
    if settlement and settlement not in Complaint.Settlement.values:
        raise RuleError(_("Choose how the complaint was settled from the list."))
    if settled_amount is not None and settled_amount < 0:
        raise RuleError(_("A settled amount cannot be negative."))
    if settled_amount is None and settlement in (Complaint.Settlement.CREDIT_NOTE, Complaint.Settlement.DISCOUNT):
        raise RuleError(_("Give the amount of the credit note or price discount."))
    if settled_amount is not None and not settlement:
        raise RuleError(_("Say how the complaint was settled, or leave the settled amount empty."))


@transaction.atomic
def complaint_comment(*, complaint: Complaint, by: User, text: str) -> ComplaintEvent:
    """Add a comment to the timeline; customer service's or the assignee's first one is the first response."""
    text = text.strip()
    if not text:
        raise RuleError(_("Write the comment first."))
    if not selectors.can_record_complaint(by):
        raise RuleError(_("Your position does not comment on complaints."))
    if complaint.responded_at is None and selectors.counts_as_response(by, complaint):
        current = _locked(complaint)
        if current.responded_at is None:
            current.responded_at = timezone.now()
            _save(current, by=by, fields=["responded_at"])
        _copy(current, complaint, ["responded_at"])
    return ComplaintEvent.objects.create(complaint=complaint, kind=ComplaintEvent.Kind.COMMENT, text=text, by=by)


@transaction.atomic
def complaint_assign(*, complaint: Complaint, assignee: User, by: User) -> Complaint:
    """Give the complaint to another customer service colleague."""
    if not selectors.can_reassign_complaint(by):
        raise RuleError(_("Only customer service and the director reassign complaints."))
    _check_assignee(assignee)
    current = _locked(complaint)
    if current.assignee_id == assignee.pk:
        raise RuleError(_("%(name)s already handles this complaint.") % {"name": assignee})
    current.assignee = assignee
    _save(current, by=by, fields=["assignee"])
    # The event keeps the name as it was, like the rest of the timeline.
    ComplaintEvent.objects.create(complaint=current, kind=ComplaintEvent.Kind.ASSIGNED, text=str(assignee), by=by)
    _assigned(current, by)
    complaint.assignee = assignee
    return complaint
