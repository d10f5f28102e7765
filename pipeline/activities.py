"""Writes to the contact log (客户追踪): logging a visit or call, closing its next step, and keeping
each customer's "last contacted" and "next follow-up" in step with its activities."""

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max, Min, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.bounds import check_business_dates
from accounts.changes import figures_changed
from accounts.models import User
from accounts.services import RuleError
from customers import selectors as customer_selectors
from customers.models import Contact, Customer

from . import selectors
from .models import Activity

# A meeting booked for tomorrow morning may be logged tonight; anything later is a typing mistake.
FUTURE_ALLOWANCE = timedelta(days=1)


def refresh_customer_follow_up(customer_ids: Iterable[int] | QuerySet[Customer, Any]) -> int:
    """Set each customer's last contact (latest activity) and next follow-up (earliest open next
    step) from its activities, in one UPDATE whatever the number of customers.

    `customer_ids` may be a list or a queryset of ids, so a seeder or a nightly repair can pass
    them all at once. Returns the number of customers updated."""
    of_customer = Activity.objects.filter(customer=OuterRef("pk")).order_by().values("customer")
    latest = of_customer.annotate(latest=Max("happened_at")).values("latest")
    earliest_open = (
        of_customer.filter(next_step_done=False, next_step_due__isnull=False)
        .annotate(earliest=Min("next_step_due"))
        .values("earliest")
    )
    # A queryset update: neither a history row nor a new updated_at for what is derived data.
    return Customer.objects.filter(pk__in=customer_ids).update(
        last_contacted_at=Subquery(latest), next_follow_up_on=Subquery(earliest_open)
    )


def _check(activity: Activity, contacts: Iterable[Contact], by: User) -> None:
    if not customer_selectors.customers_visible_to(by).filter(pk=activity.customer_id).exists():
        raise RuleError(_("You can only log activities with customers you can see."))
    if activity.deal_id is not None:
        deal = selectors.deals_visible_to(by).filter(pk=activity.deal_id).select_related("customer").first()
        if deal is None:
            raise RuleError(_("You can only link a deal you can see."))
        if deal.customer_id != activity.customer_id:
            raise RuleError(
                _("This deal is with %(other)s, not %(customer)s: choose one of this customer's deals.")
                % {"other": deal.customer, "customer": activity.customer}
            )
    strangers = [contact.name for contact in contacts if contact.customer_id != activity.customer_id]
    if strangers:
        raise RuleError(
            ngettext("%(contacts)s is not a contact of %(customer)s.", "%(contacts)s are not contacts of %(customer)s.",
                     len(strangers))
            % {"contacts": ", ".join(strangers), "customer": activity.customer}
        )
    if activity.happened_at is None:
        raise RuleError(_("Say when the activity took place."))
    check_business_dates(activity, "happened_at", "next_step_due")
    if activity.happened_at > timezone.now() + FUTURE_ALLOWANCE:
        raise RuleError(_("An activity cannot be more than a day in the future."))
    if not activity.summary.strip():
        raise RuleError(_("Summarise what was said or done."))
    if activity.next_step_due is not None:
        if not activity.next_step.strip():
            raise RuleError(_("Say what the next step is, or leave its due date empty."))
        if activity.next_step_due < timezone.localtime(activity.happened_at).date():
            raise RuleError(_("The next step cannot be due before the activity took place."))


@transaction.atomic
def activity_log(*, activity: Activity, contacts: Iterable[Contact], by: User) -> Activity:
    """Log a new activity as `by`, or save changes to one; then refresh its customer's follow-up dates."""
    if not selectors.can_sell(by):
        raise RuleError(_("Your position does not log visits and calls."))
    contacts = list(contacts)
    customer_ids = {activity.customer_id}
    if activity.pk is None:
        activity.owner = by
    else:
        # The stored row, not the edited instance, says who logged it and with whom.
        stored = Activity.objects.select_for_update().only("owner", "customer").get(pk=activity.pk)
        if not selectors.can_change_activity(by, stored):
            raise RuleError(_("Only the person who logged an activity, their manager and the director change it."))
        activity.owner_id = stored.owner_id
        customer_ids.add(stored.customer_id)
    _check(activity, contacts, by)
    activity.summary = activity.summary.strip()
    activity.next_step = activity.next_step.strip()
    if not activity.next_step:
        activity.next_step_done = False
    activity.save()
    activity.contacts.set(contacts)
    refresh_customer_follow_up(customer_ids)
    figures_changed(days=[timezone.localtime(activity.happened_at).date()], people=[activity.owner_id])
    return activity


@transaction.atomic
def next_step_done(*, activity: Activity, by: User) -> Activity:
    """Mark the activity's next step done; its customer's next follow-up moves to the next open step."""
    if not selectors.can_take_next_step(by, activity):
        raise RuleError(_("Only the person who logged an activity, their manager and the director change it."))
    if not activity.next_step:
        raise RuleError(_("This activity has no next step."))
    # A conditional UPDATE: a double click or a second tab changes nothing twice.
    claimed = Activity.objects.filter(pk=activity.pk, next_step_done=False).update(next_step_done=True)
    if not claimed:
        raise RuleError(_("This next step is already done."))
    activity.next_step_done = True
    refresh_customer_follow_up([activity.customer_id])
    return activity
