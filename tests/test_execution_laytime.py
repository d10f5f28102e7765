"""The laytime statement, worked by hand (WORKED_EXAMPLES.md, section 5, and cases of our own).

Terms: 60,000 t at 8,000 t per day, Sundays and holidays excepted (SHEX), laytime counts 12 h after
notice of readiness; demurrage 15,000 USD/day pro rata; despatch half of it. Time allowed: 7.5 days
= 180 h. NOR Mon 2026-03-02 08:00, so laytime commences Mon 20:00. Rain Wed 03-04 10:00-16:00 (6 h);
Sunday 03-08 is excepted whole (24 h)."""

from datetime import date, datetime, timedelta
from decimal import Decimal as D

from pipeline.execution.laytime import LaytimeTerms, laytime_statement

TERMS = LaytimeTerms(tonnes=D(60000), rate_per_day=D(8000), demurrage_per_day=D(15000))
NOR = datetime(2026, 3, 2, 8, 0)
RAIN = (datetime(2026, 3, 4, 10), datetime(2026, 3, 4, 16))
FINISHED_EARLY = datetime(2026, 3, 11, 8)  # example A
FINISHED_LATE = datetime(2026, 3, 11, 20)  # example B


def statement(completed, excepted=(RAIN,), terms=TERMS):
    return laytime_statement(terms, notice_tendered=NOR, completed=completed, excepted=excepted)


def test_laytime_allows_180_hours_and_commences_12_hours_after_notice_of_readiness():
    result = statement(FINISHED_EARLY)
    assert TERMS.allowed_hours == D(180)
    assert result.commenced == datetime(2026, 3, 2, 20)


def test_a_finished_six_hours_inside_laytime_earns_1875_despatch():
    result = statement(FINISHED_EARLY)
    assert (result.elapsed_hours, result.excepted_hours, result.used_hours) == (D(204), D(30), D(174))
    assert result.hours_saved == D(6)
    assert not result.on_demurrage
    assert result.despatch == D("1875.00")  # 7,500 x 6 / 24
    assert result.demurrage == D("0.00")
    assert result.excepted == (RAIN, (datetime(2026, 3, 8), datetime(2026, 3, 9)))


def test_b_finished_six_hours_after_laytime_ran_out_owes_3750_demurrage():
    result = statement(FINISHED_LATE)
    assert (result.elapsed_hours, result.used_hours, result.hours_over) == (D(216), D(186), D(6))
    assert result.expired_at == datetime(2026, 3, 11, 14)
    assert result.demurrage == D("3750.00")  # 15,000 x 6 / 24
    assert result.despatch == D("0.00")


def test_once_on_demurrage_rain_after_laytime_ran_out_does_not_stop_the_clock():
    late_rain = (datetime(2026, 3, 11, 15), datetime(2026, 3, 11, 17))
    result = statement(FINISHED_LATE, excepted=(RAIN, late_rain))
    assert result.excepted_hours == D(30)
    assert result.demurrage == D("3750.00")


def test_rain_that_began_before_laytime_ran_out_stops_the_clock_for_all_of_it():
    # The clock stops at 12:00 with 178 h counted; it resumes at 16:00 and runs out at 18:00;
    # completed at 20:00: 2 h over, 15,000 x 2 / 24 = 1,250.00.
    rain = (datetime(2026, 3, 11, 12), datetime(2026, 3, 11, 16))
    result = statement(FINISHED_LATE, excepted=(RAIN, rain))
    assert result.expired_at == datetime(2026, 3, 11, 18)
    assert (result.excepted_hours, result.used_hours) == (D(34), D(182))
    assert result.demurrage == D("1250.00")


def test_an_excepted_period_crossing_midnight_counts_its_hours_on_both_days():
    # Shifting berth Tue 22:00 to Wed 04:00: 6 more hours excepted, 12 h saved, 7,500 x 12 / 24.
    shifting = (datetime(2026, 3, 3, 22), datetime(2026, 3, 4, 4))
    result = statement(FINISHED_EARLY, excepted=(RAIN, shifting))
    assert (result.excepted_hours, result.used_hours, result.hours_saved) == (D(36), D(168), D(12))
    assert result.despatch == D("3750.00")


