"""The monthly tier job: suggest each customer's tier from its trailing 12 months and apply it.

The pipeline app (higher up) registers how to count signed sales; until it does, a customer's
estimated annual volume stands in. Everything is computed in one SQL query, and only customers
whose tier really changes are written, so a second run changes nothing.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Case, DecimalField, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User

from .models import Customer, Tier, TierChange, TierPolicy

# Adds `signed_amount` (base currency) and `signed_tonnes` over [since, now) to a customer queryset.
SalesAnnotator = Callable[[QuerySet, datetime], QuerySet]


def estimated_volume(customers: QuerySet, since: datetime) -> QuerySet:
    return customers.annotate(
        signed_amount=Value(Decimal(0), output_field=DecimalField(max_digits=18, decimal_places=2)),
        signed_tonnes=Coalesce(Sum("commodity_volumes__estimated_annual_tonnes"), 0, output_field=IntegerField()),
    )


_annotate_sales: SalesAnnotator = estimated_volume


def register_sales_source(annotate: SalesAnnotator) -> None:
    global _annotate_sales
    _annotate_sales = annotate


def with_suggested_tier(customers: QuerySet, *, now: datetime | None = None) -> QuerySet:
    now = now or timezone.now()
    policies = {policy.tier: policy for policy in TierPolicy.objects.all()}

    def qualifies(tier: str) -> Q:
        policy = policies[tier]
        return Q(signed_amount__gte=policy.min_signed_amount, signed_amount__gt=0) | Q(
            signed_tonnes__gte=policy.min_signed_tonnes
        )

    return _annotate_sales(customers, now - timedelta(days=365)).annotate(
        suggested_tier=Case(
            When(qualifies(Tier.HIGH), then=Value(Tier.HIGH.value)),
            When(qualifies(Tier.GENERAL), then=Value(Tier.GENERAL.value)),
            default=Value(Tier.LOW.value),
        )
    )


@transaction.atomic
def recompute_tiers(*, now: datetime | None = None, by: User | None = None) -> int:
    """Apply the suggested tier to every customer whose tier is not pinned; return how many changed.

    `by` is the director who asked for it ("Recompute tiers now"): the changes are recorded as theirs;
    without it, as the monthly job's."""
    changes = list(
        with_suggested_tier(Customer.objects.filter(tier_pinned=False), now=now)
        .exclude(tier=F("suggested_tier"))
        .values_list("pk", "tier", "suggested_tier")
    )
    code = TierChange.ReasonCode.RECOMPUTE if by else TierChange.ReasonCode.MONTHLY
    TierChange.objects.bulk_create(
        TierChange(customer_id=pk, from_tier=old, to_tier=new, changed_by=by, reason_code=code, reason="")
        for pk, old, new in changes
    )
    for tier in Tier.values:
        ids = [pk for pk, _old, new in changes if new == tier]
        if ids:
            # Guarded by tier_pinned again: a manager pinning meanwhile wins.
            Customer.objects.filter(pk__in=ids, tier_pinned=False).update(tier=tier)
    return len(changes)


def recompute_tiers_requested(*, user_id: int | None = None) -> int:
    """`recompute_tiers` for the job: with a user id (the director's button) the changes are recorded as
    theirs; without, as the monthly job's. Idempotent: only customers whose tier differs are written."""
    by = User.objects.filter(pk=user_id).first() if user_id is not None else None
    return recompute_tiers(by=by)
