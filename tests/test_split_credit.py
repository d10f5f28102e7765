"""Split credit: a deal's second seller takes a share of the sale (a rep and an account manager 70/30),
set by a manager of the owner or a director and recorded with who set it; the shares sum to 100 %,
the second seller sees the deal, and the scorecards count each their share and a team the sale once
(WORKED_EXAMPLES §7: 1,000,000 split 70/30 is 700,000 for the rep and 300,000 for the account manager)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.services import RuleError
from pipeline import selectors, services
from pipeline.models import Deal
from targets.kpis import compute_scorecards
from targets.models import Scorecard

from .conftest import ROLES
from .factories import CustomerFactory, SignedDealFactory
from .test_exports import csv_rows

OK, FOUND, FORBIDDEN, MISSING = 200, 302, 403, 404
SIGNED_ON = datetime.date(2026, 11, 2)


@pytest.fixture
def deal(cast):
    """Rep A's signed contract of 1,000,000 CNY: 10,000 t at 100 CNY."""
    return SignedDealFactory(customer=CustomerFactory(owner=cast.rep, name="Rizhao Steel"), currency="CNY",
                             quantity_tonnes=Decimal(10000), price_per_tonne=Decimal(100), rate_to_base=Decimal(1),
                             amount_base=Decimal("1000000.00"), signed_on=SIGNED_ON)


def split(deal, co_seller, share, by) -> Deal:
    deal.refresh_from_db()
    return services.deal_split_set(deal=deal, co_seller=co_seller, share=Decimal(share), by=by,
                                   expected_version=deal.version)


# --- The service ----------------------------------------------------------------------------------


def test_a_manager_splits_a_deal_70_30_and_who_set_it_is_recorded(cast, deal):
    saved = split(deal, cast.account_manager, 30, cast.manager)

    deal.refresh_from_db()
    assert (deal.co_seller, deal.co_seller_share, deal.split_set_by) == (
        cast.account_manager, Decimal(30), cast.manager)
    assert deal.split_set_at is not None and deal.version == 2 == saved.version
    assert deal.credited_person_id == cast.rep.pk and deal.credited_share == Decimal(70)
    record = deal.history.filter(history_change_reason="split").get()
    assert (record.history_user, record.co_seller_id, record.co_seller_share) == (
        cast.manager, cast.account_manager.pk, Decimal(30))


def test_clearing_the_split_gives_the_whole_sale_back_and_is_recorded_too(cast, deal):
    split(deal, cast.account_manager, 30, cast.manager)
    split(deal, None, 0, cast.director)
    deal.refresh_from_db()
    assert (deal.co_seller, deal.co_seller_share, deal.credited_share, deal.split_set_by) == (
        None, 0, Decimal(100), cast.director)
    assert deal.history.filter(history_change_reason="split").count() == 2


@pytest.mark.parametrize("share", [0, 100, 150, -5])
def test_a_share_outside_0_to_100_is_refused(cast, deal, share):
    with pytest.raises(RuleError, match="more than 0 and less than 100"):
        split(deal, cast.account_manager, share, cast.manager)
    deal.refresh_from_db()
    assert deal.co_seller is None and deal.version == 1


def test_the_credited_person_is_not_their_own_second_seller(cast, deal):
    with pytest.raises(RuleError, match="other than the person the deal is credited to"):
        split(deal, cast.rep, 30, cast.manager)


def test_the_second_seller_is_a_seller_the_one_setting_it_manages(cast, deal):
    with pytest.raises(RuleError, match="active seller you manage"):
        split(deal, cast.other_rep, 30, cast.manager)
    with pytest.raises(RuleError, match="active seller you manage"):
        split(deal, cast.service, 30, cast.director)
    split(deal, cast.other_rep, 30, cast.director)  # the director sees every seller


@pytest.mark.parametrize("role", ["rep", "account_manager", "other_manager", "other_rep"])
def test_only_a_manager_of_the_owner_or_a_director_splits(cast, deal, role):
    with pytest.raises(RuleError, match="manager of the deal's owner or a director"):
        split(deal, cast.account_manager, 30, cast.by_role(role))


def test_a_split_over_a_stale_version_is_refused(cast, deal):
    with pytest.raises(services.StaleDeal):
        services.deal_split_set(deal=deal, co_seller=cast.account_manager, share=Decimal(30), by=cast.manager,
                                expected_version=deal.version - 1)


def test_saving_the_terms_keeps_the_split(cast, deal):
    split(deal, cast.account_manager, 30, cast.manager)
    stale = Deal.objects.get(pk=deal.pk)
    stale.co_seller, stale.co_seller_share, stale.notes = None, Decimal(0), "Vessel nominated"
    services.deal_save(deal=stale, by=cast.rep, expected_version=stale.version)
    deal.refresh_from_db()
    assert (deal.co_seller, deal.co_seller_share, deal.notes) == (cast.account_manager, 30, "Vessel nominated")


