"""Transfers (转移): the only way a customer or a deal changes owner. Each is recorded on the record's
timeline (from, to, who, when, why) and lands in the new owner's inbox at once.

Credit: a signed deal's sale stays credited to the owner at signing (`Deal.credited_to`), so a
transfer after signing moves the follow-up work, not the sale; an open deal transferred before
signing is credited to whoever owns it when it signs."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.changes import figures_changed
from accounts.models import User
from accounts.services import RuleError
from customers.models import Customer

from .models import Deal, Outcome, Reminder, Transfer
from .notifications import assigned
from .reminders import close_for_cause, close_for_causes


def _check(*, owner: User, to_user: User, by: User, reason: str) -> None:
    if not access.can_transfer(by, owner):
        raise RuleError(_("Only the owner's manager or a director transfers a customer or a deal."))
    if not access.transfer_candidates(by).filter(pk=to_user.pk).exists():
        raise RuleError(_("You can only transfer to an active seller you manage."))
    if owner.pk == to_user.pk:
        raise RuleError(_("%(name)s already owns it.") % {"name": to_user})
    if not reason.strip():
        raise RuleError(_("Say why it is transferred."))


def _deals_transfer(deals: list[Deal], *, to_user: User, by: User, reason: str) -> list[Transfer]:
    """Give deals to another seller, a transfer recorded for each, in the same few queries for one or many."""
    if not deals:
        return []
    transfers = Transfer.objects.bulk_create([
        Transfer(deal=deal, from_owner_id=deal.owner_id, to_owner=to_user, by=by, reason=reason.strip())
        for deal in deals
    ])
    # The version moves too, so a form opened before the transfer cannot write the old owner back.
    Deal.objects.filter(pk__in=[deal.pk for deal in deals]).update(
        owner=to_user, version=F("version") + 1, updated_at=timezone.now())
    assigned(recipient=to_user, by=by, kind=Reminder.Kind.TRANSFER, subjects_by_cause={
        f"transfer:{transfer.pk}": {"deal_id": deal.pk, "customer_id": deal.customer_id}
        for deal, transfer in zip(deals, transfers, strict=True)
    })
    # The former owners' reminders about the deals are no longer theirs to act on.
    close_for_causes([f"deal:{deal.pk}:{suffix}" for deal in deals for suffix in ("laycan", "signing")],
                     resolution=Reminder.Resolution.HANDED_OVER, recipients={deal.owner_id for deal in deals})
    return transfers


@transaction.atomic
def deal_transfer(*, deal: Deal, to_user: User, by: User, reason: str) -> Transfer:
    """Give a deal to another seller, with a reason."""
    deal = Deal.objects.select_for_update().select_related("owner").get(pk=deal.pk)
    _check(owner=deal.owner, to_user=to_user, by=by, reason=reason)
    [transfer] = _deals_transfer([deal], to_user=to_user, by=by, reason=reason)
    # Open deals count in the new owner's pipeline now; a signing stays with `credited_to`.
    figures_changed(people=[deal.owner_id, to_user.pk])
    return transfer


@transaction.atomic
def customer_transfer(*, customer: Customer, to_user: User, by: User, reason: str,
                      with_open_deals: bool = True) -> Transfer:
    """Give a customer to another seller, with a reason; its open deals follow when asked (each one
    recorded as a transfer of its own). Signed and lost deals stay with their owners."""
    customer = Customer.objects.select_for_update().select_related("owner").get(pk=customer.pk)
    _check(owner=customer.owner, to_user=to_user, by=by, reason=reason)
    transfer = Transfer.objects.create(customer=customer, from_owner_id=customer.owner_id, to_owner=to_user, by=by,
                                       reason=reason.strip())
    Customer.objects.filter(pk=customer.pk).update(owner=to_user)
    assigned(recipient=to_user, by=by, kind=Reminder.Kind.TRANSFER,
             subjects_by_cause={f"transfer:{transfer.pk}": {"customer_id": customer.pk}})
    close_for_cause(f"customer:{customer.pk}", resolution=Reminder.Resolution.HANDED_OVER,
                    recipients=[customer.owner_id])
    if with_open_deals:
        deals = Deal.objects.select_for_update().filter(customer=customer, outcome=Outcome.OPEN,
                                                        owner_id=customer.owner_id)
        _deals_transfer(list(deals), to_user=to_user, by=by, reason=reason)
    figures_changed(people=[customer.owner_id, to_user.pk])
    return transfer
