"""`manage.py seed_demo`: the documented demo organisation, deterministic and safe to run twice."""

import importlib
import io
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, Max, Min, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Attendance, Department, Position, Team, Training, User
from bulksales.demo.organisation import DEMO_PASSWORD, demo_logins
from customers.complaints import deadlines_for
from customers.models import Complaint, Contact, Customer, SatisfactionSurvey, TierChange
from customers.services import name_key
from customers.tiers import recompute_tiers
from pipeline.activities import refresh_customer_follow_up
from pipeline.execution.models import Assay, AssayResult, CargoClaim, LaytimeStatement, Shipment, validate_imo
from pipeline.execution.selectors import off_spec_q, valuation
from pipeline.execution.services import bl_outside_tolerance
from pipeline.letters_of_credit.models import Discrepancy, LCAmendment, LetterOfCredit, Presentation, validate_bic
from pipeline.letters_of_credit.reminders import LC_EXPIRING, LC_NOT_RECEIVED, LC_SHIPMENT
from pipeline.models import STAGE_ORDER, Activity, Deal, MarketResearch, Reminder, StageMove
from pipeline.receivables import money, services
from pipeline.receivables.models import Invoice, Payment
from pipeline.receivables.selectors import ageing_q, balance_drift
from pipeline.reminders import JOB_KINDS, raise_reminders
from pipeline.selectors import rate_for
from targets.kpis import compute_scorecards
from targets.models import RepTarget, Scorecard, TeamTarget
from targets.periods import previous_quarter, quarter_bounds, quarter_of

from .conftest import seed_once_per_module

create_tier_policies = importlib.import_module("customers.migrations.0002_default_tier_policies").create


def counts():
    models = (User, Department, Team, Training, Attendance, Customer, Contact, Complaint, SatisfactionSurvey,
              TierChange,
              Deal, StageMove, Activity, MarketResearch, Reminder, Shipment, Assay, LaytimeStatement, CargoClaim,
              LetterOfCredit, LCAmendment, Discrepancy, Invoice, Payment)
    return [model.objects.count() for model in models]


def assert_every_demo_login_signs_in(client) -> None:
    """Every login of the README signs in with the documented password."""
    for username, _name, _position in demo_logins():
        response = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        client.logout()


def test_if_empty_leaves_a_database_with_users_alone(db, capsys):
    User.objects.create_user("someone", password="x-long-password-1")
    call_command("seed_demo", "--if-empty")
    assert User.objects.count() == 1
    assert "left as it is" in capsys.readouterr().out


def test_seed_demo_builds_the_organisation_the_readme_documents(demo):
    assert User.objects.filter(position=Position.DIRECTOR).count() == 1
    assert Team.objects.count() == 3
    for team in Team.objects.all():
        assert team.manager.position == Position.MANAGER
        assert team.members.filter(position=Position.REP).count() == 4
    assert User.objects.filter(position=Position.ACCOUNT_MANAGER).count() == 3
    assert User.objects.filter(position=Position.CUSTOMER_SERVICE).count() == 2
    assert User.objects.filter(position=Position.MARKETING).count() == 1
    assert set(Department.objects.values_list("name_zh", flat=True)) == {"销售部", "市场部", "客户服务部", "业务拓展部"}


def test_seed_demo_adds_customers_in_china_and_abroad_with_complaints_in_every_state(demo):
    assert Customer.objects.count() == 200
    assert Customer.objects.exclude(country="CN").count() == 20
    assert not Customer.objects.filter(contacts__isnull=True).exists()
    assert set(Customer.objects.values_list("tier", flat=True)) == {"high", "general", "low"}
    assert set(Complaint.objects.values_list("status", flat=True)) == {"open", "investigating", "resolved", "closed"}
    assert SatisfactionSurvey.objects.count() > 100


def test_every_demo_login_signs_in_with_the_documented_password(client, demo):
    assert_every_demo_login_signs_in(client)


def test_running_seed_demo_twice_adds_nothing(demo):
    first = counts()
    call_command("seed_demo")
    assert counts() == first


def test_the_readme_lists_every_demo_login(settings):
    readme = (settings.BASE_DIR / "README.md").read_text()
    for username, _name, _position in demo_logins():
        assert f"`{username}`" in readme, username
    assert DEMO_PASSWORD in readme


