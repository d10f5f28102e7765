"""The band arithmetic of a commission plan (WORKED_EXAMPLES.md §7): pure functions on Decimals.

A plan's bands are thresholds of attainment of the person's amount target, each with a multiplier;
a band runs from its threshold to the next one's (the top band has no end). A sale is split into the
parts that fall in each band, given what was already credited before it (marginal, not retroactive):
with a 10,000,000 target and 9,000,000 already credited, a 3,000,000 sale is 1,000,000 in 50-100 %
and 2,000,000 in 100-120 %. Below the lowest band nothing is earned (multiplier 0).

Rules chosen where the plan says nothing:
- No target (none set, or 0): there is no attainment, so no accelerator either: the whole sale is
  paid at x1.0 (a plan without bands is the same). Withholding everything would punish a person
  for a target the manager forgot to set.
- Tonnes follow the amount: a part of the sale holds the same fraction of the contract's tonnes as
  of its amount, so a per-tonne rate is accelerated in the same bands as the percentage.
- Each band's earning is rounded to the cent (ROUND_HALF_UP); a line's earning is the sum of its
  bands' and a statement's total the sum of its lines', so every figure adds up by hand.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ONE = Decimal(1)
ZERO = Decimal(0)

# (from_percent, multiplier), in any order.
Bands = Sequence[tuple[Decimal, Decimal]]


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class BandPart:
    """The part of a sale in one band: from/to are attainment thresholds in % (to None: the top band;
    both None: no target, x1.0)."""

    from_percent: Decimal | None
    to_percent: Decimal | None
    amount: Decimal
    multiplier: Decimal


def split_sale(before: Decimal, amount: Decimal, target: Decimal | None, bands: Bands) -> list[BandPart]:
    """The parts of a sale of `amount`, made when `before` was already credited, in each band it falls
    in (lowest first; a part below the lowest band has multiplier 0). Parts sum to `amount` exactly."""
    if amount <= 0:
        return []
    if not target or target <= 0 or not bands:
        return [BandPart(None, None, amount, ONE)]
    ordered = sorted(bands)
    # The money thresholds: below the first band, then each band up to the next one's threshold.
    edges: list[tuple[Decimal | None, Decimal | None, Decimal, Decimal | None, Decimal]] = []
    first = ordered[0][0]
    if first > 0:
        edges.append((ZERO, first, ZERO, target * first / HUNDRED, ZERO))
    for index, (threshold, multiplier) in enumerate(ordered):
        following = ordered[index + 1][0] if index + 1 < len(ordered) else None
        edges.append((threshold, following, target * threshold / HUNDRED,
                      None if following is None else target * following / HUNDRED, multiplier))
    parts: list[BandPart] = []
    after = before + amount
    for from_percent, to_percent, low, high, multiplier in edges:
        start = max(before, low)
        end = after if high is None else min(after, high)
        if end > start:
            parts.append(BandPart(from_percent, to_percent, end - start, multiplier))
    return parts


@dataclass(frozen=True)
class BandEarning:
    """One band's part of a contract line: its amount and tonnes, and what it earned."""

    part: BandPart
    tonnes: Decimal
    earned: Decimal

    def as_json(self) -> dict[str, str | None]:
        """As StatementLine.bands stores it."""
        return {"from": _text(self.part.from_percent), "to": _text(self.part.to_percent),
                "amount": str(cents(self.part.amount)), "tonnes": str(cents(self.tonnes)),
                "multiplier": str(self.part.multiplier), "earned": str(self.earned)}


def _text(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return str(value.quantize(ONE) if value == value.to_integral() else value.normalize())


def band_earnings(parts: Sequence[BandPart], *, amount: Decimal, tonnes: Decimal, percent: Decimal,
                  per_tonne: Decimal) -> list[BandEarning]:
    """What each part earns: `percent` of its amount plus `per_tonne` on its share of the tonnes, times
    its band's multiplier, to the cent."""
    earnings = []
    for part in parts:
        part_tonnes = tonnes * part.amount / amount if amount else ZERO
        base = part.amount * percent / HUNDRED + part_tonnes * per_tonne
        earnings.append(BandEarning(part, part_tonnes, cents(base * part.multiplier)))
    return earnings


def multiplier_label(value: Decimal) -> str:
    """"1.0", "1.5", "1.125": at least one decimal, no trailing zeros after it."""
    text = f"{value.normalize():f}"
    return text if "." in text else f"{text}.0"


def line_multiplier(earnings: Sequence[BandEarning]) -> Decimal | None:
    """The multiplier shown on a line: its band's, or the amount-weighted mean when it straddles bands
    (e.g. 1,000,000 x1.0 + 2,000,000 x1.5 = x1.333)."""
    total = sum((earning.part.amount for earning in earnings), ZERO)
    if not total:
        return None
    if len({earning.part.multiplier for earning in earnings}) == 1:
        return earnings[0].part.multiplier
    weighted = sum((earning.part.amount * earning.part.multiplier for earning in earnings), ZERO)
    return (weighted / total).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def commission(*, before: Decimal, amount: Decimal, tonnes: Decimal, target: Decimal | None, bands: Bands,
               percent: Decimal, per_tonne: Decimal) -> tuple[Decimal, list[BandEarning]]:
    """A sale's commission, and its band earnings (whose sum it is)."""
    earnings = band_earnings(split_sale(before, amount, target, bands), amount=amount, tonnes=tonnes,
                             percent=percent, per_tonne=per_tonne)
    return sum((earning.earned for earning in earnings), ZERO), earnings


def share_of(value: Decimal, share_percent: Decimal) -> Decimal:
    """A seller's share (%) of a contract's amount or tonnes, to the cent. The two shares of a split are
    computed as one share and the rest, so they add up to the whole."""
    return cents(value * share_percent / HUNDRED)
