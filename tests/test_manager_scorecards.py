"""Scorecards (业绩考核表) for everyone who owns customers or deals: a manager who sells gets a personal
scorecard of their own deals; their deals count in the team they manage (and so in the department);
they are not ranked against their reps; the team dashboard shows them as "my own figures"."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Position, Team
from pipeline.models import Deal, Outcome, Stage
from targets import kpis, periods
from targets.kpis import compute_scorecards
from targets.models import Scorecard

from .factories import CustomerFactory, DealFactory, TeamFactory, UserFactory

REP, TEAM, DEPARTMENT = Scorecard.Subject.REP, Scorecard.Subject.TEAM, Scorecard.Subject.DEPARTMENT
QUARTER = Scorecard.Period.QUARTER
ONE_DEAL = Decimal("31240000.00")  # 55,000 t x 80 USD x 7.1


def today() -> datetime.date:
    return timezone.localdate()


def won(owner, **fields) -> Deal:
    """A deal of `owner` signed on the running quarter's first day."""
    return DealFactory(customer=CustomerFactory(owner=owner), owner=owner, stage=Stage.FOLLOW_UP,
                       outcome=Outcome.WON, contract_number=f"BS-{Deal.objects.count() + 1:05d}",
                       signed_on=periods.quarter_start(today()), **fields)


def compute() -> int:
    return compute_scorecards(period=QUARTER, start=today())


def card(subject, subject_id) -> Scorecard | None:
    return Scorecard.objects.filter(subject=subject, subject_id=subject_id, period=QUARTER,
                                    period_start=periods.quarter_start(today())).first()


# --- Who has a scorecard ----------------------------------------------------------------------------------


def test_a_manager_who_owns_nothing_has_no_personal_scorecard(cast):
    assert compute() == 3 + 2 + 1  # the rep, the account manager and the other rep; two teams; the department
    assert card(REP, cast.manager.pk) is None


def test_a_manager_who_owns_a_customer_has_a_personal_scorecard(cast):
    CustomerFactory(owner=cast.manager)

    assert compute() == 4 + 2 + 1
    assert card(REP, cast.manager.pk).team_id_at_time == cast.rep.team_id


def test_a_director_who_owns_deals_is_scored_too_but_in_no_team(cast):
    won(cast.director)

    compute()

    mine = card(REP, cast.director.pk)
    assert mine.sales_amount == ONE_DEAL and mine.team_id_at_time is None
    # A department is the sum of its teams: the director's own sale is in none of them.
    assert card(DEPARTMENT, cast.rep.department_id).sales_amount == 0


# --- What counts where -----------------------------------------------------------------------------------


def test_a_managers_own_deals_are_in_their_card_and_in_the_team_they_manage(cast):
    won(cast.manager)
    won(cast.rep)
    won(cast.other_rep)

    compute()

    assert card(REP, cast.manager.pk).sales_amount == ONE_DEAL
    assert card(REP, cast.manager.pk).signed_contracts == 1
    assert card(TEAM, cast.rep.team_id).sales_amount == 2 * ONE_DEAL  # the rep's and the manager's
    assert card(TEAM, cast.other_rep.team_id).sales_amount == ONE_DEAL
    assert card(DEPARTMENT, cast.rep.department_id).sales_amount == 3 * ONE_DEAL
    # The team's card is the sum of the personal cards that carry the team.
    personal = Scorecard.objects.filter(subject=REP, team_id_at_time=cast.rep.team_id,
                                        period_start=periods.quarter_start(today()), period=QUARTER)
    assert sum(c.sales_amount for c in personal) == card(TEAM, cast.rep.team_id).sales_amount


def test_a_manager_of_two_teams_counts_their_own_deals_in_the_first(cast):
    second = TeamFactory(name="Grain team", name_zh="粮食组", department=cast.rep.department, manager=cast.manager)
    assert second.pk > cast.rep.team_id
    won(cast.manager)

    compute()

    assert card(REP, cast.manager.pk).team_id_at_time == cast.rep.team_id
    assert card(TEAM, cast.rep.team_id).sales_amount == ONE_DEAL
    assert card(TEAM, second.pk).sales_amount == 0


def test_a_manager_in_a_team_of_their_own_counts_there(cast):
    senior = Team.objects.get(pk=cast.other_rep.team_id)
    cast.manager.team = senior
    cast.manager.save()
    won(cast.manager)

    compute()

    assert card(REP, cast.manager.pk).team_id_at_time == senior.pk
    assert card(TEAM, senior.pk).sales_amount == ONE_DEAL
    assert card(TEAM, cast.rep.team_id).sales_amount == 0