def test_seed_demo_adds_a_living_pipeline(demo):
    assert 300 <= Deal.objects.count() <= 400
    assert set(Deal.objects.values_list("stage", flat=True)) == {"research", "development", "negotiation", "follow_up"}
    assert set(Deal.objects.values_list("outcome", flat=True)) == {"open", "won", "lost"}
    won = Deal.objects.filter(outcome="won")
    assert not won.filter(contract_number="").exists() and not won.filter(signed_on__isnull=True).exists()
    assert StageMove.objects.filter(to_outcome="won").count() == won.count()
    # Each deal's furthest stage is the highest its moves took it to (the team funnel counts it).
    reached = {deal: "research" for deal in Deal.objects.values_list("pk", flat=True)}
    for deal, stage in StageMove.objects.order_by("at", "pk").values_list("deal", "to_stage"):
        reached[deal] = max(reached[deal], stage, key=STAGE_ORDER.index)
    assert dict(Deal.objects.values_list("pk", "furthest_stage")) == reached
    # Each move keeps when its deal entered the stage it left, as the migration that added it computes it.
    kept = list(StageMove.objects.order_by("pk").values_list("pk", "from_stage_since"))
    assert all(since is not None for _pk, since in kept)
    StageMove.objects.update(from_stage_since=None)
    importlib.import_module("pipeline.migrations.0019_stage_move_from_stage_since").fill(django_apps, None)
    assert list(StageMove.objects.order_by("pk").values_list("pk", "from_stage_since")) == kept
    assert Activity.objects.count() > 2000
    assert not Customer.objects.exclude(status="lost").filter(last_contacted_at__isnull=True).exists()
    assert MarketResearch.objects.count() == 40
    assert Reminder.objects.exists()


def test_seed_demo_executes_the_signed_contracts_in_every_state(demo):
    shipments = list(Shipment.objects.select_related("deal"))
    assert {shipment.state for shipment in shipments} == set(Shipment.State)
    for shipment in shipments:
        if shipment.imo:
            validate_imo(shipment.imo)
        # Within tolerance unless a manager accepted it with a reason.
        if bl_outside_tolerance(shipment):
            assert shipment.bl_accepted_by_id and shipment.bl_acceptance_reason
    assert Shipment.objects.filter(bl_accepted_by__isnull=False).count() == 1
    assert Assay.objects.count() > 100 and LaytimeStatement.objects.filter(completed_at__isnull=True).exists()
    assert set(CargoClaim.objects.values_list("kind", flat=True)) == {"quantity", "quality"}
    assert Complaint.objects.filter(cargo_claim__isnull=False, status="resolved").exclude(settlement="").count() == 2
    # Every cause the hourly job raises, the execution ones included.
    assert set(Reminder.objects.values_list("kind", flat=True)) >= set(JOB_KINDS)


def test_seed_demo_invoices_the_cargo_and_receives_payments(demo):
    # A provisional invoice on every B/L, a final one on every final value, a prepayment per T/T deposit contract.
    loaded = set(Shipment.objects.filter(bl_date__isnull=False).values_list("pk", flat=True))
    assert set(Invoice.objects.filter(kind__in=["provisional", "final"]).values_list("shipment", flat=True)) == loaded
    finals = Invoice.objects.filter(kind="final")
    assert sorted(finals.values_list("shipment", flat=True)) == sorted(
        Shipment.objects.filter(finalised_at__isnull=False).values_list("pk", flat=True))
    assert finals.filter(amount__lt=0, number__startswith="CN-").count() == finals.filter(amount__lt=0).count()
    assert Invoice.objects.filter(kind="prepayment").count() == Deal.objects.filter(
        outcome="won", payment_terms="tt_deposit").count()
    # What a final cargo's invoices bill adds up to its final value, less its share of a deposit.
    for shipment in Shipment.objects.filter(finalised_at__isnull=False, deal__prepayment_percent=0):
        billed = Invoice.objects.filter(shipment=shipment, complaint__isnull=True).values_list("amount", flat=True)
        assert sum(billed, Decimal(0)) == shipment.final_value
    # The two settled demo claims are credited.
    assert sorted(Invoice.objects.filter(kind="credit_note").values_list("complaint__settlement", flat=True)) == [
        "credit_note", "discount"]
    # Overdue amounts in every ageing bucket, and part payments among the payments.
    opened = Invoice.objects.all()
    assert not balance_drift(opened).exists()
    today = timezone.localdate()
    assert {bucket for bucket in money.Bucket.ALL if opened.filter(ageing_q(bucket, today)).exists()} == set(
        money.Bucket.ALL)
    assert opened.filter(allocated__gt=0, open_amount__gt=0).exists()
    assert Payment.objects.filter(allocations__isnull=False).count() == Payment.objects.count()


