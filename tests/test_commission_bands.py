"""The band arithmetic of a commission plan, with the hand-worked figures of WORKED_EXAMPLES.md §7:
a 1 % plan, nothing below 50 % of the target, x1.0 to 100 %, x1.5 to 120 %, x2.0 above."""

from decimal import Decimal as D

from targets.incentives.bands import (
    BandPart,
    cents,
    commission,
    line_multiplier,
    multiplier_label,
    share_of,
    split_sale,
)

BANDS = [(D(0), D(0)), (D(50), D("1.0")), (D(100), D("1.5")), (D(120), D("2.0"))]
TARGET = D(10_000_000)


def earned(before, amount, tonnes=D(0), per_tonne=D(0), percent=D(1), target=TARGET, bands=BANDS):
    return commission(before=D(before), amount=D(amount), tonnes=D(tonnes), target=target, bands=bands,
                      percent=percent, per_tonne=per_tonne)


def test_the_straddling_deal_is_split_between_two_bands():
    # 9,000,000 already credited: 1,000,000 falls in 50-100 % (x1.0), 2,000,000 in 100-120 % (x1.5).
    parts = split_sale(D(9_000_000), D(3_000_000), TARGET, BANDS)
    assert parts == [BandPart(D(50), D(100), D(1_000_000), D("1.0")),
                     BandPart(D(100), D(120), D(2_000_000), D("1.5"))]
    total, bands = earned(9_000_000, 3_000_000)
    assert [band.earned for band in bands] == [D("10000.00"), D("30000.00")]
    assert total == D("40000.00")
    assert line_multiplier(bands) == D("1.333")


def test_thirteen_million_signed_earns_one_hundred_thousand():
    # 0-5m x0 = 0; 5-10m x1.0 = 50,000; 10-12m x1.5 = 30,000; 12-13m x2.0 = 20,000.
    total, bands = earned(0, 13_000_000)
    assert [band.earned for band in bands] == [D(0), D("50000.00"), D("30000.00"), D("20000.00")]
    assert total == D("100000.00")


def test_marginal_not_retroactive_whatever_the_order_of_the_deals():
    # The same 13,000,000 in four contracts earns the same 100,000, band by band.
    before, totals = D(0), []
    for amount in [D(4_000_000), D(5_000_000), D(3_000_000), D(1_000_000)]:
        totals.append(earned(before, amount)[0])
        before += amount
    assert totals == [D(0), D("40000.00"), D("40000.00"), D("20000.00")]
    assert sum(totals) == D("100000.00")


def test_a_sale_below_the_lowest_band_earns_nothing_when_no_band_starts_at_zero():
    parts = split_sale(D(0), D(6_000_000), TARGET, [(D(50), D(1))])
    assert parts == [BandPart(D(0), D(50), D(5_000_000), D(0)), BandPart(D(50), None, D(1_000_000), D(1))]
    assert earned(0, 6_000_000, bands=[(D(50), D(1))])[0] == D("10000.00")


def test_without_a_target_the_whole_sale_is_paid_at_one():
    total, bands = earned(0, 3_000_000, target=None)
    assert total == D("30000.00")
    assert [band.part for band in bands] == [BandPart(None, None, D(3_000_000), D(1))]
    assert earned(0, 3_000_000, target=D(0))[0] == D("30000.00")
    assert earned(0, 3_000_000, bands=[])[0] == D("30000.00")


def test_a_per_tonne_rate_follows_the_amounts_bands():
    # 30,000 t for 3,000,000 on top of 9,000,000: 10,000 t at x1.0 and 20,000 t at x1.5, at 2 per tonne.
    total, bands = earned(9_000_000, 3_000_000, tonnes=30_000, per_tonne=D(2), percent=D(0))
    assert [band.tonnes for band in bands] == [D(10_000), D(20_000)]
    assert [band.earned for band in bands] == [D("20000.00"), D("60000.00")]
    assert total == D("80000.00")
    assert bands[1].as_json() == {"from": "100", "to": "120", "amount": "2000000.00", "tonnes": "20000.00",
                                  "multiplier": "1.5", "earned": "60000.00"}


def test_rounding_half_up_to_the_cent_and_the_line_is_the_sum_of_its_bands():
    assert cents(D("0.005")) == D("0.01")
    assert cents(D("0.0049")) == D("0.00")
    # 1 % of 1,000.50 = 10.005 -> 10.01.
    assert earned(0, D("1000.50"), target=None)[0] == D("10.01")
    total, bands = earned(D("4999999.50"), D("1000001.01"), percent=D("1.333"))
    assert total == sum(band.earned for band in bands)


def test_a_split_adds_up_to_the_whole():
    amount = D("1000000.01")
    co_seller = share_of(amount, D(30))
    assert co_seller == D("300000.00")
    assert amount - co_seller == D("700000.01")


def test_a_multiplier_reads_with_one_decimal_at_least():
    assert [multiplier_label(D(value)) for value in ("1.000", "1.500", "2", "1.125", "0.000")] == [
        "1.0", "1.5", "2.0", "1.125", "0.0"]
