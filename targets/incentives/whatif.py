"""What an open deal would earn its owner if signed now at its current terms (the deal page's what-if):
the plan of this quarter that applies to the owner, the owner's credited sales so far in the quarter
and their amount target, and the same band arithmetic as the statements (bands.py).

It is an estimate: the sales so far are the signed ones whatever the plan's basis (under "when shipped"
the band is reached as the cargo ships), and a new-customer bonus, the gate and the cap are left to the
statement. Two queries: the applicable plans with the figures, then the chosen plan's bands."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.utils import timezone

from pipeline.models import Deal, Outcome

from ..models import RepTarget
from ..periods import quarter_bounds, quarter_of
from .bands import HUNDRED, ZERO, BandEarning, cents, commission, line_multiplier
from .compute import SHARE_MONEY, split_parts
from .models import IncentivePlan, PlanRate


@dataclass(frozen=True)
class WhatIf:
    plan: IncentivePlan
    share: Decimal  # the owner's share (%) of the deal
    amount: Decimal  # that share of the deal's amount in the base currency
    tonnes: Decimal
    per_tonne: Decimal | None
    credited_so_far: Decimal
    target: Decimal | None
    earnings: list[BandEarning]
    earned: Decimal

    @property
    def multiplier(self) -> Decimal | None:
        return line_multiplier(self.earnings)

    @property
    def attainment_before(self) -> Decimal | None:
        return (self.credited_so_far * HUNDRED / self.target).quantize(Decimal("0.1")) if self.target else None

    @property
    def attainment_after(self) -> Decimal | None:
        if not self.target:
            return None
        return ((self.credited_so_far + self.amount) * HUNDRED / self.target).quantize(Decimal("0.1"))


def _summed(queryset: QuerySet[Any], group: str, total: Sum) -> Subquery:
    """One row's sum as a subquery (grouped by a column the filter holds constant)."""
    return Subquery(queryset.order_by().values(group).annotate(total=total).values("total")[:1])


def deal_what_if(deal: Deal, today: date | None = None) -> WhatIf | None:
    """The commission the deal's owner would earn on it if it were signed today; None for a deal not
    open, or when no plan of this quarter applies to its owner."""
    if deal.outcome != Outcome.OPEN:
        return None
    owner = deal.owner
    year, quarter = quarter_of(today or timezone.localdate())
    start, end = quarter_bounds(year, quarter)
    signed = Deal.objects.filter(outcome=Outcome.WON, signed_on__range=(start, end))
    credited_part = ExpressionWrapper(F("amount_base") * (Value(HUNDRED) - F("co_seller_share")) / Value(HUNDRED),
                                      output_field=SHARE_MONEY)
    co_part = ExpressionWrapper(F("amount_base") * F("co_seller_share") / Value(HUNDRED), output_field=SHARE_MONEY)
    plan_teams = IncentivePlan.teams.through.objects.filter(incentiveplan=OuterRef("pk"))
    plans = (IncentivePlan.objects.filter(year=year, quarter=quarter)
             .filter(~Q(Exists(plan_teams)) | Q(Exists(plan_teams.filter(team=owner.team_id))))
             .annotate(rate=Subquery(PlanRate.objects.filter(plan=OuterRef("pk"), commodity=deal.commodity_id)
                                     .values("per_tonne")[:1]),
                       credited=_summed(signed.filter(credited_to=owner.pk), "credited_to", Sum(credited_part)),
                       co_credited=_summed(signed.filter(co_seller=owner.pk), "co_seller", Sum(co_part)),
                       target=_summed(RepTarget.objects.filter(rep=owner.pk, team_target__year=year,
                                                               team_target__quarter=quarter),
                                      "rep", Sum("sales_amount")))
             .order_by("name", "pk"))
    plan = next((plan for plan in plans if owner.position in plan.positions), None)
    if plan is None:
        return None
    bands = list(plan.bands.values_list("from_percent", "multiplier"))
    so_far = cents((plan.credited or ZERO) + (plan.co_credited or ZERO))
    amount, tonnes = split_parts(deal.amount_base, deal)[0], split_parts(deal.quantity_tonnes, deal)[0]
    per_tonne = plan.rate
    target = plan.target or None
    earned, earnings = commission(before=so_far, amount=amount, tonnes=tonnes, target=target, bands=bands,
                                  percent=plan.percent_of_amount, per_tonne=per_tonne or ZERO)
    share = HUNDRED - deal.co_seller_share if deal.co_seller_id else HUNDRED
    return WhatIf(plan=plan, share=share, amount=amount, tonnes=tonnes, per_tonne=per_tonne, credited_so_far=so_far,
                  target=target, earnings=earnings, earned=earned)