def test_seed_demo_gives_the_contracts_on_lc_terms_their_letters_of_credit(demo):
    on_lc = Deal.objects.filter(outcome="won", payment_terms__in=["lc_sight", "lc_usance"])
    letters = list(LetterOfCredit.objects.select_related("deal"))
    assert {letter.deal.payment_terms for letter in letters} == {"lc_sight", "lc_usance"}
    assert len({letter.deal_id for letter in letters}) == len(letters) >= on_lc.count() - 2
    for letter in letters:
        for bic in (letter.issuing_bank_bic, letter.advising_bank_bic):
            if bic:
                validate_bic(bic)
    statuses = Counter(letter.shown_status(timezone.localdate()) for letter in letters)
    assert statuses["expected"] >= 1 and statuses["discrepant"] == 2 and statuses["accepted"] >= 1
    assert statuses["paid"] > len(letters) / 2
    # The discrepant ones: one with a discrepancy waived and one open, one with one open; one corrected and paid.
    assert sorted(Discrepancy.objects.values_list("resolution", flat=True)) == ["", "", "corrected", "waived"]
    assert LCAmendment.objects.exists()
    # One L/C expiring within the week with its documents not presented, one still expected near its laycan.
    open_kinds = Counter(kind for kind, _cause in set(Reminder.objects.filter(done_at__isnull=True)
                                                      .values_list("kind", "cause")))
    assert open_kinds[LC_EXPIRING] == 1 and open_kinds[LC_NOT_RECEIVED] == 1 and open_kinds[LC_SHIPMENT] >= 1


# --- seed_demo --size large, at a small scale -------------------------------------------------------

SMALL = "0.01"  # 200 customers, 2,000 deals, 10,000 activities, 200 complaints; the people in full


def large(scale: str = SMALL) -> tuple[str, ...]:
    """The arguments of `seed_demo` for the large data set at `scale`."""
    return ("--size", "large", "--scale", scale)


def seed_large(scale: str = SMALL) -> str:
    out = io.StringIO()
    call_command("seed_demo", *large(scale), stdout=out)
    return out.getvalue()


@pytest.fixture
def large_demo(request, shared_seed) -> str:
    """The large data set at the small scale, seeded once for the tests below that use it."""
    return seed_once_per_module(request, *large())


@pytest.fixture
def smallest_large_demo(request, shared_seed) -> str:
    """The large data set's 300 people with a handful of records, seeded once for the tests that use it."""
    return seed_once_per_module(request, *large("0.002"))


# The regular seed is still held from the tests above.
def test_the_large_seed_refuses_a_database_with_the_regular_demo(demo):
    first = counts()
    with pytest.raises(CommandError, match="already has customers"):
        seed_large("0.002")
    assert counts() == first


def test_the_large_seed_builds_300_people_in_25_teams_shaped_like_the_demos(smallest_large_demo):
    assert 290 <= User.objects.count() <= 310
    assert Team.objects.count() == 25
    for team in Team.objects.select_related("manager"):
        assert team.manager.position == Position.MANAGER
        assert team.members.filter(position=Position.REP).count() == 7
        assert team.members.filter(position=Position.ACCOUNT_MANAGER).count() == 2
    assert User.objects.filter(position=Position.DIRECTOR).count() == 1
    assert User.objects.filter(position=Position.MANAGER).count() == 25
    assert User.objects.filter(position=Position.CUSTOMER_SERVICE, department__name="Customer Service").count() >= 20
    assert User.objects.filter(position=Position.MARKETING, department__name="Marketing").count() >= 10
    assert set(Department.objects.values_list("name_zh", flat=True)) == {"销售部", "市场部", "客户服务部", "业务拓展部"}
    # The demo people keep their teams: rep1-rep4 and am1 in manager1's team...
    first = Team.objects.get(manager__username="manager1")
    assert {"rep1", "rep2", "rep3", "rep4", "am1"} <= set(first.members.values_list("username", flat=True))


def test_every_demo_login_signs_in_to_the_large_data_set(client, smallest_large_demo):
    assert_every_demo_login_signs_in(client)


