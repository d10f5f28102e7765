"""The refresh after a change counts only the people it concerns and makes their teams' and department's
figures from everyone's stored totals; on the demo's data it leaves exactly the rows a full recompute leaves,
in a number of queries that does not grow with the data or the people."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from accounts.models import Position, User
from pipeline import activities, services, transfers
from pipeline.models import Activity, Deal, Outcome, Stage
from targets import scorecards
from targets.kpis import compute_scorecards, one_run
from targets.models import Scorecard, ScorecardRefresh, ScorecardTotals

from .test_scorecard_refresh import REFRESH_QUERIES


def snapshot() -> tuple[dict, dict]:
    """Every scorecard, every column but its id and when it was computed; and every person's stored totals."""
    columns = [field.name for field in Scorecard._meta.concrete_fields if field.name not in ("id", "computed_at")]
    cards = {(card[0], card[1], card[2], card[3]): card for card in Scorecard.objects.values_list(
        "subject", "subject_id", "period", "period_start", *columns)}
    totals = {(period, start, person): figures for period, start, person, figures in
              ScorecardTotals.objects.values_list("period", "period_start", "person_id", "totals")}
    return cards, totals


def compute_whole(periods) -> None:
    with one_run(periods, timezone.localdate()):
        for period, start in periods:
            compute_scorecards(period=period, start=start)


def test_after_a_signing_the_refresh_leaves_the_rows_a_full_recompute_leaves(demo, django_assert_max_num_queries):
    today = timezone.localdate()
    periods = scorecards.periods_touched([today], today)
    compute_whole(periods)  # the hourly job's rows
    director = User.objects.get(username="director")
    open_deals = Deal.objects.filter(outcome=Outcome.OPEN, owner__is_active=True, owner__team__isnull=False,
                                     owner__position__in=[Position.REP, Position.ACCOUNT_MANAGER]).order_by("pk")
    deal = open_deals.filter(stage=Stage.NEGOTIATION).select_related("owner").first()
    other_team = User.objects.filter(is_active=True, position=Position.REP, team__isnull=False).exclude(
        team=deal.owner.team_id).order_by("pk")
    co_seller, taker = other_team[0], other_team[1]
    moved = open_deals.exclude(pk=deal.pk).exclude(owner__team=taker.team_id).select_related("owner").first()
    with mock.patch("targets.tasks.refresh_scorecards.apply_async"):
        # A signing whose credit is shared with a seller of another team, a visit, and an open deal handed
        # over to a third team: sales, tonnes, new customers, pipeline and stage stays move between teams.
        deal = services.deal_split_set(deal=deal, co_seller=co_seller, share=Decimal("30"), by=director,
                                       expected_version=deal.version)
        terms = Deal.objects.get(pk=deal.pk)
        services.deal_sign(deal=deal, terms=terms, contract_number=f"BS-T-{deal.pk}", signed_on=today,
                           by=deal.owner, expected_version=terms.version)
        activities.activity_log(activity=Activity(customer=deal.customer, happened_at=timezone.now(),
                                                  summary="Visited the mill"), contacts=[], by=deal.owner)
        transfers.deal_transfer(deal=moved, to_user=taker, by=director, reason="Desk change")
    assert set(ScorecardRefresh.objects.values_list("person_id", flat=True)) >= {
        deal.owner_id, co_seller.pk, moved.owner_id, taker.pk}
    before = snapshot()

    with django_assert_max_num_queries(REFRESH_QUERIES):
        written = scorecards.refresh_run([[period, start.isoformat()] for period, start in periods])
    refreshed = snapshot()
    assert not ScorecardRefresh.objects.exists()
    compute_whole(periods)
    assert snapshot() == refreshed, "the refresh left other rows than a full recompute"

    cards = refreshed[0]
    quarter = next(start for period, start in periods if period == Scorecard.Period.QUARTER)
    signer = cards["rep", deal.owner_id, Scorecard.Period.QUARTER, quarter]
    assert signer != before[0]["rep", deal.owner_id, Scorecard.Period.QUARTER, quarter]
    assert 0 < written < len(cards)  # rows that did not change are not written


@pytest.mark.parametrize("which", ["lost", "failed"])
def test_a_refresh_that_never_finished_leaves_its_requests_for_the_next(demo, which, monkeypatch):
    """A worker killed midway (its message redelivered) or a lost message (the hourly job) loses nothing."""
    today = timezone.localdate()
    periods = scorecards.periods_touched([today], today)
    compute_whole(periods)
    rep = User.objects.get(username="rep1")
    scorecards.request_refresh(periods, [rep.pk])
    work = [[period, start.isoformat()] for period, start in periods]
    if which == "failed":
        def killed(**kwargs):
            raise SystemExit("the worker was killed")

        monkeypatch.setattr(scorecards, "compute_scorecards", killed)
        with pytest.raises(SystemExit):
            scorecards.refresh_run(work)
        monkeypatch.undo()
        assert ScorecardRefresh.objects.filter(person=rep).count() == 2
        scorecards.refresh_run(work)  # the redelivered message
    else:
        ScorecardRefresh.objects.update(requested_at=timezone.now() - datetime.timedelta(hours=1))
        scorecards.compute_running()
    assert not ScorecardRefresh.objects.exists()


def test_a_change_committed_while_the_refresh_runs_waits_for_the_next(demo, monkeypatch):
    today = timezone.localdate()
    periods = scorecards.periods_touched([today], today)
    compute_whole(periods)
    rep = User.objects.get(username="rep1")
    scorecards.request_refresh(periods, [rep.pk])
    compute = scorecards.compute_scorecards

    def with_a_change_meanwhile(**kwargs):
        scorecards.request_refresh(periods, [rep.pk])  # renewed after the refresh read the requests
        return compute(**kwargs)

    monkeypatch.setattr(scorecards, "compute_scorecards", with_a_change_meanwhile)
    scorecards.refresh_run([[period, start.isoformat()] for period, start in periods])
    assert ScorecardRefresh.objects.filter(person=rep).count() == 2
