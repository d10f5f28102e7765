"""The what-if on an open deal's page: what its owner would earn if it were signed now, by the band
their sales so far put it in; for the owner, their manager and the director only."""

from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from pipeline.models import Deal
from targets.incentives.whatif import deal_what_if
from targets.periods import quarter_bounds, quarter_of

from .conftest import ROLES
from .factories import CustomerFactory, DealFactory, RepTargetFactory, TeamTargetFactory
from .test_commission_statements import make_plan, sign

TITLE = "Commission if signed this quarter"


@pytest.fixture
def quarter():
    year, number = quarter_of(timezone.localdate())
    return year, number, quarter_bounds(year, number)[0]


@pytest.fixture
def open_deal(cast, quarter):
    """Team A's rep: a 10,000,000 target, 9,000,000 signed this quarter, a 3,000,000 deal open (§7)."""
    year, number, start = quarter
    make_plan(cast, year=year, quarter=number)
    team_target = TeamTargetFactory(team=cast.rep.team, year=year, quarter=number, sales_amount=D(20_000_000))
    RepTargetFactory(team_target=team_target, rep=cast.rep, sales_amount=D(10_000_000))
    sign(cast.rep, 9_000_000, start)
    sign(cast.rep, 5_000_000, start, co_seller=cast.account_manager, co_seller_share=D(40))  # 3,000,000 credited
    lost = sign(cast.rep, 4_000_000, start)
    Deal.objects.filter(pk=lost.pk).update(outcome="lost")
    customer = CustomerFactory(owner=cast.rep)
    deal = DealFactory(customer=customer, owner=cast.rep, currency="CNY", rate_to_base=D(1),
                       quantity_tonnes=D(30_000), price_per_tonne=D(100), amount_base=D(3_000_000))
    return deal


def test_the_straddling_deal_would_earn_forty_thousand(cast, open_deal, django_assert_max_num_queries):
    # 12,000,000 credited so far (9,000,000 + 60 % of 5,000,000; the lost one not), so 120 % after it...
    deal = Deal.objects.select_related("owner").get(pk=open_deal.pk)
    with django_assert_max_num_queries(2):
        what_if = deal_what_if(deal)
    assert what_if.credited_so_far == D(12_000_000)
    assert (what_if.attainment_before, what_if.attainment_after) == (D("120.0"), D("150.0"))
    assert [band.part.multiplier for band in what_if.earnings] == [D(2)]
    assert what_if.earned == D("60000.00")


def test_the_band_it_would_fall_in(cast, open_deal, quarter):
    # Without the split contract: 9,000,000 before, so 1,000,000 at x1.0 and 2,000,000 at x1.5 = 40,000.
    Deal.objects.filter(co_seller=cast.account_manager).update(outcome="lost")
    what_if = deal_what_if(Deal.objects.select_related("owner").get(pk=open_deal.pk))
    assert [(band.part.from_percent, band.part.amount, band.earned) for band in what_if.earnings] == [
        (D(50), D(1_000_000), D("10000.00")), (D(100), D(2_000_000), D("30000.00"))]
    assert (what_if.earned, what_if.multiplier) == (D("40000.00"), D("1.333"))


def test_a_split_open_deal_counts_the_owners_share(cast, open_deal):
    Deal.objects.filter(pk=open_deal.pk).update(co_seller=cast.account_manager, co_seller_share=D(30))
    what_if = deal_what_if(Deal.objects.select_related("owner").get(pk=open_deal.pk))
    assert (what_if.share, what_if.amount) == (D(70), D(2_100_000))


def test_nothing_without_a_plan_for_the_owner_or_for_a_deal_not_open(cast, open_deal, quarter):
    deal = Deal.objects.select_related("owner").get(pk=open_deal.pk)
    plan = deal_what_if(deal).plan
    plan.positions = ["account_manager"]
    plan.save()
    assert deal_what_if(deal) is None
    plan.positions = ["rep"]
    plan.save()
    plan.teams.set([cast.other_rep.team])
    assert deal_what_if(deal) is None
    plan.teams.set([cast.rep.team])
    assert deal_what_if(deal) is not None
    deal.outcome = "lost"
    assert deal_what_if(deal) is None


SHOWN = {"rep", "manager", "director"}


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_the_panel_is_for_the_owner_their_manager_and_the_director(client_as, cast, open_deal, role):
    response = client_as(cast.by_role(role)).get(reverse("deals:detail", args=[open_deal.pk]))
    page = response.content.decode() if response.status_code == 200 else ""
    assert (TITLE in page) == (role in SHOWN), role
    if role in SHOWN:
        assert "It would earn 60,000.00 CNY" in page


def test_the_panel_in_chinese(client_as, cast, open_deal):
    client = client_as(cast.rep)
    page = client.get(reverse("deals:detail", args=[open_deal.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "如果本季度签约的提成" in page