def test_the_large_seed_refuses_a_database_that_has_customers(smallest_large_demo):
    first = counts()
    with pytest.raises(CommandError, match="already has customers"):
        seed_large("0.002")
    call_command("seed_demo", "--size", "large", "--if-empty", stdout=io.StringIO())
    with pytest.raises(CommandError, match="already has customers"):
        seed_large()
    assert counts() == first


def test_the_large_seed_makes_the_scaled_numbers_of_records(large_demo):
    assert Customer.objects.count() == 200
    assert Deal.objects.count() == 2000
    assert Activity.objects.count() == 10_000
    assert Complaint.objects.count() == 200
    assert 200 <= Contact.objects.count() <= 600
    assert Customer.objects.exclude(country="CN").count() == 24
    assert not Customer.objects.filter(contacts__isnull=True).exists()
    assert SatisfactionSurvey.objects.count() > 100
    assert MarketResearch.objects.count() == 40
    assert Reminder.objects.exists()
    # Targets for the eight quarters before the running one and the running one, every team and seller.
    assert TeamTarget.objects.count() == 25 * 9
    assert RepTarget.objects.count() == 25 * 9 * 9
    today = timezone.localdate()
    for start in (quarter_bounds(*quarter_of(today))[0], quarter_bounds(*previous_quarter(*quarter_of(today)))[0]):
        cards = Scorecard.objects.filter(period=Scorecard.Period.QUARTER, period_start=start)
        assert cards.filter(subject=Scorecard.Subject.REP).count() == 225
        assert cards.filter(subject=Scorecard.Subject.TEAM).count() == 25
    assert "pipeline.Activity" in large_demo and "10,000 rows" in large_demo  # what the command printed


def test_the_large_seed_has_the_demos_commission_plans_and_statements(large_demo):
    """Both quarters' plans, a statement for every seller the plan covers, the previous quarter's approved: the
    statement pages are measured at the large size on the records they have at the demo size."""
    from targets.incentives.models import IncentivePlan, Statement

    current, previous = quarter_of(timezone.localdate()), previous_quarter(*quarter_of(timezone.localdate()))
    plans = {(plan.year, plan.quarter): plan for plan in IncentivePlan.objects.all()}
    assert set(plans) == {current, previous}
    sellers = User.objects.filter(is_active=True, position__in=plans[current].positions).count()
    for plan in plans.values():
        assert plan.statements.count() == sellers
    assert set(plans[previous].statements.values_list("status", flat=True)) == {Statement.Status.APPROVED}
    assert not plans[current].statements.filter(status=Statement.Status.APPROVED).exists()
    assert plans[current].statements.filter(lines__isnull=False).exists()


def test_the_large_seed_spreads_two_years_of_history(large_demo):
    now = timezone.now()
    oldest = Deal.objects.order_by("created_at").values_list("created_at", flat=True).first()
    assert timedelta(days=600) < now - oldest <= timedelta(days=731)
    signed = set(Deal.objects.filter(outcome="won").values_list("signed_on__year", "signed_on__month"))
    assert len(signed) >= 22  # signings in (almost) every month of the two years
    complaints = Complaint.objects.order_by("received_at").values_list("received_at", flat=True)
    assert now - complaints.first() > timedelta(days=500)
    assert set(Complaint.objects.values_list("status", flat=True)) == {"open", "investigating", "resolved", "closed"}
    assert set(Customer.objects.values_list("tier", flat=True)) == {"high", "general", "low"}
    # Every cause the hourly job raises (transfers and amendments come from people's actions, not the seed).
    assert set(Reminder.objects.values_list("kind", flat=True)) == set(JOB_KINDS)


