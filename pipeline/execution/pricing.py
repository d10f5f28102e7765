"""What a cargo is worth once it is measured: the quality price adjustment, the quantity basis, the
contract's tolerance and the short-landing claim.

Pure functions on Decimals, worked by hand in tests/test_execution_pricing.py (the figures of
WORKED_EXAMPLES.md, sections 1 to 4). Prices stay unrounded through every step; money is rounded
to the cent only at the end of a line, as a trader checks it.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
KILOGRAM = Decimal("0.001")  # in tonnes, as shipments and invoice lines keep them


class RuleKind:
    """How a parameter moves the price (the values stored in PriceRule.kind)."""

    PRO_RATA = "pro_rata"  # price x actual / basis, e.g. coal on its calorific value
    PER_STEP = "per_step"  # a bonus or penalty per step of the parameter beyond a threshold


class Side:
    """Which side of the threshold a per-step rule acts on."""

    BELOW = "below"
    ABOVE = "above"


@dataclass(frozen=True)
class Limits:
    """A parameter's rejection limits: a result outside them makes the cargo rejectable."""

    minimum: Decimal | None = None
    maximum: Decimal | None = None

    def rejects(self, value: Decimal) -> bool:
        return (self.minimum is not None and value < self.minimum) or (
            self.maximum is not None and value > self.maximum
        )


@dataclass(frozen=True)
class PriceRule:
    """One price adjustment of a specification, as data.

    Pro rata: the price is multiplied by result / basis (basis = the typical value).
    Per step: for each `step` the result lies `side` of `basis` (the threshold), the price changes by
    `amount` (negative: a penalty); `whole_steps` counts a started step as whole ("per 0.1 % or part
    of it"), otherwise steps are pro rata ("per 1 %, pro rata")."""

    parameter: str
    kind: str
    basis: Decimal
    side: str = Side.BELOW
    step: Decimal = Decimal(1)
    amount: Decimal = Decimal(0)
    whole_steps: bool = False


@dataclass(frozen=True)
class AdjustmentLine:
    """What one rule did to the price per tonne, for the statement's lines."""

    parameter: str
    result: Decimal
    change: Decimal  # per tonne, unrounded; negative lowers the price
    steps: Decimal | None = None  # per-step rules: how many steps were counted

    @property
    def change_rounded(self) -> Decimal:
        return self.change.quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class AdjustedPrice:
    """The contract price after the quality adjustments, or why it cannot be priced."""

    base: Decimal
    lines: tuple[AdjustmentLine, ...]
    rejected: tuple[str, ...]  # parameters whose result is beyond the limits: flagged, not priced
    missing: tuple[str, ...]  # parameters a rule needs and the assay lacks

    @property
    def priced(self) -> bool:
        return not self.rejected and not self.missing

    @property
    def price(self) -> Decimal | None:
        """The adjusted price per tonne, unrounded (the value of a line multiplies this one)."""
        if not self.priced:
            return None
        return self.base + sum((line.change for line in self.lines), Decimal(0))

    @property
    def price_rounded(self) -> Decimal | None:
        price = self.price
        return None if price is None else price.quantize(CENT, ROUND_HALF_UP)


def rejected_parameters(results: Mapping[str, Decimal], limits: Mapping[str, Limits]) -> tuple[str, ...]:
    """The parameters whose result lies beyond the specification's rejection limits."""
    return tuple(code for code, value in results.items() if code in limits and limits[code].rejects(value))


def _steps(rule: PriceRule, result: Decimal) -> Decimal:
    beyond = rule.basis - result if rule.side == Side.BELOW else result - rule.basis
    if beyond <= 0:
        return Decimal(0)
    steps = beyond / rule.step
    return steps.to_integral_value(ROUND_CEILING) if rule.whole_steps else steps