# --- Who sees the deal --------------------------------------------------------------------------


def test_the_second_seller_and_their_manager_see_the_deal_and_nobody_else_more(cast, deal):
    def seen_by(user) -> bool:
        return selectors.deals_visible_to(user).filter(pk=deal.pk).exists()

    assert not seen_by(cast.other_rep) and not seen_by(cast.other_manager) and not seen_by(cast.account_manager)
    split(deal, cast.other_rep, 30, cast.director)
    assert seen_by(cast.other_rep) and seen_by(cast.other_manager)
    assert not seen_by(cast.account_manager) and not seen_by(cast.service) and not seen_by(cast.marketing)
    assert seen_by(cast.rep) and seen_by(cast.manager) and seen_by(cast.director)


def test_the_deals_a_seller_sees_take_one_query(cast, deal):
    split(deal, cast.account_manager, 30, cast.manager)
    SignedDealFactory.create_batch(3, customer=CustomerFactory(owner=cast.account_manager))
    with CaptureQueriesContext(connection) as queries:
        seen = list(selectors.deals_visible_to(cast.account_manager))
    assert len(queries) == 1 and len(seen) == 4


def test_the_second_seller_opens_the_deal_page_but_does_not_change_the_deal(client_as, cast, deal):
    url = reverse("deals:detail", args=[deal.pk])
    assert client_as(cast.account_manager).get(url).status_code == MISSING
    split(deal, cast.account_manager, 30, cast.manager)
    page = client_as(cast.account_manager).get(url).content.decode()
    assert "Rep A 70 %" in page and "AM A 30 %" in page
    assert reverse("deals:edit", args=[deal.pk]) not in page
    assert client_as(cast.account_manager).get(reverse("deals:edit", args=[deal.pk])).status_code == FORBIDDEN


# --- The page -------------------------------------------------------------------------------------


SPLIT_PAGE = {role: MISSING for role in ROLES} | {
    "anonymous": FOUND, "director": OK, "manager": OK, "rep": FORBIDDEN, "service": FORBIDDEN, "marketing": FORBIDDEN}


@pytest.mark.parametrize("role", ROLES)
def test_the_split_page_answers_each_position_as_the_policy_says(client_as, cast, deal, role):
    assert client_as(cast.by_role(role)).get(reverse("deals:split", args=[deal.pk])).status_code == SPLIT_PAGE[role]


def post_split(client, deal, co_seller, share):
    deal.refresh_from_db()
    return client.post(reverse("deals:split", args=[deal.pk]), {
        "co_seller": co_seller.pk if co_seller else "", "share": share, "version": deal.version})


def test_the_split_is_set_on_its_page_and_shown_on_the_deals_page(client_as, cast, deal):
    client = client_as(cast.manager)
    response = post_split(client, deal, cast.account_manager, "30")
    assert response.status_code == FOUND and response.url == reverse("deals:detail", args=[deal.pk])
    page = client.get(response.url).content.decode()
    assert "Rep A 70 %" in page and "AM A 30 %" in page and "Split set by Manager A on" in page
    assert reverse("deals:split", args=[deal.pk]) in page
    assert reverse("deals:split", args=[deal.pk]) not in client_as(cast.rep).get(response.url).content.decode()


@pytest.mark.parametrize("share", ["0", "100", "130"])
def test_a_bad_share_is_a_clear_error_on_the_form(client_as, cast, deal, share):
    page = post_split(client_as(cast.manager), deal, cast.account_manager, share).content.decode()
    assert "The share is more than 0 and less than 100 %." in page
    deal.refresh_from_db()
    assert deal.co_seller is None


def test_a_second_seller_without_a_share_or_the_owner_as_second_seller_is_refused(client_as, cast, deal):
    client = client_as(cast.manager)
    assert "Give the second seller&#x27;s share." in post_split(client, deal, cast.account_manager, "").content.decode()
    page = post_split(client, deal, cast.rep, "30").content.decode()
    assert "Choose an active seller you manage, other than the person the deal is credited to." in page


def test_the_forms_errors_read_in_chinese(client_as, cast, deal):
    cast.manager.language = "zh-hans"
    cast.manager.save()
    client = client_as(cast.manager)
    assert "分成比例须大于 0 且小于 100 %。" in post_split(client, deal, cast.account_manager, "100").content.decode()
    assert "请选择您管理的在职销售人员" in post_split(client, deal, cast.rep, "30").content.decode()
    page = client.get(reverse("deals:split", args=[deal.pk])).content.decode()
    assert "拆分业绩" in page and "第二销售" in page


def test_the_deal_page_costs_the_same_queries_with_a_split_and_its_history(client_as, cast, deal):
    client = client_as(cast.manager)
    url = reverse("deals:detail", args=[deal.pk])
    split(deal, cast.account_manager, 30, cast.manager)
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    split(deal, cast.account_manager, 40, cast.director)
    split(deal, None, 0, cast.director)
    with CaptureQueriesContext(connection) as after:
        page = client.get(url).content.decode()
    assert len(after) == len(before)
    assert "Earlier splits" in page and "no second seller" not in page.split("Earlier splits")[0]