def test_the_dashboards_team_filter_agrees_with_the_scorecards_grouping(cast):
    second = TeamFactory(name="Grain team", department=cast.rep.department, manager=cast.manager)
    teamless = UserFactory(position=Position.REP, department=cast.rep.department)
    for owner in (cast.rep, cast.account_manager, cast.other_rep, cast.manager, cast.other_manager, cast.director,
                  teamless):
        won(owner)
    grouped = dict(Deal.objects.annotate(team=kpis.scoring_team("owner")).values_list("pk", "team"))

    for team in Team.objects.all():
        filtered = set(Deal.objects.filter(kpis.scoring_team_q(team)).values_list("pk", flat=True))
        assert filtered == {pk for pk, team_id in grouped.items() if team_id == team.pk}, team
    assert not Deal.objects.filter(kpis.scoring_team_q(second)).exists()


# --- Ranks and norms stay the reps' -----------------------------------------------------------------------


def test_a_manager_is_not_ranked_against_their_reps_nor_moves_the_reps_scores(cast):
    won(cast.rep)
    won(cast.account_manager)
    compute()
    before = {pk: (card(REP, pk).score, card(REP, pk).rank_in_team, card(REP, pk).rank_in_department)
              for pk in (cast.rep.pk, cast.account_manager.pk, cast.other_rep.pk)}

    won(cast.manager)
    won(cast.manager)
    compute()

    mine = card(REP, cast.manager.pk)
    assert (mine.rank_in_team, mine.rank_in_department) == (None, None)
    assert mine.score > 0  # scored against the reps' norm
    after = {pk: (card(REP, pk).score, card(REP, pk).rank_in_team, card(REP, pk).rank_in_department)
             for pk in before}
    assert after == before


def test_computing_takes_the_same_queries_with_selling_managers(cast):
    won(cast.rep)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            compute()
        return len(context.captured_queries)

    compute()  # the first run also creates the score weights
    without = queries()
    won(cast.manager)
    won(cast.other_manager)
    CustomerFactory(owner=cast.director)
    assert queries() == without


# --- The team dashboard -----------------------------------------------------------------------------------


def test_the_team_dashboard_shows_the_managers_own_figures_apart_from_the_leaderboard(client_as, cast):
    won(cast.manager)
    won(cast.rep)
    compute()

    response = client_as(cast.manager).get(reverse("dashboards:manager"))

    assert response.context["own_card"].subject_id == cast.manager.pk
    assert [c.subject_id for c in response.context["leaderboard"]] == [cast.rep.pk, cast.account_manager.pk]
    assert response.context["card"].sales_amount == 2 * ONE_DEAL
    html = response.content.decode()
    assert "My own figures" in html and "31,240,000" in html[html.index("My own figures"):]


def test_the_own_figures_card_reads_in_chinese(client_as, cast):
    won(cast.manager)
    compute()
    cast.manager.language = "zh-hans"
    cast.manager.save()

    html = client_as(cast.manager).get(reverse("dashboards:manager")).content.decode()

    assert "我本人的业绩" in html and "My own figures" not in html


def test_a_manager_who_sells_nothing_sees_no_own_figures_card(client_as, cast):
    won(cast.rep)
    compute()

    response = client_as(cast.manager).get(reverse("dashboards:manager"))

    assert response.context["own_card"] is None
    assert "My own figures" not in response.content.decode()


def test_the_team_dashboards_tonnage_and_funnel_include_the_managers_own_deals(client_as, cast):
    won(cast.manager)
    compute()

    response = client_as(cast.manager).get(reverse("dashboards:manager", args=[cast.manager.managed_teams.get().pk,
                                                                               "pipeline"]))

    assert response.context["funnel"][0]["reached"] == 1


@pytest.mark.parametrize("sells", [True, False])
def test_a_managers_own_dashboard_has_a_scorecard_once_they_sell(client_as, cast, sells):
    if sells:
        won(cast.manager)
    compute()

    response = client_as(cast.manager).get(reverse("dashboards:rep"))

    assert (response.context["card"] is not None) == sells
    assert response.context["scored"] == sells
    text = response.content.decode()
    assert ("anyone who owns customers or deals" in text) == (not sells)
