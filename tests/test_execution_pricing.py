"""Quality price adjustments, quantity basis, tolerance and short-landing claims, worked by hand
(WORKED_EXAMPLES.md, sections 1 to 4, and cases of our own worked the same way)."""

from decimal import Decimal as D

import pytest

from pipeline.execution.pricing import (
    Limits,
    Outturn,
    PriceRule,
    RuleKind,
    Side,
    adjusted_price,
    dry_tonnes,
    line_value,
    tolerance_range,
    within_tolerance,
)

COAL_NAR = PriceRule("nar", RuleKind.PRO_RATA, basis=D(5500))
COAL_LIMITS = {"nar": Limits(minimum=D(5000)), "tm": Limits(maximum=D(15))}
FE_PENALTY = PriceRule("fe", RuleKind.PER_STEP, basis=D("62.0"), side=Side.BELOW, step=D(1), amount=D("-1.50"))
SIO2_PENALTY = PriceRule("sio2", RuleKind.PER_STEP, basis=D("4.5"), side=Side.ABOVE, step=D("0.1"),
                         amount=D("-0.10"), whole_steps=True)


# --- 1. Quantity within tolerance ----------------------------------------------------------------


def test_the_tolerance_range_of_60000_t_plus_or_minus_10_percent_is_54000_to_66000():
    assert tolerance_range(D(60000), D(10)) == (D(54000), D(66000))


@pytest.mark.parametrize(("tonnes", "within"), [
    (D(54000), True), (D(66000), True), (D(60000), True), (D(53900), False), (D(66100), False)])
def test_a_bl_quantity_is_within_the_contract_only_inside_its_tolerance(tonnes, within):
    assert within_tolerance(D(60000), D(10), tonnes) is within


# --- 2. Coal: price pro rata on calorific value --------------------------------------------------


def test_coal_at_5350_nar_is_priced_pro_rata_to_9319_and_its_outturn_value_is_rounded_at_the_end():
    adjusted = adjusted_price(D("95.80"), [COAL_NAR], {"nar": D(5350), "tm": D(12)}, COAL_LIMITS)
    assert adjusted.priced
    assert adjusted.price_rounded == D("93.19")
    # 95.80 x 5,350 / 5,500 = 93.1872727...; the line's value multiplies the unrounded price.
    assert line_value(D(59640), adjusted.price) == D("5557688.95")
    [line] = adjusted.lines
    assert (line.parameter, line.result, line.change_rounded, line.steps) == ("nar", D(5350), D("-2.61"), None)


def test_coal_at_4950_nar_is_rejectable_flagged_and_not_priced():
    adjusted = adjusted_price(D("95.80"), [COAL_NAR], {"nar": D(4950)}, COAL_LIMITS)
    assert adjusted.rejected == ("nar",)
    assert not adjusted.priced
    assert adjusted.price is None and adjusted.price_rounded is None


def test_a_result_beyond_a_limit_without_a_price_rule_still_rejects_the_cargo():
    adjusted = adjusted_price(D("95.80"), [COAL_NAR], {"nar": D(5500), "tm": D("15.1")}, COAL_LIMITS)
    assert adjusted.rejected == ("tm",)
    assert adjusted.price is None


def test_coal_above_its_typical_value_earns_more_pro_rata():
    # 95.80 x 5,600 / 5,500 = 97.5418181... -> 97.54
    assert adjusted_price(D("95.80"), [COAL_NAR], {"nar": D(5600)}).price_rounded == D("97.54")


def test_coal_exactly_at_its_typical_value_has_no_adjustment_line():
    adjusted = adjusted_price(D("95.80"), [COAL_NAR], {"nar": D(5500)})
    assert adjusted.lines == ()
    assert adjusted.price == D("95.80")


def test_a_rule_whose_parameter_was_not_assayed_leaves_the_cargo_unpriced():
    adjusted = adjusted_price(D("95.80"), [COAL_NAR], {"tm": D(12)})
    assert adjusted.missing == ("nar",)
    assert adjusted.price is None


