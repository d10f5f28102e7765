"""The quarter's forecast (业绩预测) and coverage (覆盖率), worked the way a director checks them by hand.

Forecast = signed so far + the open deals expected to sign within the period, each weighted by its
stage's probability. Coverage = that weighted pipeline / the target still to reach. Open deals with no
expected signing date or one already past, and those expected after the period, are no part of it:
the scorecards keep them apart (see `kpis.pipeline_cut_off`)."""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from pipeline.models import STAGE_PROBABILITY, Stage

PERCENT = Decimal("0.1")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Forecast:
    signed: Decimal  # signed so far in the period
    weighted: Decimal  # the period's open deals x their stage's probability
    forecast: Decimal  # signed + weighted
    target: Decimal | None  # None: no sales target set
    percent: Decimal | None  # forecast / target, in % to one decimal
    remaining: Decimal | None  # target - signed, never below 0
    coverage: Decimal | None  # weighted / remaining, in %; None without a target or once it is reached


def percent(part: Decimal, whole: Decimal) -> Decimal:
    return (part * 100 / whole).quantize(PERCENT, rounding=ROUND_HALF_UP)


def weigh(open_by_stage: Mapping[Stage, Decimal]) -> Decimal:
    """Open amounts per stage x the stage's probability (60 %, 25 %, 10 %), rounded to cents."""
    total = sum((Decimal(amount) * STAGE_PROBABILITY[stage] for stage, amount in open_by_stage.items()), Decimal(0))
    return total.quantize(CENT, rounding=ROUND_HALF_UP)


def forecast_of(*, signed: Decimal, weighted: Decimal, target: Decimal | None) -> Forecast:
    """The forecast from its parts: signed so far, the period's weighted pipeline and the target."""
    signed, weighted = Decimal(signed), Decimal(weighted)
    forecast = signed + weighted
    if not target:
        return Forecast(signed=signed, weighted=weighted, forecast=forecast, target=None, percent=None,
                        remaining=None, coverage=None)
    target = Decimal(target)
    remaining = max(target - signed, Decimal(0))
    return Forecast(signed=signed, weighted=weighted, forecast=forecast, target=target,
                    percent=percent(forecast, target), remaining=remaining,
                    coverage=percent(weighted, remaining) if remaining else None)


def quarter_forecast(signed: Decimal, open_by_stage: Mapping[Stage, Decimal], target: Decimal | None) -> Forecast:
    """WORKED_EXAMPLES 6: 30,000,000 signed, 20,000,000 in negotiation, 10,000,000 in customer development
    and 8,000,000 in market research expected this quarter, target 50,000,000 -> 45,300,000, 90.6 % of the
    target, coverage 15,300,000 / 20,000,000 = 76.5 %. `open_by_stage` holds only the deals expected to
    sign in the quarter."""
    return forecast_of(signed=signed, weighted=weigh(open_by_stage), target=target)