def test_every_large_deal_has_the_stage_moves_of_its_path(large_demo):
    assert set(Deal.objects.values_list("stage", flat=True)) == {"research", "development", "negotiation", "follow_up"}
    assert set(Deal.objects.filter(outcome="open").values_list("stage", flat=True)) == {
        "research", "development", "negotiation"}
    moves: dict[int, list[StageMove]] = {}
    for move in StageMove.objects.order_by("deal_id", "at", "pk"):
        moves.setdefault(move.deal_id, []).append(move)
    for deal in Deal.objects.all():
        path = moves.get(deal.pk, [])
        stage, outcome, entered, furthest = "research", "open", deal.created_at, "research"
        for move in path:
            furthest = max(furthest, move.to_stage, key=STAGE_ORDER.index)
            assert (move.from_stage, move.from_outcome) == (stage, outcome), deal.pk
            assert move.at >= entered and move.by_id == deal.owner_id
            assert move.from_stage_since == entered, deal.pk  # as services._record keeps it
            if move.to_stage != move.from_stage:
                entered = move.at
            else:
                assert move.to_outcome == "lost" and move.reason
            stage, outcome = move.to_stage, move.to_outcome
        assert (deal.stage, deal.outcome, deal.stage_entered_at) == (stage, outcome, entered), deal.pk
        assert deal.furthest_stage == furthest, deal.pk
        if deal.outcome == "won":
            assert deal.signed_on == timezone.localtime(path[-1].at).date() and deal.contract_number
            assert deal.rate_to_base == rate_for(deal.currency, deal.signed_on)
        else:
            assert deal.signed_on is None and not deal.contract_number
            assert deal.rate_to_base == rate_for(deal.currency)
        assert (deal.lost_reason_id is not None) == (deal.outcome == "lost")
        assert deal.amount_base == (deal.quantity_tonnes * deal.price_per_tonne * deal.rate_to_base).quantize(
            Decimal("0.01"))
        assert deal.created_at >= deal.customer.created_at


def test_the_large_seeds_derived_columns_are_what_the_services_compute(large_demo):
    stored = list(Customer.objects.order_by("pk").values_list("pk", "tier", "last_contacted_at", "next_follow_up_on"))
    assert recompute_tiers() == 0
    refresh_customer_follow_up(Customer.objects.values("pk"))
    assert list(Customer.objects.order_by("pk").values_list(
        "pk", "tier", "last_contacted_at", "next_follow_up_on")) == stored
    latest = dict(Activity.objects.values("customer").order_by().annotate(latest=Max("happened_at")).values_list(
        "customer", "latest"))
    for pk, _tier, last_contacted_at, _next in stored:
        assert last_contacted_at == latest.get(pk)
    for customer in Customer.objects.all():
        assert customer.name_key == name_key(customer.name)
    for complaint in Complaint.objects.all():
        assert (complaint.respond_by, complaint.resolve_by) == deadlines_for(complaint.severity, complaint.received_at)
        assert (complaint.resolved_at is not None) == (complaint.status in ("resolved", "closed"))
        assert (complaint.responded_at is not None) == (complaint.status != "open" or complaint.events.filter(
            kind="comment").exists())
    # Today's reminders are those the hourly job would raise: running it adds none.
    assert raise_reminders() == 0
    # The running quarter's scorecards are those the job computes.
    start = quarter_bounds(*quarter_of(timezone.localdate()))[0]
    fields = ["subject", "subject_id", "sales_amount", "signed_contracts", "new_customers", "visits", "score"]
    cards = list(Scorecard.objects.filter(period="quarter", period_start=start).order_by("subject", "subject_id")
                 .values_list(*fields))
    compute_scorecards(period="quarter", start=start)
    assert list(Scorecard.objects.filter(period="quarter", period_start=start).order_by("subject", "subject_id")
                .values_list(*fields)) == cards


def test_the_large_seeds_shipments_are_what_the_services_would_have_recorded(large_demo):
    signed = Deal.objects.filter(outcome="won")
    assert Shipment.objects.count() >= signed.count() / 2
    assert {shipment.state for shipment in Shipment.objects.all()} == set(Shipment.State)
    # Each contract's shipments are numbered 1, 2, ... with no gap, and no more than its liftings.
    numbered = (Shipment.objects.values("deal").order_by("deal")
                .annotate(count=Count("pk"), first=Min("number"), last=Max("number"), liftings=Max("deal__liftings")))
    assert [row for row in numbered if (row["first"], row["last"]) != (1, row["count"])
            or row["last"] > row["liftings"]] == []
    for shipment in Shipment.objects.select_related("deal__specification"):
        if shipment.imo:
            validate_imo(shipment.imo)
        assert not bl_outside_tolerance(shipment) or shipment.bl_acceptance_reason
        if shipment.finalised_at:
            worth = valuation(shipment)
            assert (worth.value, worth.value_base) == (shipment.final_value, shipment.final_value_base), shipment.pk
    assert AssayResult.objects.exists() and LaytimeStatement.objects.exists()
    # Each result judged as recording it judges it (services.judge_results), some of them off spec.
    off_spec = set(AssayResult.objects.filter(off_spec=True).values_list("pk", flat=True))
    assert off_spec and off_spec == set(AssayResult.objects.filter(off_spec_q()).values_list("pk", flat=True))


