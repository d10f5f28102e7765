"""The quarter's forecast (业绩预测): signed so far + the open deals expected to sign within the period,
weighted by their stage; coverage (覆盖率) of the target still to reach. Undated or overdue deals and
later periods' deals are kept apart. Every figure is worked out by hand in the comments."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from pipeline.models import Deal, Outcome, Stage
from targets.forecast import forecast_of, quarter_forecast, weigh
from targets.kpis import compute_scorecards, pipeline_cut_off
from targets.models import Scorecard
from targets.periods import quarter_bounds, quarter_of, quarter_start

from .factories import CustomerFactory, DealFactory, RepTargetFactory, TeamTargetFactory

QUARTER, MONTH = Scorecard.Period.QUARTER, Scorecard.Period.MONTH
REP, TEAM, DEPARTMENT = Scorecard.Subject.REP, Scorecard.Subject.TEAM, Scorecard.Subject.DEPARTMENT
Q3, Q3_END, Q4 = datetime.date(2026, 7, 1), datetime.date(2026, 9, 30), datetime.date(2026, 10, 1)
MID_Q3 = datetime.date(2026, 8, 15)  # "today" while Q3 runs: passed in, never read from the clock


@pytest.fixture(autouse=True)
def base_currency_cny(settings):
    settings.BASE_CURRENCY = "CNY"


# --- The rule, by hand ---------------------------------------------------------------------------------


def test_worked_example_6_forecast_and_coverage():
    result = quarter_forecast(Decimal(30_000_000), {Stage.NEGOTIATION: Decimal(20_000_000),
                                                    Stage.DEVELOPMENT: Decimal(10_000_000),
                                                    Stage.RESEARCH: Decimal(8_000_000)}, Decimal(50_000_000))
    # 30,000,000 + 12,000,000 + 2,500,000 + 800,000
    assert result.weighted == Decimal("15300000.00")
    assert result.forecast == Decimal("45300000.00")
    assert result.percent == Decimal("90.6")
    assert result.remaining == Decimal(20_000_000)  # 50,000,000 - 30,000,000
    assert result.coverage == Decimal("76.5")  # 15,300,000 / 20,000,000


def test_a_target_already_reached_has_no_coverage_and_counts_past_100_percent():
    # 55,000,000 signed of 50,000,000; 4,000,000 in negotiation -> 2,400,000 weighted.
    result = quarter_forecast(Decimal(55_000_000), {Stage.NEGOTIATION: Decimal(4_000_000)}, Decimal(50_000_000))
    assert result.forecast == Decimal("57400000.00")
    assert result.percent == Decimal("114.8")  # 57,400,000 / 50,000,000
    assert result.remaining == Decimal(0)
    assert result.coverage is None  # nothing left to cover


def test_without_a_target_the_forecast_stands_alone():
    result = quarter_forecast(Decimal(1_000_000), {Stage.DEVELOPMENT: Decimal(2_000_000)}, None)
    assert result.forecast == Decimal("1500000.00")  # 1,000,000 + 25 % of 2,000,000
    assert (result.target, result.percent, result.remaining, result.coverage) == (None, None, None, None)
    assert forecast_of(signed=Decimal(5), weighted=Decimal(0), target=Decimal(0)).target is None  # 0 is no target


def test_nothing_open_covers_nothing():
    result = quarter_forecast(Decimal(12_000_000), {}, Decimal(40_000_000))
    assert result.weighted == Decimal(0)
    assert result.forecast == Decimal(12_000_000)
    assert result.percent == Decimal("30.0")
    assert result.remaining == Decimal(28_000_000)
    assert result.coverage == Decimal("0.0")


def test_weights_are_the_stage_probabilities_rounded_to_cents_at_the_end():
    # 333.33 x 10 % = 33.333 and 0.05 x 60 % = 0.03: 33.363 -> 33.36
    assert weigh({Stage.RESEARCH: Decimal("333.33"), Stage.NEGOTIATION: Decimal("0.05")}) == Decimal("33.36")


@pytest.mark.parametrize("today,cut_off", [
    (MID_Q3, MID_Q3),  # running: today
    (datetime.date(2026, 6, 15), Q3),  # not begun: its first day
    (datetime.date(2026, 11, 30), Q4),  # ended: the day after its end, so nothing open is still of it
    (Q3_END, Q3_END),
])
def test_the_cut_off_day_is_today_held_within_the_period(today, cut_off):
    assert pipeline_cut_off(Q3, Q3_END, today) == cut_off


# --- The stored scorecard ------------------------------------------------------------------------------


def open_deal(owner, stage: str, amount: int, expected: datetime.date | None, **fields) -> Deal:
    return DealFactory(customer=CustomerFactory(owner=owner), stage=stage, amount_base=Decimal(amount),
                       expected_signing_date=expected, **fields)


@pytest.fixture
def example_6(cast):
    """WORKED_EXAMPLES 6 for Rep A in 2026 Q3, seen on 15 August, with deals either side of the quarter."""
    team_target = TeamTargetFactory(team=cast.rep.team, year=2026, quarter=3, sales_amount=Decimal(60_000_000))
    RepTargetFactory(team_target=team_target, rep=cast.rep, sales_amount=Decimal(50_000_000))
    DealFactory(customer=CustomerFactory(owner=cast.rep), stage=Stage.FOLLOW_UP, outcome=Outcome.WON,
                contract_number="BS-1", signed_on=datetime.date(2026, 7, 20), amount_base=Decimal(30_000_000))
    open_deal(cast.rep, Stage.NEGOTIATION, 20_000_000, MID_Q3)  # 12,000,000 (today is not overdue)
    open_deal(cast.rep, Stage.DEVELOPMENT, 10_000_000, datetime.date(2026, 8, 20))  # 2,500,000
    open_deal(cast.rep, Stage.RESEARCH, 8_000_000, Q3_END)  # 800,000 (the quarter's last day counts)
    open_deal(cast.rep, Stage.NEGOTIATION, 5_000_000, Q4)  # 3,000,000 next quarter
    open_deal(cast.rep, Stage.DEVELOPMENT, 4_000_000, None)  # 1,000,000 undated
    open_deal(cast.rep, Stage.RESEARCH, 6_000_000, datetime.date(2026, 8, 14))  # 600,000 overdue by a day
    open_deal(cast.rep, Stage.NEGOTIATION, 50_000_000, MID_Q3, outcome=Outcome.LOST)  # not open: nowhere
    open_deal(cast.account_manager, Stage.NEGOTIATION, 1_000_000, datetime.date(2026, 9, 1))  # 600,000
    open_deal(cast.other_rep, Stage.RESEARCH, 2_000_000, None)  # 200,000 undated, team B
    return cast


def card(subject, subject_id, period=QUARTER, start=Q3) -> Scorecard:
    return Scorecard.objects.get(subject=subject, subject_id=subject_id, period=period, period_start=start)


def parts(scorecard: Scorecard) -> tuple:
    return (scorecard.sales_amount, scorecard.weighted_pipeline, scorecard.weighted_undated, scorecard.weighted_later)


def test_the_stored_quarter_forecast_is_example_6_with_the_rest_apart(example_6):
    compute_scorecards(period=QUARTER, start=Q3, today=MID_Q3)
    rep = card(REP, example_6.rep.pk)
    # Signed 30,000,000; this quarter 12,000,000 + 2,500,000 + 800,000; undated 1,000,000 + overdue 600,000;
    # next quarter 3,000,000.
    assert parts(rep) == (Decimal(30_000_000), Decimal(15_300_000), Decimal(1_600_000), Decimal(3_000_000))
    assert rep.forecast_amount == Decimal(45_300_000)
    assert rep.pipeline_coverage == Decimal("0.7650")  # 15,300,000 / (50,000,000 - 30,000,000)
    assert rep.coverage_percent == Decimal("76.5")
    # Team A adds the account manager's 600,000 this quarter: 15,900,000 / (60,000,000 - 30,000,000) = 53 %.
    team = card(TEAM, example_6.rep.team_id)
    assert parts(team) == (Decimal(30_000_000), Decimal(15_900_000), Decimal(1_600_000), Decimal(3_000_000))
    assert team.pipeline_coverage == Decimal("0.5300")
    # The department adds team B's 200,000 undated (team B has no target: no coverage of its own).
    department = card(DEPARTMENT, example_6.rep.department_id)
    assert parts(department) == (Decimal(30_000_000), Decimal(15_900_000), Decimal(1_800_000), Decimal(3_000_000))
    assert card(TEAM, example_6.other_rep.team_id).pipeline_coverage is None
    assert card(TEAM, example_6.other_rep.team_id).weighted_undated == Decimal(200_000)


def test_a_month_card_counts_the_deals_expected_within_the_month(example_6):
    compute_scorecards(period=MONTH, start=datetime.date(2026, 8, 1), today=MID_Q3)
    rep = card(REP, example_6.rep.pk, MONTH, datetime.date(2026, 8, 1))
    # Nothing signed in August (the signing was in July). From the 15th to the 31st: 12,000,000 + 2,500,000;
    # apart: 1,000,000 + 600,000; later: 800,000 (30 Sept) + 3,000,000 (1 Oct). A month has no target.
    assert parts(rep) == (Decimal(0), Decimal(14_500_000), Decimal(1_600_000), Decimal(3_800_000))
    assert rep.pipeline_coverage is None


def test_an_ended_quarters_forecast_is_what_was_signed(example_6):
    compute_scorecards(period=QUARTER, start=Q3, today=datetime.date(2026, 11, 30))
    rep = card(REP, example_6.rep.pk)
    # Every date up to 30 September is past: 12,000,000 + 2,500,000 + 800,000 + 1,000,000 + 600,000 apart.
    assert parts(rep) == (Decimal(30_000_000), Decimal(0), Decimal(16_900_000), Decimal(3_000_000))
    assert rep.forecast_amount == Decimal(30_000_000)
    assert rep.pipeline_coverage == Decimal("0.0000")


def test_a_quarter_not_begun_counts_every_deal_expected_within_it(example_6):
    compute_scorecards(period=QUARTER, start=Q3, today=datetime.date(2026, 6, 15))
    rep = card(REP, example_6.rep.pk)
    # Nothing of Q3 is overdue yet: 12,000,000 + 2,500,000 + 800,000 + 600,000; only the undated apart.
    assert parts(rep)[1:] == (Decimal(15_900_000), Decimal(1_000_000), Decimal(3_000_000))


# --- The pages -----------------------------------------------------------------------------------------


def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def this_quarter(cast):
    """This quarter, seen today: Coal team has a 100,000,000 target and signed 31,240,000 on the quarter's
    first day; open deals this quarter, undated, overdue and next quarter."""
    day = today()
    year, quarter = quarter_of(day)
    end = quarter_bounds(year, quarter)[1]
    TeamTargetFactory(team=cast.rep.team, year=year, quarter=quarter, sales_amount=Decimal(100_000_000))
    DealFactory(customer=CustomerFactory(owner=cast.rep), stage=Stage.FOLLOW_UP, outcome=Outcome.WON,
                contract_number="BS-1", signed_on=quarter_start(day))  # 55,000 t x 80 USD x 7.1 = 31,240,000
    DealFactory(customer=CustomerFactory(owner=cast.rep), expected_signing_date=end)  # 60 %: 18,744,000
    open_deal(cast.rep, Stage.RESEARCH, 5_000_000, day - datetime.timedelta(days=1))  # overdue: 500,000
    open_deal(cast.rep, Stage.RESEARCH, 10_000_000, end + datetime.timedelta(days=1))  # next quarter: 1,000,000
    open_deal(cast.other_rep, Stage.DEVELOPMENT, 8_000_000, None)  # undated: 2,000,000
    compute_scorecards(period=QUARTER, start=day)
    return cast


def test_the_director_sees_each_forecasts_parts(client_as, this_quarter):
    response = client_as(this_quarter.director).get(reverse("dashboards:director"))

    rows = {str(card.subject_object): card.forecast for card in response.context["forecasts"]}
    assert list(rows) == ["Sales", "Coal team", "Ore team"]  # the department first, then its teams
    sales, coal, ore = rows["Sales"], rows["Coal team"], rows["Ore team"]
    assert (sales["signed"], sales["weighted"], sales["forecast"], sales["target"]) == (
        Decimal(31_240_000), Decimal(18_744_000), Decimal(49_984_000), Decimal(100_000_000))
    assert sales["percent"] == Decimal("50.0")  # 49,984,000 / 100,000,000 = 49.98 %
    assert sales["coverage"] == Decimal("27.3")  # 18,744,000 / 68,760,000
    assert (sales["undated"], sales["later"]) == (Decimal(2_500_000), Decimal(1_000_000))
    assert (coal["undated"], coal["later"]) == (Decimal(500_000), Decimal(1_000_000))
    assert (ore["forecast"], ore["target"], ore["percent"], ore["undated"]) == (0, None, None, Decimal(2_000_000))
    text = response.text
    for shown in ["Signed so far", "Weighted pipeline of this quarter", "Undated or overdue", "Later quarters",
                  "31,240,000", "18,744,000", "49,984,000", "100,000,000", "50.0%", "Coverage 27.3%",
                  "2,500,000", "1,000,000", "500,000"]:
        assert shown in text, shown
    chart = response.context["forecast_chart"]["config"]
    assert chart["labels"] == ["Sales", "Coal team", "Ore team"]
    assert chart["datasets"][1]["data"] == [18744000.0, 18744000.0, 0.0]


def test_the_director_reads_the_forecasts_parts_in_chinese(client_as, this_quarter):
    director = this_quarter.director
    director.language = "zh-hans"
    director.save()

    text = client_as(director).get(reverse("dashboards:director"), HTTP_ACCEPT_LANGUAGE="en").text

    for shown in ["业绩预测与销售目标对比", "已签约金额", "本季度加权销售管道", "不计入业绩预测（加权）",
                  "无预计签约日期或已超期", "以后季度", "覆盖率 27.3%", "49,984,000", "2,500,000"]:
        assert shown in text, shown
    assert "Undated or overdue" not in text


def test_the_team_page_shows_the_forecasts_parts_and_coverage(client_as, this_quarter):
    response = client_as(this_quarter.manager).get(reverse("dashboards:manager"))

    coverage = response.context["coverage"]
    # Coal team: 31,240,000 + 18,744,000 = 49,984,000; coverage 18,744,000 / 68,760,000.
    assert (coverage["signed"], coverage["weighted"], coverage["forecast"]) == (
        Decimal(31_240_000), Decimal(18_744_000), Decimal(49_984_000))
    assert (coverage["remaining"], coverage["coverage"]) == (Decimal(68_760_000), Decimal("27.3"))
    assert (coverage["undated"], coverage["later"]) == (Decimal(500_000), Decimal(1_000_000))
    for shown in ["Forecast and coverage", "49,984,000", "68,760,000", "27.3%", "Undated or overdue"]:
        assert shown in response.text, shown


def test_the_scorecard_export_carries_the_forecasts_parts(client_as, this_quarter):
    content = client_as(this_quarter.director).get(reverse("dashboards:export", args=["team", "xlsx"])).content
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    headers, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    coal = dict(zip(headers, next(row for row in rows if row[0] == "Coal team"), strict=True))
    assert Decimal(str(coal["Weighted pipeline of the period"])) == Decimal(18_744_000)
    assert Decimal(str(coal["Forecast"])) == Decimal(49_984_000)
    assert Decimal(str(coal["Forecast attainment (%)"])) == Decimal("50.0")
    assert Decimal(str(coal["Target still to reach"])) == Decimal(68_760_000)
    assert Decimal(str(coal["Pipeline coverage (%)"])) == Decimal("27.3")
    assert Decimal(str(coal["Weighted pipeline undated or overdue"])) == Decimal(500_000)
    assert Decimal(str(coal["Weighted pipeline of later periods"])) == Decimal(1_000_000)