# --- The scorecards -------------------------------------------------------------------------------


def card(subject, pk) -> Scorecard:
    return Scorecard.objects.get(subject=subject, subject_id=pk, period="quarter",
                                 period_start=datetime.date(2026, 10, 1))


def test_a_70_30_split_counts_700000_for_the_rep_300000_for_the_account_manager_and_1000000_for_the_team(
        cast, deal):
    split(deal, cast.account_manager, 30, cast.manager)
    compute_scorecards(period="quarter", start=SIGNED_ON)
    rep, account_manager, team = card("rep", cast.rep.pk), card("rep", cast.account_manager.pk), card(
        "team", cast.rep.team_id)
    assert (rep.sales_amount, rep.tonnage) == (Decimal("700000.00"), Decimal("7000.00"))
    assert (account_manager.sales_amount, account_manager.tonnage) == (Decimal("300000.00"), Decimal("3000.00"))
    assert (team.sales_amount, team.tonnage) == (Decimal("1000000.00"), Decimal("10000.00"))
    # The contract is counted once, for the credited person.
    assert (rep.signed_contracts, account_manager.signed_contracts, team.signed_contracts) == (1, 0, 1)


def test_a_split_across_two_teams_gives_each_team_its_part_and_the_department_the_whole(cast, deal):
    split(deal, cast.other_rep, Decimal("25.5"), cast.director)
    compute_scorecards(period="quarter", start=SIGNED_ON)
    assert card("team", cast.rep.team_id).sales_amount == Decimal("745000.00")
    assert card("team", cast.other_rep.team_id).sales_amount == Decimal("255000.00")
    assert card("rep", cast.other_rep.pk).tonnage == Decimal("2550.00")
    assert card("department", cast.rep.team.department_id).sales_amount == Decimal("1000000.00")


def test_an_amount_that_does_not_divide_evenly_still_sums_to_the_whole(cast):
    odd = SignedDealFactory(customer=CustomerFactory(owner=cast.rep), currency="CNY", quantity_tonnes=Decimal(3),
                            price_per_tonne=Decimal("411.57"), rate_to_base=Decimal(1),
                            amount_base=Decimal("1234.71"), signed_on=SIGNED_ON)
    split(odd, cast.account_manager, Decimal("33.33"), cast.manager)
    compute_scorecards(period="quarter", start=SIGNED_ON)
    # 1,234.71 x 66.67 % = 823.18 and x 33.33 % = 411.53 (to the cent); the team has the whole.
    assert card("rep", cast.rep.pk).sales_amount == Decimal("823.18")
    assert card("rep", cast.account_manager.pk).sales_amount == Decimal("411.53")
    assert card("team", cast.rep.team_id).sales_amount == Decimal("1234.71")


# --- The export -----------------------------------------------------------------------------------


def test_the_deal_export_names_the_second_seller_and_their_share(client_as, cast, deal):
    split(deal, cast.account_manager, 30, cast.manager)
    rows = csv_rows(client_as(cast.manager).get(reverse("deals:export", args=["csv"])))
    header, row = rows[0], rows[1]
    assert header[-2:] == ["Second seller", "Second seller's share (%)"]
    assert row[-2:] == ["AM A", "30.00"]


def test_an_open_deal_split_then_signed_keeps_its_split_unless_its_second_seller_came_to_own_it(cast):
    from pipeline import transfers
    from pipeline.models import Stage

    open_deal = SignedDealFactory(customer=CustomerFactory(owner=cast.rep), stage=Stage.NEGOTIATION, outcome="open",
                                  contract_number="", signed_on=None, credited_to=None)
    split(open_deal, cast.account_manager, 30, cast.manager)
    other = SignedDealFactory(customer=open_deal.customer, stage=Stage.NEGOTIATION, outcome="open",
                              contract_number="", signed_on=None, credited_to=None)
    split(other, cast.account_manager, 30, cast.manager)
    transfers.deal_transfer(deal=other, to_user=cast.account_manager, by=cast.manager, reason="AM takes it")
    for each, number in ((open_deal, "BS-1"), (other, "BS-2")):
        terms = Deal.objects.get(pk=each.pk)
        services.deal_sign(deal=each, terms=terms, contract_number=number, signed_on=SIGNED_ON, by=cast.manager,
                           expected_version=terms.version)
    open_deal.refresh_from_db()
    other.refresh_from_db()
    assert (open_deal.credited_to, open_deal.co_seller, open_deal.co_seller_share) == (
        cast.rep, cast.account_manager, 30)
    assert (other.credited_to, other.co_seller, other.co_seller_share) == (cast.account_manager, None, 0)
