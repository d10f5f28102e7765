"""Dashboards follow a signing within a minute: a signing, amendment, loss, reopening, transfer, visit,
survey, B/L, complaint, cargo claim, invoice or payment enqueues, on commit, one refresh of the scorecards
of the periods it touched; a burst of changes makes one run; a real worker brings the figure onto the
dashboard."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from customers import complaints
from customers.models import Complaint, SatisfactionSurvey
from customers.services import survey_record
from pipeline import activities, services, transfers
from pipeline.execution import services as execution
from pipeline.execution.models import CargoClaim, Shipment
from pipeline.execution.selectors import suggested_claims
from pipeline.models import Activity, Deal, LostReason, Stage
from pipeline.receivables import services as receivables
from targets import kpis, scorecards
from targets.models import Scorecard
from targets.periods import quarter_start

from .factories import CustomerFactory, DealFactory, ExchangeRateFactory
from .test_receivables_services import coal, loaded  # noqa: F401
from .test_worker import _database_url_for_worker, real_worker, routed, wait_for

# A refresh of a month and its quarter, for a few people as for 300 (test_scorecard_refresh_demo.py too): the
# requests; the periods counted before; for each period the people's figures (most shared by the run), everyone's
# totals (read, locked; then stored), the stored rows, who is scored, targets and the changed rows per kind of
# subject; the requests removed; the savepoints.
REFRESH_QUERIES = 50


def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture(autouse=True)
def no_claims_left():
    """Claims of earlier tests (or runs) in the shared cache would hold back this test's refresh."""
    periods = scorecards.periods_touched([today() - datetime.timedelta(days=days) for days in (0, 40, 100)], today())
    cache.delete_many([scorecards.refresh_key(period, start) for period, start in periods])
    yield
    cache.delete_many([scorecards.refresh_key(period, start) for period, start in periods])


@pytest.fixture
def enqueued():
    with mock.patch("targets.tasks.refresh_scorecards.apply_async") as apply_async:
        yield apply_async


@pytest.fixture
def deal(cast):
    return DealFactory(customer=CustomerFactory(owner=cast.rep))


def sign(deal, by, on=None) -> Deal:
    terms = Deal.objects.get(pk=deal.pk)
    return services.deal_sign(deal=deal, terms=terms, contract_number=f"BS-{deal.pk}", signed_on=on or today(),
                              by=by, expected_version=terms.version)


def periods(call) -> list[list[str]]:
    return call.kwargs["args"][0]


def test_signing_enqueues_exactly_one_refresh_of_the_running_month_and_quarter(
        cast, deal, enqueued, django_capture_on_commit_callbacks, settings):
    settings.SCORECARD_REFRESH_DELAY = 5
    with django_capture_on_commit_callbacks(execute=True):
        sign(deal, cast.rep)
    assert enqueued.call_count == 1
    month, quarter = today().replace(day=1), quarter_start(today())
    assert sorted(periods(enqueued.call_args)) == sorted([["month", month.isoformat()],
                                                          ["quarter", quarter.isoformat()]])
    assert enqueued.call_args.kwargs["countdown"] == 5