def test_the_large_seed_invoices_every_bl_and_final_value(large_demo):
    assert Invoice.objects.filter(kind="provisional").count() == Shipment.objects.filter(bl_date__isnull=False).count()
    assert Invoice.objects.filter(kind="final").count() == Shipment.objects.filter(finalised_at__isnull=False).count()
    # A final cargo's two invoices bill its final value, as the services would.
    billed = dict(Invoice.objects.filter(shipment__finalised_at__isnull=False).values("shipment")
                  .annotate(total=Sum("amount")).values_list("shipment", "total"))
    assert billed == dict(Shipment.objects.filter(finalised_at__isnull=False).values_list("pk", "final_value"))
    # Each invoice's balances written with it, as the services keep them.
    opened = Invoice.objects.all()
    assert not balance_drift(opened).exists()
    assert opened.filter(allocated__gt=0, open_amount__gt=0).exists()
    assert opened.filter(allocated=0, open_amount__gt=0, due_on__lt=timezone.localdate()).exists()
    # The numbers continue where the seed left them.
    year = Invoice.objects.latest("issued_on").issued_on.year
    last = Invoice.objects.filter(number__startswith=f"INV-{year}-").order_by("-number").first()
    assert services.next_number("INV", year) == f"INV-{year}-{int(last.number[-4:]) + 1:04d}"


def test_the_large_seed_gives_every_contract_on_lc_terms_its_letter_of_credit(large_demo):
    on_lc = Deal.objects.filter(outcome="won", payment_terms__in=["lc_sight", "lc_usance"], laycan_start__isnull=False)
    assert LetterOfCredit.objects.count() == on_lc.count() > 0
    letters = list(LetterOfCredit.objects.select_related("deal"))
    assert {letter.status for letter in letters} >= {"received", "presented", "accepted", "paid"}
    for letter in letters:
        assert (letter.number == "") == (letter.status == "expected")
        assert letter.amount == (letter.deal.quantity_tonnes * letter.deal.price_per_tonne).quantize(Decimal("0.01"))
    # Each presentation is of a loaded cargo of the L/C's own contract, presented after its B/L.
    for presentation in Presentation.objects.select_related("shipment", "letter_of_credit"):
        assert presentation.shipment.deal_id == presentation.letter_of_credit.deal_id
        assert presentation.shipment.bl_date <= presentation.presented_on
    assert LetterOfCredit.objects.filter(status="discrepant").count() == Discrepancy.objects.filter(
        resolution="").count()


def test_demo_logins_see_their_own_large_data(client, large_demo):
    rep1 = User.objects.get(username="rep1")
    own = Customer.objects.filter(owner=rep1).order_by("name").first()
    other = Customer.objects.filter(owner__username="rep2").first()
    client.force_login(rep1)
    page = client.get("/customers/").content.decode()
    assert own.name in page and other.name not in page
    assert client.get("/dashboard/rep/").status_code == 200
    assert Scorecard.objects.filter(subject="rep", subject_id=rep1.pk).exists()
    client.force_login(User.objects.get(username="manager1"))
    page = client.get("/dashboard/team/").content.decode()
    assert rep1.full_name in page


def test_the_large_seeds_queries_do_not_grow_with_its_rows(db, monkeypatch):
    """Bulk writes: twice the records cost a handful more multi-row INSERTs, not a query per row. The commission
    statements are left out: the worker's own function computes them a person at a time, and the people are
    the same 300 at every scale."""
    from bulksales.demo import seeders
    from bulksales.demo.large.incentives import seed_incentives_large

    monkeypatch.setattr(seeders, "LARGE_SEEDERS", [
        seeder for seeder in seeders.LARGE_SEEDERS if seeder is not seed_incentives_large])
    queries = []
    for scale in ("0.003", "0.006"):
        call_command("flush", "--no-input")
        create_tier_policies(django_apps, None)
        with CaptureQueriesContext(connection) as context:
            seed_large(scale)
        queries.append(len(context.captured_queries))
    rows = Activity.objects.count() + Deal.objects.count() + StageMove.objects.count()
    assert queries[1] <= queries[0] + 5, queries
    # A fixed ~1,000 (organisation, scorecards, the reminders job over L/Cs and invoices...) against ~10,000 rows.
    assert queries[1] < rows / 8