def test_a_holiday_under_shex_is_excepted_whole():
    # Thu 03-05 a public holiday: 24 more hours excepted, 30 h saved, 7,500 x 30 / 24 = 9,375.00.
    terms = LaytimeTerms(tonnes=D(60000), rate_per_day=D(8000), demurrage_per_day=D(15000),
                         holidays=frozenset({date(2026, 3, 5)}))
    result = statement(FINISHED_EARLY, terms=terms)
    assert (result.excepted_hours, result.used_hours, result.hours_saved) == (D(54), D(150), D(30))
    assert result.despatch == D("9375.00")


def test_rain_on_a_holiday_is_not_excepted_twice():
    # The rain falls on Wed 03-04, itself a holiday: that day is 24 h excepted, not 30.
    terms = LaytimeTerms(tonnes=D(60000), rate_per_day=D(8000), demurrage_per_day=D(15000),
                         holidays=frozenset({date(2026, 3, 4)}))
    result = statement(FINISHED_EARLY, terms=terms)
    assert result.excepted_hours == D(48)
    assert result.despatch == D("7500.00")  # 24 h saved


def test_shinc_counts_sundays_and_holidays_as_laytime():
    # Only the rain is excepted: laytime runs out 186 h after Mon 20:00, on Tue 03-10 14:00;
    # completed Wed 08:00: 18 h over, 15,000 x 18 / 24 = 11,250.00.
    terms = LaytimeTerms(tonnes=D(60000), rate_per_day=D(8000), demurrage_per_day=D(15000),
                         sundays_holidays_excepted=False, holidays=frozenset({date(2026, 3, 5)}))
    result = statement(FINISHED_EARLY, terms=terms)
    assert result.excepted_hours == D(6)
    assert result.expired_at == datetime(2026, 3, 10, 14)
    assert result.demurrage == D("11250.00")


def test_a_sunday_counts_only_from_when_laytime_commenced():
    # NOR Sat 03-07 14:00: laytime commences Sun 02:00, so the Sunday stops the clock for 22 h.
    result = laytime_statement(TERMS, notice_tendered=datetime(2026, 3, 7, 14),
                               completed=datetime(2026, 3, 14, 12))
    assert result.excepted == ((datetime(2026, 3, 8, 2), datetime(2026, 3, 9)),)
    assert result.excepted_hours == D(22)
    # Elapsed Sun 02:00 to Sat 03-14 12:00 = 154 h, used 132 h, 48 h saved: 7,500 x 48 / 24.
    assert result.despatch == D("15000.00")


def test_the_contracts_own_despatch_rate_and_turn_time_apply():
    terms = LaytimeTerms(tonnes=D(60000), rate_per_day=D(8000), demurrage_per_day=D(15000),
                         despatch_per_day=D(5000), turn_time=timedelta(hours=6))
    result = statement(FINISHED_EARLY, terms=terms)
    # Commenced Mon 14:00: 6 h more elapsed, so nothing saved and nothing over.
    assert result.commenced == datetime(2026, 3, 2, 14)
    assert result.used_hours == D(180)
    assert (result.despatch, result.demurrage, result.on_demurrage) == (D("0.00"), D("0.00"), False)
    despatched = statement(datetime(2026, 3, 11, 2), terms=terms)
    assert despatched.hours_saved == D(6)
    assert despatched.despatch == D("1250.00")  # 5,000 x 6 / 24


def test_a_rate_that_does_not_divide_evenly_prices_the_time_to_the_cent():
    # 50,000 t at 7,000 t/day = 7.142857 days = 171.428571... h; finished at 180 h used (no stops
    # under SHINC): 8.571428... h over x 15,000 / 24 = 5,357.142857... -> 5,357.14.
    terms = LaytimeTerms(tonnes=D(50000), rate_per_day=D(7000), demurrage_per_day=D(15000),
                         sundays_holidays_excepted=False)
    result = laytime_statement(terms, notice_tendered=NOR, completed=datetime(2026, 3, 10, 8))
    assert result.used_hours == D(180)
    assert result.demurrage == D("5357.14")
