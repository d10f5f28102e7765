"""The laycan calendar: signed deals and deals in negotiation, month by month, as far as the user may see."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pipeline.views import calendar as calendar_view
from pipeline.views.calendar import month_from

from .conftest import ROLES
from .factories import CommodityFactory, CustomerFactory, DealFactory, PortFactory
from .queries import index_names, plan_of

OK, FORBIDDEN = 200, 403
MARCH = "2027-03"


def calendar_url(**query) -> str:
    url = reverse("laycans:calendar")
    return url + "?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else url


def shown(response) -> set[int]:
    return {bar.deal.pk for week in response.context["weeks"] for bar in week.bars}


def signed_deal(**kwargs):
    return DealFactory(stage="follow_up", outcome="won", contract_number=kwargs.pop("contract_number", "C-1"),
                       signed_on=datetime.date(2026, 11, 2), **kwargs)


def laycan(start: tuple[int, int, int], end: tuple[int, int, int]) -> dict:
    return {"laycan_start": datetime.date(*start), "laycan_end": datetime.date(*end)}


@pytest.fixture
def customer(cast):
    return CustomerFactory(name="Rizhao Hongda Steel Co., Ltd.", short_name="Rizhao Hongda", owner=cast.rep)


@pytest.mark.parametrize("role", ROLES)
def test_the_calendar_is_for_the_people_who_sell(client_as, cast, role):
    response = client_as(cast.by_role(role)).get(calendar_url())
    if role == "anonymous":
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    elif role in ("service", "marketing"):
        assert response.status_code == FORBIDDEN  # they see no deal terms
    else:
        assert response.status_code == OK


def test_signed_and_negotiation_laycans_of_the_month_appear_with_their_terms(client_as, cast, customer):
    signed = signed_deal(customer=customer, commodity=CommodityFactory(name="Iron ore fines"),
                         quantity_tonnes=Decimal(170000), discharge_port=PortFactory(name="Caofeidian"),
                         **laycan((2027, 3, 10), (2027, 3, 20)))
    negotiating = DealFactory(customer=customer, **laycan((2027, 3, 5), (2027, 3, 8)))

    response = client_as(cast.rep).get(calendar_url(month=MARCH))

    assert shown(response) == {signed.pk, negotiating.pk}
    page = response.text
    for deal in (signed, negotiating):
        assert reverse("deals:detail", args=[deal.pk]) in page
    assert "Rizhao Hongda · Iron ore fines · 170,000 t · Caofeidian" in page
    assert "Rizhao Hongda · Thermal coal · 55,000 t · Qingdao" in page
    assert "text-bg-success" in page and "text-bg-warning" in page


def test_a_chinese_reader_reads_the_commodity_and_port_by_their_chinese_names(client_as, cast):
    nameless = CustomerFactory(name="Tangshan Iron & Steel Group", short_name="", owner=cast.rep)
    signed_deal(customer=nameless, commodity=CommodityFactory(name="Iron ore fines", name_zh="铁矿粉"),
                quantity_tonnes=Decimal(170000), discharge_port=PortFactory(name="Caofeidian", name_zh="曹妃甸"),
                **laycan((2027, 3, 10), (2027, 3, 20)))
    DealFactory(customer=nameless, commodity=CommodityFactory(name="Coking coal", name_zh=""), discharge_port=None,
                quantity_tonnes=Decimal(75000), **laycan((2027, 3, 5), (2027, 3, 8)))
    cast.rep.language = "zh-hans"
    cast.rep.save()

    page = client_as(cast.rep).get(calendar_url(month=MARCH)).text

    # A customer without a short name by its name; a name with no Chinese one given in English; no port, no " · ".
    assert "Tangshan Iron &amp; Steel Group · 铁矿粉 · 170,000 吨 · 曹妃甸" in page
    assert "Tangshan Iron &amp; Steel Group · Coking coal · 75,000 吨<" in page


def test_research_lost_and_unscheduled_deals_stay_off_the_calendar(client_as, cast, customer):
    in_march = laycan((2027, 3, 5), (2027, 3, 8))
    DealFactory(customer=customer, stage="research", **in_march)
    DealFactory(customer=customer, stage="development", **in_march)
    DealFactory(customer=customer, outcome="lost", **in_march)
    DealFactory(customer=customer)  # no laycan yet
    DealFactory(customer=customer, **laycan((2027, 4, 5), (2027, 4, 8)))  # next month

    response = client_as(cast.rep).get(calendar_url(month=MARCH))

    assert shown(response) == set()
    assert response.context["deal_count"] == 0


def test_a_rep_sees_only_their_teams_laycans_and_the_director_sees_all(client_as, cast, customer):
    own = DealFactory(customer=customer, **laycan((2027, 3, 5), (2027, 3, 8)))
    others = DealFactory(customer=CustomerFactory(owner=cast.other_rep), **laycan((2027, 3, 5), (2027, 3, 8)))

    assert shown(client_as(cast.rep).get(calendar_url(month=MARCH))) == {own.pk}
    assert shown(client_as(cast.manager).get(calendar_url(month=MARCH))) == {own.pk}
    assert shown(client_as(cast.other_rep).get(calendar_url(month=MARCH))) == {others.pk}
    assert shown(client_as(cast.director).get(calendar_url(month=MARCH))) == {own.pk, others.pk}
    # Naming another team's seller as owner does not open their deals.
    assert shown(client_as(cast.rep).get(calendar_url(month=MARCH, owner=cast.other_rep.pk))) == {own.pk}


def test_the_owner_and_commodity_filters_narrow_the_calendar(client_as, cast, customer):
    march = laycan((2027, 3, 5), (2027, 3, 8))
    coal = DealFactory(customer=customer, **march)
    ore = DealFactory(customer=customer, commodity=CommodityFactory(name="Iron ore fines"), **march)
    am_deal = DealFactory(customer=CustomerFactory(owner=cast.account_manager), **march)
    client = client_as(cast.manager)

    assert shown(client.get(calendar_url(month=MARCH))) == {coal.pk, ore.pk, am_deal.pk}
    assert shown(client.get(calendar_url(month=MARCH, owner=cast.rep.pk))) == {coal.pk, ore.pk}
    assert shown(client.get(calendar_url(month=MARCH, commodity=ore.commodity.pk))) == {ore.pk}
    owners = set(client.get(calendar_url()).context["filter"].form.fields["owner"].queryset)
    assert cast.other_rep not in owners and {cast.rep, cast.account_manager} <= owners


def test_months_link_to_the_previous_and_next_keeping_the_filters(client_as, cast, customer):
    commodity = CommodityFactory()
    response = client_as(cast.rep).get(calendar_url(month="2027-12", commodity=commodity.pk))

    assert response.context["month"] == datetime.date(2027, 12, 1)
    assert "month=2027-11" in response.context["previous_link"]
    assert "month=2028-01" in response.context["next_link"]
    assert f"commodity={commodity.pk}" in response.context["next_link"]


def test_a_laycan_across_two_months_shows_in_both(client_as, cast, customer):
    deal = signed_deal(customer=customer, **laycan((2027, 3, 29), (2027, 4, 2)))
    client = client_as(cast.rep)

    march = client.get(calendar_url(month=MARCH))
    april = client.get(calendar_url(month="2027-04"))

    [march_bar] = [bar for week in march.context["weeks"] for bar in week.bars]
    assert (march_bar.deal.pk, march_bar.column, march_bar.span) == (deal.pk, 1, 3)  # Mon 29 to Wed 31 March
    assert march_bar.continues_after and not march_bar.continues_before
    [april_bar] = [bar for week in april.context["weeks"] for bar in week.bars]
    assert (april_bar.deal.pk, april_bar.column, april_bar.span) == (deal.pk, 4, 2)  # Thu 1 and Fri 2 April
    assert april_bar.continues_before and not april_bar.continues_after


def test_the_month_is_laid_out_in_monday_first_weeks_with_a_bar_per_week(client_as, cast, customer):
    long_laycan = DealFactory(customer=customer, **laycan((2027, 3, 5), (2027, 3, 16)))  # Fri 5 to Tue 16
    overlapping = DealFactory(customer=customer, **laycan((2027, 3, 6), (2027, 3, 7)))
    single_day = DealFactory(customer=customer, laycan_start=datetime.date(2027, 3, 20), laycan_end=None)

    weeks = client_as(cast.rep).get(calendar_url(month=MARCH)).context["weeks"]

    assert [week.days[0]["date"] for week in weeks] == [datetime.date(2027, 3, day) for day in (1, 8, 15, 22, 29)]
    bars = {(week.days[0]["date"].day, bar.deal.pk): (bar.column, bar.span, bar.lane)
            for week in weeks for bar in week.bars}
    assert bars == {
        (1, long_laycan.pk): (5, 3, 1),
        (1, overlapping.pk): (6, 2, 2),  # stacked under the longer laycan, not on top of it
        (8, long_laycan.pk): (1, 7, 1),
        (15, long_laycan.pk): (1, 2, 1),
        (15, single_day.pk): (6, 1, 1),
    }


@pytest.mark.parametrize("month", ["2027-13", "2027-00", "2027-3", "March", "0000-01", "9999-12", "2027-03-01", ""])
def test_a_bad_month_falls_back_to_this_month(client_as, cast, month):
    response = client_as(cast.rep).get(reverse("laycans:calendar"), {"month": month})
    assert response.status_code == OK
    assert response.context["month"] == timezone.localdate().replace(day=1)


def test_month_from_reads_a_year_and_month():
    today = datetime.date(2026, 11, 27)
    assert month_from("2027-03", today) == datetime.date(2027, 3, 1)
    assert month_from(None, today) == datetime.date(2026, 11, 1)


def test_the_calendar_takes_the_same_number_of_queries_for_3_or_30_deals(client_as, cast, customer):
    client = client_as(cast.manager)

    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as context:
            assert client.get(calendar_url(month=MARCH, owner=cast.rep.pk)).status_code == OK
        return [query["sql"] for query in context.captured_queries]

    def add_deals(count: int, offset: int) -> None:
        for number in range(offset, offset + count):
            day = number % 28 + 1
            kwargs = {"customer": CustomerFactory(owner=cast.rep), "discharge_port": PortFactory(name=f"Port {number}"),
                      **laycan((2027, 3, day), (2027, 3, min(day + 4, 31)))}
            if number % 2:
                signed_deal(contract_number=f"C-{number}", **kwargs)
            else:
                DealFactory(**kwargs)

    add_deals(3, 0)
    few = queries()
    add_deals(27, 3)
    many = queries()
    assert len(many) == len(few), "\n".join(many)
    assert sum(len(week.bars) for week in client.get(calendar_url(month=MARCH)).context["weeks"]) >= 30


def test_past_its_lanes_a_week_counts_each_days_other_laycans(client_as, cast, customer, monkeypatch):
    monkeypatch.setattr(calendar_view, "LANES", 1)
    drawn = DealFactory(customer=customer, **laycan((2027, 3, 5), (2027, 3, 16)))  # Fri 5 to Tue 16
    counted = DealFactory(customer=customer, **laycan((2027, 3, 6), (2027, 3, 7)))  # Sat 6, Sun 7
    response = client_as(cast.rep).get(calendar_url(month=MARCH))
    first_week = response.context["weeks"][0]
    assert [bar.deal.pk for bar in first_week.bars] == [drawn.pk] and counted.pk not in shown(response)
    assert first_week.more == [0, 0, 0, 0, 0, 1, 1] and first_week.hidden == 1
    assert (first_week.more_row, first_week.rows) == (3, 4)  # under the one lane, and one row to spare
    html = response.content.decode()
    assert html.count("+1 more") == 2 and "And 1 more this week." in html
    assert "Some days have more laycans than the calendar draws" in html
    assert response.context["deal_count"] == 2  # counted in the month all the same


def test_a_lane_full_for_some_days_takes_a_later_laycan_again(client_as, cast, customer, monkeypatch):
    """Past its lanes a week counts a laycan on its days; one that starts after a lane has come free is drawn in it."""
    monkeypatch.setattr(calendar_view, "LANES", 2)
    first = DealFactory(customer=customer, **laycan((2027, 3, 1), (2027, 3, 2)))  # Mon 1, Tue 2
    long = DealFactory(customer=customer, **laycan((2027, 3, 1), (2027, 3, 5)))  # Mon 1 to Fri 5
    DealFactory(customer=customer, **laycan((2027, 3, 2), (2027, 3, 3)))  # Tue 2, Wed 3: both lanes taken
    later = DealFactory(customer=customer, **laycan((2027, 3, 4), (2027, 3, 4)))  # Thu 4: the first is free again
    first_week = client_as(cast.rep).get(calendar_url(month=MARCH)).context["weeks"][0]
    assert [(bar.deal.pk, bar.column, bar.span, bar.lane) for bar in first_week.bars] == [
        (first.pk, 1, 2, 1), (long.pk, 1, 5, 2), (later.pk, 4, 1, 1)]
    assert first_week.more == [0, 1, 1, 0, 0, 0, 0] and first_week.hidden == 1


def test_too_many_laycans_in_a_month_are_not_drawn_nor_counted_past_the_limit(client_as, cast, customer, monkeypatch):
    monkeypatch.setattr(calendar_view, "MOST_DEALS_DRAWN", 1)
    for day in (3, 10):
        DealFactory(customer=customer, **laycan((2027, 3, day), (2027, 3, day + 2)))
    response = client_as(cast.rep).get(calendar_url(month=MARCH))
    html = response.content.decode()
    assert not shown(response) and "No laycan this week." not in html and "0 laycans this month" not in html
    assert "More than 1 laycan this month: too many to draw. Choose an owner or a commodity above." in html
    # Narrowed by a filter under the limit, they are drawn again.
    ore = CommodityFactory(name="Iron ore")
    DealFactory(customer=CustomerFactory(owner=cast.rep), commodity=ore, **laycan((2027, 3, 4), (2027, 3, 5)))
    narrowed = client_as(cast.rep).get(calendar_url(month=MARCH, commodity=ore.pk))
    assert len(shown(narrowed)) == 1 and "too many to draw" not in narrowed.content.decode()


def test_the_limits_in_chinese(client_as, cast, customer, monkeypatch):
    monkeypatch.setattr(calendar_view, "LANES", 1)
    monkeypatch.setattr(calendar_view, "MOST_DEALS_DRAWN", 2)
    for day in (6, 6):
        DealFactory(customer=customer, **laycan((2027, 3, day), (2027, 3, day + 1)))
    cast.rep.language = "zh-hans"
    cast.rep.save()
    html = client_as(cast.rep).get(calendar_url(month=MARCH)).content.decode()
    assert "还有 1 个" in html and "本周另有 1 个。" in html
    DealFactory(customer=customer, **laycan((2027, 3, 9), (2027, 3, 10)))
    html = client_as(cast.rep).get(calendar_url(month=MARCH)).content.decode()
    assert "本月受载期超过 2 个，太多无法显示。请在上方选择负责人或货种。" in html


def test_a_managers_month_is_read_by_the_owners_laycan_index(cast, customer):
    """The calendar's month for a manager: their people read first, each one's laycans by the
    `deal_laycans_by_owner` index (a read of all 200,000 deals, 100 ms, without it)."""
    from pipeline import selectors
    from pipeline.selectors import laycans_in

    signed_deal(customer=customer, **laycan((2027, 3, 5), (2027, 3, 8)))
    assert "deal_laycans_by_owner" in index_names("pipeline_deal")
    month = laycans_in(selectors.deals_visible_to(cast.manager, read_first=True), datetime.date(2027, 3, 1),
                       datetime.date(2027, 3, 31))
    assert [deal.customer for deal in month] == [customer]
    plan = plan_of(month.all())
    assert plan == "" or "deal_laycans_by_owner" in plan, plan



def test_a_deal_moved_out_of_the_month_between_the_calendars_two_reads_is_left_out(client_as, cast, customer,
                                                                                     monkeypatch):
    """The month is laid out from the windows' dates, then the drawn deals are read whole: one moved out of
    negotiation in between (by someone else, at that instant) is not drawn, and the page still answers."""
    kept = DealFactory(customer=customer, **laycan((2027, 3, 5), (2027, 3, 8)))
    moved = DealFactory(customer=customer, **laycan((2027, 3, 10), (2027, 3, 12)))
    lay_out = calendar_view._weeks

    def lay_out_then_move(*args, **kwargs):
        weeks = lay_out(*args, **kwargs)
        type(moved).objects.filter(pk=moved.pk).update(stage="development")
        return weeks

    monkeypatch.setattr(calendar_view, "_weeks", lay_out_then_move)
    response = client_as(cast.rep).get(calendar_url(month=MARCH))
    assert response.status_code == OK and shown(response) == {kept.pk}