def test_nothing_is_enqueued_when_the_change_is_rolled_back(cast, deal, enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        sign(deal, cast.rep)
        raise RuntimeError("the request failed after the signing")
    assert enqueued.call_count == 0


def test_a_signing_in_an_earlier_quarter_refreshes_that_quarter_too(cast, deal, enqueued,
                                                                   django_capture_on_commit_callbacks):
    earlier = today() - datetime.timedelta(days=100)
    with django_capture_on_commit_callbacks(execute=True):
        sign(deal, cast.rep, on=earlier)
    assert ["quarter", quarter_start(earlier).isoformat()] in periods(enqueued.call_args)
    assert ["quarter", quarter_start(today()).isoformat()] in periods(enqueued.call_args)


def test_a_burst_of_changes_makes_one_run(cast, deal, enqueued, django_capture_on_commit_callbacks):
    other = DealFactory(customer=deal.customer)
    reason = LostReason.objects.create(name="Price", name_zh="价格")
    with django_capture_on_commit_callbacks(execute=True):
        sign(deal, cast.rep)
    with django_capture_on_commit_callbacks(execute=True):
        services.deal_lose(deal=other, reason=reason, note="", by=cast.rep, expected_version=other.version)
    with django_capture_on_commit_callbacks(execute=True):
        activities.activity_log(activity=Activity(customer=deal.customer, happened_at=timezone.now(),
                                                  summary="Visited the mill"), contacts=[], by=cast.rep)
    with django_capture_on_commit_callbacks(execute=True):
        transfers.deal_transfer(deal=deal, to_user=cast.account_manager, by=cast.manager, reason="Desk change")
    assert enqueued.call_count == 1


def test_once_the_refresh_has_started_the_next_change_enqueues_again(cast, deal, enqueued,
                                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sign(deal, cast.rep)
    scorecards.refresh_run(periods(enqueued.call_args))
    with django_capture_on_commit_callbacks(execute=True):
        survey_record(survey=SatisfactionSurvey(customer=deal.customer, surveyed_on=today(), product_quality=4,
                                                delivery=5, service=4, recommend=9, method="phone"), by=cast.rep)
    assert enqueued.call_count == 2


@pytest.mark.parametrize("change", ["lose", "reopen", "move", "visit", "survey", "transfer", "amend"])
def test_each_change_that_moves_a_figure_enqueues_a_refresh(cast, deal, enqueued, django_capture_on_commit_callbacks,
                                                            change):
    reason = LostReason.objects.create(name="Price", name_zh="价格")
    if change == "reopen":
        services.deal_lose(deal=deal, reason=reason, note="", by=cast.rep, expected_version=deal.version)
        deal.refresh_from_db()
    if change == "amend":
        deal = sign(deal, cast.rep)
        proposed = Deal.objects.get(pk=deal.pk)
        proposed.price_per_tonne = Decimal("90")
        amendment = services.amendment_request(deal=deal, proposed=proposed, reason="Freight fell", by=cast.rep,
                                               expected_version=deal.version)
    with django_capture_on_commit_callbacks(execute=True):
        if change == "lose":
            services.deal_lose(deal=deal, reason=reason, note="", by=cast.rep, expected_version=deal.version)
        elif change == "reopen":
            services.deal_reopen(deal=deal, by=cast.rep, reason="Buyer came back", expected_version=deal.version)
        elif change == "move":
            services.deal_move(deal=deal, to_stage=Stage.DEVELOPMENT, by=cast.rep, reason="Back to samples",
                               expected_version=deal.version)
        elif change == "visit":
            activities.activity_log(activity=Activity(customer=deal.customer, happened_at=timezone.now(),
                                                      summary="Visited the mill"), contacts=[], by=cast.rep)
        elif change == "survey":
            survey_record(survey=SatisfactionSurvey(customer=deal.customer, surveyed_on=today(), product_quality=4,
                                                    delivery=5, service=4, recommend=9, method="phone"), by=cast.rep)
        elif change == "transfer":
            transfers.deal_transfer(deal=deal, to_user=cast.account_manager, by=cast.manager, reason="Desk change")
        else:
            services.amendment_approve(amendment=amendment, by=cast.manager)
    assert enqueued.call_count == 1


@pytest.mark.parametrize("change", ["bl", "complaint", "resolve", "claim", "invoice", "payment"])
def test_each_step_of_a_contracts_life_that_moves_a_figure_enqueues_a_refresh(
        cast, coal, enqueued, django_capture_on_commit_callbacks, change):
    """Delivered tonnes, complaints and claims, invoiced, owed and collected are scorecard figures too: the
    dashboards follow them within a minute, not at the next hourly run."""
    ExchangeRateFactory(currency="USD", valid_from=datetime.date(2026, 1, 1), rate=Decimal("7.1"))
    shipment = Shipment(deal=coal, vessel_name="Pacific Glory")
    if change != "bl":
        shipment = loaded(coal, cast.rep, outturn_tonnes=Decimal(59000))
    received = {"assignee": cast.service, "channel": "email", "severity": "medium", "received_at": timezone.now(),
                "description": "Short-landed", "by": cast.rep}
    if change == "resolve":
        complaint = complaints.complaint_record(customer=coal.customer, contact=None, category="quantity",
                                                contract_number="", claimed_amount=None, claimed_currency="",
                                                **received)
        complaint = complaints.complaint_transition(complaint=complaint, to_status=Complaint.Status.INVESTIGATING,
                                                    by=cast.service)
    if change == "payment":
        invoice = receivables.provisional_issue(shipment=shipment, by=cast.rep)
    with django_capture_on_commit_callbacks(execute=True):
        if change == "bl":
            loaded(coal, cast.rep, bl_date=today())
        elif change == "complaint":
            complaints.complaint_record(customer=coal.customer, contact=None, category="quantity", contract_number="",
                                        claimed_amount=None, claimed_currency="", **received)
        elif change == "resolve":
            complaints.complaint_transition(complaint=complaint, to_status=Complaint.Status.RESOLVED, by=cast.service,
                                            text="Credited", settlement=Complaint.Settlement.CREDIT_NOTE,
                                            settled_amount=Decimal("5748.00"))
        elif change == "claim":
            suggestion = next(each for each in suggested_claims(shipment) if each.kind == CargoClaim.Kind.QUANTITY)
            execution.claim_raise(shipment=shipment, suggestion=suggestion, **received)
        elif change == "invoice":
            receivables.provisional_issue(shipment=shipment, by=cast.rep)
        else:
            receivables.payment_record(customer=coal.customer, received_on=today(), amount=Decimal("1000000.00"),
                                       currency="USD", by=cast.rep, allocations={invoice.pk: Decimal("1000000.00")})
    assert enqueued.call_count == 1
    assert scorecards.ScorecardRefresh.objects.filter(person=cast.rep).exists()


def test_a_cargo_lifted_today_is_on_the_sellers_scorecard_after_the_refresh(cast, coal, enqueued,
                                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        loaded(coal, cast.rep, bl_date=today(), bl_tonnes=Decimal("61250.5"))
    scorecards.refresh_run(periods(enqueued.call_args))
    card = Scorecard.objects.get(subject="rep", subject_id=cast.rep.pk, period="month",
                                 period_start=today().replace(day=1))
    assert card.delivered_tonnage == Decimal("61250.5")


def test_the_refresh_writes_the_same_rows_twice(cast, deal):
    """Idempotent: the same request counted again (a message delivered twice, the rep asked for again)
    leaves every row as it was, and writes none."""
    sign(deal, cast.rep)
    work = [["quarter", quarter_start(today()).isoformat()], ["month", today().replace(day=1).isoformat()]]
    assert scorecards.refresh_run(work) == 12  # never computed yet: the periods whole, every subject's
    columns = [field.name for field in Scorecard._meta.concrete_fields]
    rows = list(Scorecard.objects.order_by("pk").values_list(*columns))
    assert scorecards.refresh_run(work) == 0  # nobody waits any more
    scorecards.request_refresh(scorecards.periods_touched([], today()), [cast.rep.pk])
    assert scorecards.refresh_run(work) == 0  # counted again: nothing differs
    assert list(Scorecard.objects.order_by("pk").values_list(*columns)) == rows
    rep = Scorecard.objects.get(subject="rep", subject_id=cast.rep.pk, period="quarter")
    assert rep.sales_amount == Decimal("31240000.00")  # 55,000 t x 80 USD x 7.1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_brings_a_signing_onto_the_reps_dashboard(tmp_path, eager_celery, cast, client_as, settings):
    settings.SCORECARD_REFRESH_DELAY = 0
    deal = DealFactory(customer=CustomerFactory(owner=cast.rep))
    log = tmp_path / "worker.log"
    with real_worker(eager_celery, log, DATABASE_URL=_database_url_for_worker()) as queue:
        with routed(eager_celery, "targets.tasks.*", queue):
            sign(deal, cast.rep)  # commits at once (no test transaction): on_commit enqueues the refresh

            def signed_on_scorecard() -> bool:
                card = Scorecard.objects.filter(subject="rep", subject_id=cast.rep.pk, period="quarter").first()
                return card is not None and card.signed_contracts == 1

            wait_for(signed_on_scorecard, seconds=60)
    assert signed_on_scorecard(), "the worker did not refresh the scorecard within a minute"
    page = client_as(cast.rep).get(reverse("dashboards:mine"), follow=True).content.decode()
    assert "31,240,000" in page


def test_a_signing_moves_the_figures_of_the_signer_their_team_and_department_only(cast, deal,
                                                                                  django_assert_max_num_queries):
    """The refresh a signing enqueues counts the seller afresh and their team's and department's figures from
    everyone's stored totals: only those figures move; the other people's and the other team's rows come out as
    they were. (Scorecards have no organisation row: the department is the top.)"""
    sign(DealFactory(customer=CustomerFactory(owner=cast.other_rep)), cast.other_rep)
    activities.activity_log(activity=Activity(customer=CustomerFactory(owner=cast.account_manager),
                                              happened_at=timezone.now(), summary="Visited the mill"),
                            contacts=[], by=cast.account_manager)
    work = [[period, start.isoformat()] for period, start in scorecards.periods_touched([today()], today())]
    scorecards.refresh_run(work)
    figures = ["subject", "subject_id", "period", *kpis.FIGURES]

    def rows() -> dict[tuple, tuple]:
        return {row[:3]: row for row in Scorecard.objects.values_list(*figures)}

    before = rows()
    sign(deal, cast.rep)
    with django_assert_max_num_queries(REFRESH_QUERIES):
        scorecards.refresh_run(work)
    after = rows()
    moved = {key[:2] for key in after if after[key] != before.get(key)}
    assert moved == {("rep", cast.rep.pk), ("team", cast.rep.team_id), ("department", cast.rep.team.department_id)}
    for period in ("month", "quarter"):
        assert (Scorecard.objects.get(subject="team", subject_id=cast.rep.team_id, period=period).signed_contracts
                == before["team", cast.rep.team_id, period][figures.index("signed_contracts")] + 1)