# --- 3. Iron ore: penalties per unit, dry tonnes -------------------------------------------------


def test_iron_ore_penalties_per_unit_make_9850_per_dmt_on_54900_dmt():
    adjusted = adjusted_price(D("100.00"), [FE_PENALTY, SIO2_PENALTY], {"fe": D("61.2"), "sio2": D("4.75")})
    fe, sio2 = adjusted.lines
    # Fe: 0.8 % below 62 x 1.50 pro rata = 1.20 off.
    assert (fe.parameter, fe.steps, fe.change) == ("fe", D("0.8"), D("-1.20"))
    # SiO2: 0.25 % above 4.5 = 2.5 steps of 0.1 %, "or part of it" makes 3: 0.30 off.
    assert (sio2.parameter, sio2.steps, sio2.change) == ("sio2", D(3), D("-0.30"))
    assert adjusted.price == D("98.50")
    dry = dry_tonnes(D(60000), D("8.5"))
    assert dry == D(54900)
    assert line_value(dry, adjusted.price) == D("5407650.00")


@pytest.mark.parametrize(("sio2", "penalty"), [
    (D("4.5"), D(0)),  # at the threshold: nothing
    (D("4.51"), D("-0.10")),  # a started step counts whole
    (D("4.6"), D("-0.10")),  # exactly one step
    (D("4.61"), D("-0.20")),
])
def test_a_whole_step_rule_counts_a_started_step_as_a_whole_one(sio2, penalty):
    adjusted = adjusted_price(D("100.00"), [SIO2_PENALTY], {"sio2": sio2})
    assert adjusted.price - D("100.00") == penalty


def test_a_bonus_per_unit_above_the_basis_raises_the_price_pro_rata():
    fe_bonus = PriceRule("fe", RuleKind.PER_STEP, basis=D("62.0"), side=Side.ABOVE, step=D(1), amount=D("1.00"))
    # Fe 63.5: 1.5 % above 62 x 1.00 = 1.50 on; a penalty rule below 62 does nothing above it.
    adjusted = adjusted_price(D("100.00"), [FE_PENALTY, fe_bonus], {"fe": D("63.5")})
    assert adjusted.price == D("101.50")
    assert [line.parameter for line in adjusted.lines] == ["fe"]


def test_pro_rata_applies_before_per_step_penalties_whatever_the_order_of_the_rules():
    # 100 x 5,390 / 5,500 = 98.0 (pro rata first), then SiO2 4.7: 2 steps x 0.10 = 0.20 off: 97.80.
    nar = PriceRule("nar", RuleKind.PRO_RATA, basis=D(5500))
    adjusted = adjusted_price(D(100), [SIO2_PENALTY, nar], {"nar": D(5390), "sio2": D("4.7")})
    assert adjusted.price == D("97.80")
    assert [line.parameter for line in adjusted.lines] == ["nar", "sio2"]


# --- 4. Short-landing claim ----------------------------------------------------------------------


def test_a_360_t_short_landing_beyond_a_half_percent_allowance_claims_60_t_at_the_price():
    outturn = Outturn(bl_tonnes=D(60000), outturn_tonnes=D(59640))
    assert outturn.short == D(360)
    assert outturn.short_percent == D("0.6")
    assert outturn.claimable_tonnes(D("0.5")) == D(60)
    assert outturn.claim(D("0.5"), D("95.80")) == D("5748.00")


def test_a_short_landing_within_the_allowance_claims_nothing():
    assert Outturn(D(60000), D(59800)).claim(D("0.5"), D("95.80")) == D("0.00")


def test_an_over_landing_is_a_negative_shortage_and_claims_nothing():
    outturn = Outturn(D(60000), D(60120))
    assert outturn.short == D(-120)
    assert outturn.short_percent == D("-0.2")
    assert outturn.claim(D("0.5"), D("95.80")) == D("0.00")