def _line(rule: PriceRule, result: Decimal, price: Decimal) -> AdjustmentLine | None:
    """What `rule` does to `price` (the price so far) for this result; None when it changes nothing."""
    if rule.kind == RuleKind.PRO_RATA:
        change = price * result / rule.basis - price
        return AdjustmentLine(rule.parameter, result, change) if change else None
    steps = _steps(rule, result)
    return AdjustmentLine(rule.parameter, result, steps * rule.amount, steps) if steps else None


def adjusted_price(
    base_price: Decimal,
    rules: Sequence[PriceRule],
    results: Mapping[str, Decimal],
    limits: Mapping[str, Limits] | None = None,
) -> AdjustedPrice:
    """The price per tonne after the specification's rules, one line per rule that moved it.

    Pro rata rules apply first, each to the price so far (they multiply); per-step bonuses and
    penalties then add to it (they are amounts per tonne, whatever the price)."""
    lines: list[AdjustmentLine] = []
    price = base_price
    for rule in sorted(rules, key=lambda rule: rule.kind != RuleKind.PRO_RATA):
        line = _line(rule, results[rule.parameter], price) if rule.parameter in results else None
        if line is not None:
            lines.append(line)
            price += line.change
    return AdjustedPrice(
        base_price,
        tuple(lines),
        rejected=rejected_parameters(results, limits or {}),
        missing=tuple(rule.parameter for rule in rules if rule.parameter not in results),
    )


def dry_tonnes(wet_tonnes: Decimal, moisture_percent: Decimal) -> Decimal:
    """Wet metric tonnes less their moisture: the dry tonnes a price per dmt applies to."""
    return wet_tonnes * (1 - moisture_percent / HUNDRED)


def billed_dry_tonnes(wet_tonnes: Decimal, moisture_percent: Decimal) -> Decimal:
    """The dry tonnes a cargo is billed on before its final assay, to the kilogram the invoice line keeps: so
    that the line's tonnes x its price make its amount."""
    return dry_tonnes(wet_tonnes, moisture_percent).quantize(KILOGRAM, ROUND_HALF_UP)


def line_value(quantity: Decimal, price: Decimal) -> Decimal:
    """Quantity x price, rounded to the cent at the end of the line."""
    return (quantity * price).quantize(CENT, ROUND_HALF_UP)


def tolerance_range(contract_tonnes: Decimal, tolerance_percent: Decimal) -> tuple[Decimal, Decimal]:
    """The least and most a cargo may be under the contract's more-or-less clause."""
    margin = contract_tonnes * tolerance_percent / HUNDRED
    return contract_tonnes - margin, contract_tonnes + margin


def within_tolerance(contract_tonnes: Decimal, tolerance_percent: Decimal, tonnes: Decimal) -> bool:
    low, high = tolerance_range(contract_tonnes, tolerance_percent)
    return low <= tonnes <= high


@dataclass(frozen=True)
class Outturn:
    """The discharged quantity against the B/L: positive `short` is short-landed, negative over-landed."""

    bl_tonnes: Decimal
    outturn_tonnes: Decimal

    @property
    def short(self) -> Decimal:
        return self.bl_tonnes - self.outturn_tonnes

    @property
    def short_percent(self) -> Decimal:
        return self.short * HUNDRED / self.bl_tonnes

    @property
    def over(self) -> Decimal:
        """The tonnes over-landed (more discharged than the B/L states), or zero."""
        return max(-self.short, Decimal(0))

    @property
    def over_percent(self) -> Decimal:
        return self.over * HUNDRED / self.bl_tonnes

    def claimable_tonnes(self, allowance_percent: Decimal) -> Decimal:
        """The tonnes short beyond the contract's allowance (a franchise, not a threshold)."""
        allowance = self.bl_tonnes * allowance_percent / HUNDRED
        return max(self.short - allowance, Decimal(0))

    def claim(self, allowance_percent: Decimal, price: Decimal) -> Decimal:
        """The amount a short-landing claim asks: the claimable tonnes at the price per tonne."""
        return line_value(self.claimable_tonnes(allowance_percent), price)
