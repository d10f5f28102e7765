"""Dashboards: a rep's quarter, a manager's team, the director's department, and scorecard exports,
each as far as the user may see, read from the stored scorecards at a fixed cost in queries."""

import csv
import datetime
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import Position
from accounts.sql import first_and_total
from customers.models import Complaint, Customer
from customers.selectors import ACTIVE
from pipeline.models import STAGE_ORDER, Deal, Outcome, Reminder, Stage, StageMove
from pipeline.selectors import deals_visible_to, open_reminders
from targets import dashboards, periods
from targets.coaching.models import CoachingNote
from targets.kpis import compute_scorecards, scoring_team_q
from targets.models import Scorecard
from targets.views.dashboards import COMPLAINT_ROW

from .conftest import ROLES
from .factories import (
    ActivityFactory,
    ComplaintFactory,
    CustomerFactory,
    DealFactory,
    RepTargetFactory,
    SignedDealFactory,
    TeamTargetFactory,
    UserFactory,
)
from .factories.receivables import InvoiceFactory
from .queries import assert_queries_pinned, index_names, plan_of

OK, FORBIDDEN, MISSING = 200, 403, 404
SELLERS = ["director", "manager", "rep", "account_manager", "other_manager", "other_rep"]
MANAGERS = ["director", "manager", "other_manager"]


def url(name: str, *args) -> str:
    return reverse(f"dashboards:{name}", args=args)


def today() -> datetime.date:
    return timezone.localdate()


def this_quarter() -> tuple[int, int]:
    day = today()
    return day.year, (day.month - 1) // 3 + 1


def quarter_end() -> datetime.date:
    """The running quarter's last day: an open deal expected then counts in this quarter's forecast."""
    return periods.period_bounds(Scorecard.Period.QUARTER, today())[1]


def compute(period: str = Scorecard.Period.QUARTER) -> None:
    compute_scorecards(period=period, start=today())


def won_deal(owner, **kwargs):
    """Signed on the quarter's first day: 55,000 t at 80 USD, rate 7.1 = 31,240,000 CNY."""
    return DealFactory(customer=kwargs.pop("customer", None) or CustomerFactory(owner=owner), stage=Stage.FOLLOW_UP,
                       outcome=Outcome.WON, contract_number=kwargs.pop("contract_number", f"C-{owner.pk}"),
                       signed_on=periods.quarter_start(today()), **kwargs)


def target_for(rep, sales_amount: str):
    year, quarter = this_quarter()
    team_target = TeamTargetFactory(team=rep.team, year=year, quarter=quarter)
    return RepTargetFactory(team_target=team_target, rep=rep, sales_amount=Decimal(sales_amount))


def move(deal, *stages: str, by) -> None:
    """Record the deal's moves through `stages`, from market research on, and the furthest stage they took it
    to, as the services do."""
    previous = Stage.RESEARCH
    for stage in stages:
        won = stage == Stage.FOLLOW_UP
        StageMove.objects.create(deal=deal, from_stage=previous, to_stage=stage, from_outcome=Outcome.OPEN,
                                 to_outcome=Outcome.WON if won else Outcome.OPEN, by=by)
        previous = stage
    deal.__class__.objects.filter(pk=deal.pk).update(
        furthest_stage=max([deal.furthest_stage, *stages], key=STAGE_ORDER.index))


# --- Who may open what ------------------------------------------------------------------------------


@pytest.mark.parametrize("role,target", [
    ("director", "dashboards:director"),
    ("manager", "dashboards:manager"),
    ("other_manager", "dashboards:manager"),
    ("rep", "dashboards:rep"),
    ("account_manager", "dashboards:rep"),
    ("other_rep", "dashboards:rep"),
    ("service", "customers:list"),
    ("marketing", "customers:list"),
])
def test_my_dashboard_is_the_one_of_my_position(client_as, cast, role, target):
    response = client_as(cast.by_role(role)).get(url("mine"))
    assert response.status_code == 302
    assert response["Location"] == reverse(target)


def _only(allowed: list[str], otherwise: int = FORBIDDEN, **special) -> dict[str, int]:
    return {role: special.get(role, OK if role in allowed else otherwise) for role in ROLES if role != "anonymous"}


PAGES = {
    "my rep dashboard": (lambda c: url("rep"), _only(SELLERS)),
    "rep A's dashboard": (lambda c: url("rep", c.rep.pk), _only(
        SELLERS, account_manager=MISSING, other_manager=MISSING, other_rep=MISSING)),
    "my team": (lambda c: url("manager"), _only(MANAGERS)),
    "team A": (lambda c: url("manager", c.rep.team_id), _only(MANAGERS, other_manager=MISSING)),
    "team A's pipeline and visits": (lambda c: url("manager", c.rep.team_id, "pipeline"),
                                     _only(MANAGERS, other_manager=MISSING)),
    "team A's open items": (lambda c: url("manager", c.rep.team_id, "open-items"),
                            _only(MANAGERS, other_manager=MISSING)),
    "a tab the team page does not have": (lambda c: url("manager", c.rep.team_id, "history"),
                                          _only([], manager=MISSING, other_manager=MISSING, director=MISSING)),
    "department": (lambda c: url("director"), _only(["director"])),
    "rep export": (lambda c: url("export", "rep", "csv"), _only(SELLERS, otherwise=MISSING)),
    "team export": (lambda c: url("export", "team", "xlsx"), _only(MANAGERS, otherwise=MISSING)),
    "department export": (lambda c: url("export", "department", "csv"), _only(["director"], otherwise=MISSING)),
    "export in an unknown format": (lambda c: url("export", "rep", "pdf"), _only([], otherwise=MISSING)),
    "export of an unknown scope": (lambda c: url("export", "region", "csv"), _only([], otherwise=MISSING)),
}


@pytest.mark.parametrize("page,role", [(page, role) for page in PAGES for role in ROLES])
def test_each_page_opens_for_exactly_the_positions_it_serves(client_as, cast, page, role):
    make_url, expected = PAGES[page]
    response = client_as(cast.by_role(role)).get(make_url(cast))
    if role == "anonymous":
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    else:
        assert response.status_code == expected[role], (page, role)


def test_a_director_opens_any_sellers_dashboard_and_a_manager_only_their_teams(client_as, cast):
    assert client_as(cast.director).get(url("rep", cast.other_rep.pk)).status_code == OK
    assert client_as(cast.director).get(url("manager", cast.other_rep.team_id)).status_code == OK
    assert client_as(cast.manager).get(url("rep", cast.account_manager.pk)).status_code == OK
    assert client_as(cast.manager).get(url("rep", cast.other_rep.pk)).status_code == MISSING
    # Customer service staff are nobody's sales dashboard.
    assert client_as(cast.director).get(url("rep", cast.service.pk)).status_code == MISSING


def test_pages_load_their_charts_from_files_and_json_only(client_as, cast):
    pages = ((cast.rep, url("rep")), (cast.manager, url("manager", cast.rep.team_id, "pipeline")),
             (cast.director, url("director")))
    for user, page in pages:
        html = client_as(user).get(page).text
        scripts = re.findall(r"<script([^>]*)>", html)
        assert scripts and all("src=" in attributes or 'type="application/json"' in attributes
                               for attributes in scripts), page
        assert "vendor/chart.js/chart.umd.min.js" in html and "js/charts.js" in html
        for chart_id in re.findall(r'data-chart="([^"]+)"', html):
            assert f'id="{chart_id}" type="application/json"' in html


# --- A rep's dashboard --------------------------------------------------------------------------------


def test_a_rep_sees_their_attainment_from_the_stored_scorecard(client_as, cast):
    won_deal(cast.rep)
    target_for(cast.rep, "62480000")
    client = client_as(cast.rep)
    assert "not computed yet" in client.get(url("rep")).text

    compute()
    response = client.get(url("rep"))

    sales = response.context["attainment"][0]
    assert (sales["label"], sales["value"], sales["target"], sales["percent"]) == (
        "Sales amount", Decimal("31240000.00"), Decimal("62480000.00"), Decimal("50.0"))
    assert "31,240,000 / 62,480,000 CNY" in response.text
    assert 'aria-valuenow="50"' in response.text
    assert "not computed yet" not in response.text


def test_a_rep_without_a_scorecard_yet_sees_when_scorecards_were_last_computed(client_as, cast):
    compute()
    newcomer = UserFactory(full_name="New rep", team=cast.rep.team, department=cast.rep.department)

    response = client_as(newcomer).get(url("rep"))

    assert response.context["card"] is None
    assert response.context["last_computed"] == Scorecard.objects.latest("computed_at").computed_at
    assert "not computed yet" in response.text and "last computed at" in response.text


def test_a_rep_sees_their_pipeline_follow_ups_laycans_and_visits(client_as, cast):
    customer = CustomerFactory(owner=cast.rep, name="Rizhao Hongda Steel")
    in_a_week = today() + datetime.timedelta(days=7)
    DealFactory(customer=customer, laycan_start=in_a_week, laycan_end=in_a_week + datetime.timedelta(days=9))
    DealFactory(customer=customer, stage=Stage.RESEARCH)
    DealFactory(customer=customer, laycan_start=today() + datetime.timedelta(days=45),
                laycan_end=today() + datetime.timedelta(days=50))  # too far ahead
    DealFactory(customer=CustomerFactory(owner=cast.other_rep))  # someone else's
    ActivityFactory(customer=customer, happened_at=timezone.now(), next_step="Send the offer",
                    next_step_due=today() - datetime.timedelta(days=2))
    ActivityFactory(customer=customer, happened_at=timezone.now(), next_step="Done already",
                    next_step_due=today() - datetime.timedelta(days=2), next_step_done=True)
    Reminder.objects.create(recipient=cast.rep, kind=Reminder.Kind.NEXT_STEP, cause="activity:1", day=today())

    response = client_as(cast.rep).get(url("rep"))

    stages = {row["stage"]: row for row in response.context["stages"]}
    assert stages[Stage.NEGOTIATION]["count"] == 2
    assert stages[Stage.NEGOTIATION]["total"] == Decimal("62480000.00")
    assert stages[Stage.NEGOTIATION]["weighted"] == Decimal("37488000.00")  # 60% of it
    assert stages[Stage.RESEARCH]["count"] == 1 and stages[Stage.DEVELOPMENT]["count"] == 0
    assert response.context["overdue_count"] == 1 and "Send the offer" in response.text
    assert response.context["open_reminders"] == 1
    assert [deal.laycan_start for deal in response.context["laycans"]] == [in_a_week]
    assert len(response.context["visits"]) == 2


# --- A manager's team ------------------------------------------------------------------------------------


def test_the_leaderboard_ranks_the_teams_reps_and_explains_each_score(client_as, cast):
    won_deal(cast.rep)
    target_for(cast.rep, "62480000")
    won_deal(cast.other_rep)
    compute()

    response = client_as(cast.manager).get(url("manager"))

    board = response.context["leaderboard"]
    assert [str(card.subject_object) for card in board] == ["Rep A", "AM A"]
    sales_part = board[0].parts[0]
    assert (sales_part["weight"], sales_part["ratio"], sales_part["points"]) == (40, Decimal("0.5"), Decimal(20))
    assert "40 × 0.500 = <strong>20.00</strong>" in response.text
    assert "Rep B" not in response.text
    # The rep's row as the manager reads it: rank and link, the share of the target reached, no coaching yet.
    row = response.text.split('<td class="cell-title">')[1].split("</tr>")[0]
    assert f'1. <a href="/dashboard/rep/{cast.rep.pk}/">Rep A</a>' in row
    assert "31,240,000" in row and "50% of target" in row and "not coached yet" in row
    assert '<td data-label="How the score is made">' in row


def test_the_leaderboard_shows_each_reps_latest_coaching_in_the_readers_language(client, client_as, cast):
    won_deal(cast.rep)
    compute()
    note = CoachingNote.objects.create(rep=cast.rep, coach=cast.manager, held_on=today(), went_well="Calls")
    for text in ("Visit the mill", "Send the assay"):
        note.actions.create(text=text, due_on=today())

    english = client_as(cast.manager).get(url("manager")).text
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(url("manager")).text

    day = date_format(today(), "SHORT_DATE_FORMAT")
    note_url, notes_url = reverse("coaching:detail", args=[note.pk]), reverse("coaching:list")
    assert f'<a href="{note_url}">last coached on {day}</a> · 2 open actions' in english
    assert f'<a href="{notes_url}?rep={cast.rep.pk}">all notes</a>' in english
    assert "not coached yet" in english  # the team's other seller
    assert f"最近辅导：{day}" in chinese and "尚未辅导" in chinese and "得分构成" in chinese


def test_the_team_page_is_an_overview_and_a_tab_for_the_rest_each_its_own_address(client_as, cast):
    """The quarter and the leaderboard first; the funnel and the visits, and what is open to chase, each a tab, so
    that a manager reads (and the server computes) one at a time. Switching team keeps the tab."""
    team_a, team_b = cast.rep.team, cast.other_rep.team
    director = client_as(cast.director)
    overview = director.get(url("manager", team_a.pk)).text
    assert "Leaderboard" in overview and "Funnel of the last 12 months" not in overview
    assert "Overdue invoices of the team" not in overview and "chart.umd.min.js" not in overview
    pipeline_url, open_items_url = url("manager", team_a.pk, "pipeline"), url("manager", team_a.pk, "open-items")
    assert (f'<a class="nav-link active" aria-current="page" href="{url("manager", team_a.pk)}">Overview</a>'
            in overview)
    assert f'<a class="nav-link" href="{pipeline_url}">Pipeline and visits</a>' in overview
    assert f'<a class="nav-link" href="{open_items_url}">Open items</a>' in overview

    pipeline = director.get(pipeline_url).text
    assert "Funnel of the last 12 months" in pipeline and "Visits per rep per week" in pipeline
    assert "Leaderboard" not in pipeline and "Open reminders per rep today" not in pipeline
    assert f'<a class="nav-link active" aria-current="page" href="{pipeline_url}">Pipeline and visits</a>' in pipeline
    assert f'href="{url("manager", team_b.pk, "pipeline")}"' in pipeline  # the other team, on the same tab
    assert f"<title>{team_a} · Pipeline and visits" in pipeline

    open_items = director.get(open_items_url).text
    for heading in ("Open reminders per rep today", "Open complaints of the team's customers",
                    "Open coaching actions", "Overdue invoices of the team"):
        assert heading in open_items
    assert "Leaderboard" not in open_items and "Funnel of the last 12 months" not in open_items

    chinese = client_as(cast.manager)
    chinese.cookies["django_language"] = "zh-hans"
    page = chinese.get(url("manager", team_a.pk, "open-items")).text
    assert ">概览</a>" in page and ">销售管道与拜访</a>" in page and ">待处理事项</a>" in page


def test_the_funnel_converts_deals_that_reached_each_stage_in_the_last_12_months(client_as, cast):
    def deal(stage=Stage.RESEARCH, owner=cast.rep, **kwargs):
        return DealFactory(customer=CustomerFactory(owner=owner), stage=stage, **kwargs)

    signed = deal(Stage.FOLLOW_UP, outcome=Outcome.WON, contract_number="C-1", signed_on=today())
    move(signed, Stage.DEVELOPMENT, Stage.NEGOTIATION, Stage.FOLLOW_UP, by=cast.rep)
    developing = deal(Stage.DEVELOPMENT, owner=cast.account_manager)
    move(developing, Stage.DEVELOPMENT, by=cast.account_manager)
    deal()  # still in market research
    skipped = deal(Stage.NEGOTIATION, outcome=Outcome.LOST)  # jumped to negotiation, then lost
    move(skipped, Stage.NEGOTIATION, by=cast.rep)
    old = deal(Stage.DEVELOPMENT)  # entered the pipeline more than a year ago
    move(old, Stage.DEVELOPMENT, by=cast.rep)
    old.__class__.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=400))
    move(deal(Stage.DEVELOPMENT, owner=cast.other_rep), Stage.DEVELOPMENT, by=cast.other_rep)  # team B

    funnel = client_as(cast.manager).get(url("manager", cast.rep.team_id, "pipeline")).context["funnel"]

    assert [row["reached"] for row in funnel] == [4, 3, 2, 1]
    assert [row["conversion"] for row in funnel] == [Decimal("75.0"), Decimal("66.7"), Decimal("50.0"), None]


def test_the_funnel_counts_the_teams_deals_by_owner_once_whatever_their_moves(client_as, cast):
    def deal(owner, stage=Stage.RESEARCH, **kwargs):
        return DealFactory(customer=CustomerFactory(owner=owner), stage=stage, **kwargs)

    back_and_forth = deal(cast.rep, Stage.DEVELOPMENT)
    move(back_and_forth, Stage.DEVELOPMENT, Stage.NEGOTIATION, Stage.DEVELOPMENT, Stage.NEGOTIATION, Stage.DEVELOPMENT,
         by=cast.rep)
    deal(cast.manager)  # the manager's own, in no team: it counts for the team they manage
    shared_out = deal(cast.rep, Stage.FOLLOW_UP, outcome=Outcome.WON, contract_number="C-1", signed_on=today(),
                      co_seller=cast.other_rep, co_seller_share=Decimal(50))  # team A's, shared with team B
    move(shared_out, Stage.DEVELOPMENT, Stage.NEGOTIATION, Stage.FOLLOW_UP, by=cast.rep)
    shared_in = deal(cast.other_rep, Stage.NEGOTIATION, co_seller=cast.rep, co_seller_share=Decimal(50))
    move(shared_in, Stage.DEVELOPMENT, Stage.NEGOTIATION, by=cast.other_rep)  # team B's, though team A shares it
    straight_to_signing = deal(cast.account_manager, Stage.FOLLOW_UP, outcome=Outcome.WON, contract_number="C-2",
                               signed_on=today())
    move(straight_to_signing, Stage.FOLLOW_UP, by=cast.account_manager)

    def reached(user, team):
        page = client_as(user).get(url("manager", team.pk, "pipeline"))
        return [row["reached"] for row in page.context["funnel"]]

    team_a, team_b = cast.rep.team, cast.other_rep.team
    assert reached(cast.manager, team_a) == [4, 3, 3, 2]
    assert reached(cast.director, team_a) == [4, 3, 3, 2]
    assert reached(cast.other_manager, team_b) == [1, 1, 1, 0]
    # The same as the team's deals by its scoring rule on the owner, joined with their moves.
    since = timezone.now() - datetime.timedelta(days=365)
    for user, team in [(cast.manager, team_a), (cast.other_manager, team_b)]:
        by_rule = deals_visible_to(user).filter(scoring_team_q(team))
        assert reached(user, team) == [row["reached"] for row in dashboards.funnel(deals=by_rule, since=since)]


def test_the_team_page_counts_visits_per_week_reminders_and_open_complaints(client_as, cast):
    mine, theirs = CustomerFactory(owner=cast.rep), CustomerFactory(owner=cast.other_rep)
    for _ in range(2):
        ActivityFactory(customer=mine, happened_at=timezone.now())
    ActivityFactory(customer=CustomerFactory(owner=cast.account_manager), happened_at=timezone.now())
    ActivityFactory(customer=mine, happened_at=timezone.now(), kind="call")  # not a visit
    ActivityFactory(customer=mine, happened_at=timezone.now() - datetime.timedelta(weeks=10))  # too long ago
    ActivityFactory(customer=theirs, happened_at=timezone.now())  # team B
    open_one = {"kind": Reminder.Kind.NEXT_STEP, "day": today()}
    Reminder.objects.create(recipient=cast.rep, cause="activity:1", **open_one)
    Reminder.objects.create(recipient=cast.rep, cause="activity:2", **open_one)
    Reminder.objects.create(recipient=cast.rep, cause="activity:3", done_at=timezone.now(), **open_one)
    Reminder.objects.create(recipient=cast.rep, cause="activity:4", snoozed_until=today() + datetime.timedelta(days=2),
                            **open_one)
    Reminder.objects.create(recipient=cast.other_rep, cause="activity:5", **open_one)
    late = ComplaintFactory(customer=mine, assignee=cast.service)
    ComplaintFactory(customer=mine, assignee=cast.service, status="resolved")
    ComplaintFactory(customer=theirs, assignee=cast.service)

    manager = client_as(cast.manager)
    visits = manager.get(url("manager", cast.rep.team_id, "pipeline")).context["visits"]
    response = manager.get(url("manager", cast.rep.team_id, "open-items"))

    visits = {str(row["person"]): [cell["visits"] for cell in row["weeks"]] for row in visits}
    assert visits == {"AM A": [0] * 7 + [1], "Rep A": [0] * 7 + [2]}
    assert {str(row["person"]): row["open"] for row in response.context["reminders"]} == {"AM A": 0, "Rep A": 2}
    assert open_reminders(cast.rep, today()).count() == 2  # the inbox's own rule agrees
    assert [complaint.pk for complaint in response.context["complaints"]] == [late.pk]
    assert response.context["complaints"][0].is_overdue


def test_the_team_page_weighs_the_pipeline_against_the_remaining_target(client_as, cast):
    year, quarter = this_quarter()
    TeamTargetFactory(team=cast.rep.team, year=year, quarter=quarter, sales_amount=Decimal(100000000))
    won_deal(cast.rep)  # 31,240,000 signed: 68,760,000 to go
    # 31,240,000 x 60% weighted, expected by the quarter's end; the same deal undated is kept apart.
    DealFactory(customer=CustomerFactory(owner=cast.account_manager), expected_signing_date=quarter_end())
    DealFactory(customer=CustomerFactory(owner=cast.account_manager))
    compute()

    coverage = client_as(cast.manager).get(url("manager")).context["coverage"]

    assert coverage["remaining"] == Decimal("68760000.00")
    assert coverage["weighted"] == Decimal("18744000.00")
    assert coverage["coverage"] == Decimal("27.3")
    assert coverage["undated"] == Decimal("18744000.00")


# --- The director's department -------------------------------------------------------------------------


def test_the_director_sees_every_team_the_department_forecast_and_tier_mix(client_as, cast):
    year, quarter = this_quarter()
    TeamTargetFactory(team=cast.rep.team, year=year, quarter=quarter, sales_amount=Decimal(100000000))
    won_deal(cast.rep)
    DealFactory(customer=CustomerFactory(owner=cast.other_rep), expected_signing_date=quarter_end())
    CustomerFactory(owner=cast.rep, tier="high")
    CustomerFactory(owner=cast.rep, tier="high", status=Customer.Status.LOST)  # not counted
    compute()

    response = client_as(cast.director).get(url("director"))

    assert sorted(str(card.subject_object) for card in response.context["teams"]) == ["Coal team", "Ore team"]
    department = response.context["departments"][0]
    assert str(department.subject_object) == "Sales"
    assert department.forecast["signed"] == Decimal("31240000.00")
    assert department.forecast["weighted"] == Decimal("18744000.00")
    assert department.forecast["forecast"] == Decimal("49984000.00")
    assert department.forecast["target"] == Decimal("100000000.00")
    tiers = {row["tier"]: row["count"] for row in response.context["tiers"]}
    assert tiers == {"high": 1, "general": 2, "low": 0}
    assert "Sales as a whole" in response.text


def test_the_trend_reads_the_last_four_quarters_of_department_scorecards(client_as, cast):
    starts = dashboards.last_quarters(today(), 4)
    for start in starts[1:]:
        compute_scorecards(period=Scorecard.Period.QUARTER, start=start)
    compute_scorecards(period=Scorecard.Period.QUARTER, start=starts[0] - datetime.timedelta(days=1))  # 5th ago

    response = client_as(cast.director).get(url("director"))

    assert [card.period_start for card in response.context["trend"]] == starts[1:]
    assert response.context["trend_chart"]["config"]["labels"] == [
        periods.period_label(Scorecard.Period.QUARTER, start) for start in starts]


# --- Exports ---------------------------------------------------------------------------------------------


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def names_in(response) -> set[str]:
    if response["Content-Type"].startswith("text/csv"):
        return {row[0] for row in csv_rows(response)[1:]}
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}


@pytest.mark.parametrize("role,scope,names", [
    ("rep", "rep", {"Rep A"}),
    ("account_manager", "rep", {"AM A"}),
    ("manager", "rep", {"Rep A", "AM A"}),
    ("other_manager", "rep", {"Rep B"}),
    ("director", "rep", {"Rep A", "AM A", "Rep B"}),
    ("manager", "team", {"Coal team"}),
    ("director", "team", {"Coal team", "Ore team"}),
    ("director", "department", {"Sales"}),
])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_hold_exactly_the_subjects_the_user_may_see(client_as, cast, role, scope, names, fmt):
    compute()
    response = client_as(cast.by_role(role)).get(url("export", scope, fmt))
    assert response.status_code == OK
    assert names_in(response) == names


def test_the_csv_and_excel_exports_carry_the_same_figures(client_as, cast):
    won_deal(cast.rep)
    target_for(cast.rep, "62480000")
    compute()
    client = client_as(cast.rep)

    rows = csv_rows(client.get(url("export", "rep", "csv")))
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(url("export", "rep", "xlsx")).content)).active
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]

    assert rows[0] == cells[0]
    headers = rows[0]
    assert headers[:3] == ["Name", "Team", "Period"]
    record = dict(zip(headers, rows[1], strict=True))
    assert record["Team"] == "Coal team"
    assert Decimal(record["Sales amount"]) == Decimal(31240000)
    assert Decimal(record["Sales amount attainment (%)"]) == Decimal("50.0")
    assert Decimal(record["Sales amount points"]) == Decimal(20)
    excel = dict(zip(headers, cells[1], strict=True))
    assert Decimal(str(excel["Sales amount"])) == Decimal(31240000)
    assert excel["Period"] == record["Period"] == "{} Q{}".format(*this_quarter())


def test_an_export_honours_the_period_and_start_asked_for(client_as, cast):
    compute(Scorecard.Period.MONTH)
    compute()
    client = client_as(cast.rep)

    month = csv_rows(client.get(url("export", "rep", "csv") + f"?period=month&start={today():%Y-%m-%d}"))
    assert [row[2] for row in month[1:]] == [f"{today():%Y-%m}"]
    last_year = csv_rows(client.get(url("export", "rep", "csv") + f"?start={today().year - 1}-01-15"))
    assert last_year[1:] == []
    assert client.get(url("export", "rep", "csv") + "?period=week").status_code == MISSING
    assert client.get(url("export", "rep", "csv") + "?start=yesterday").status_code == MISSING


# --- Cost in queries ---------------------------------------------------------------------------------------


def grow(cast, size: int) -> None:
    """`size` customers per seller, each with a deal, its moves, a visit, a complaint, a reminder and an
    overdue invoice on a signed contract; `size` more reps in team A; then the scorecards."""
    now, day = timezone.now(), today()
    for index in range(size):
        UserFactory(team=cast.rep.team, department=cast.rep.department,
                    position=Position.REP if index % 2 else Position.ACCOUNT_MANAGER)
        for owner in (cast.rep, cast.account_manager, cast.other_rep):
            customer = CustomerFactory(owner=owner, tier=["high", "general", "low"][index % 3])
            deal = DealFactory(customer=customer, laycan_start=day + datetime.timedelta(days=3),
                               laycan_end=day + datetime.timedelta(days=12))
            move(deal, Stage.DEVELOPMENT, Stage.NEGOTIATION, by=owner)
            activity = ActivityFactory(customer=customer, deal=deal, happened_at=now, next_step="Call back",
                                       next_step_due=day - datetime.timedelta(days=2))
            ComplaintFactory(customer=customer, assignee=cast.service)
            Reminder.objects.create(recipient=owner, kind=Reminder.Kind.NEXT_STEP, cause=f"activity:{activity.pk}",
                                    day=day)
            InvoiceFactory(deal=SignedDealFactory(customer=customer), due_on=day - datetime.timedelta(days=40 + index))
    compute()


@pytest.mark.parametrize("role,page,queries", [
    ("rep", lambda c: url("rep"), 11),  # the person's latest coaching note among them
    ("manager", lambda c: url("rep", c.account_manager.pk), 12),
    # The team page's overview (the quarter's cards, the leaderboard with each rep's last coaching note) and its
    # tabs: the funnel and the visits; the open items (the team's overdue invoices and their count, its open
    # complaints with their count in one query, its open coaching actions with theirs).
    ("manager", lambda c: url("manager"), 9),
    ("manager", lambda c: url("manager", c.rep.team_id, "pipeline"), 8),
    ("manager", lambda c: url("manager", c.rep.team_id, "open-items"), 10),
    ("director", lambda c: url("manager", c.other_rep.team_id), 9),
    ("director", lambda c: url("manager", c.other_rep.team_id, "open-items"), 10),
    ("director", lambda c: url("director"), 11),  # the receivables' ageing among them
    ("director", lambda c: url("export", "rep", "xlsx"), 5),
])
def test_a_dashboard_costs_the_same_queries_however_much_data(client_as, cast, role, page, queries):
    client = client_as(cast.by_role(role))
    grow(cast, 1)
    first, second = assert_queries_pinned(queries, lambda: client.get(page(cast)), lambda: grow(cast, 6))
    assert first.status_code == second.status_code == OK


@pytest.mark.parametrize("made", [0, 3, 12])
def test_a_short_list_and_its_total_are_one_query(cast, made, django_assert_num_queries):
    for _ in range(made):
        ComplaintFactory(customer=CustomerFactory(owner=cast.rep), assignee=cast.service)
    rows = dashboards.open_complaints(complaints=Complaint.objects.all())
    with django_assert_num_queries(1):
        first, total = first_and_total(rows, 10)
    assert first == list(rows[:10])
    assert total == rows.count() == made


def test_the_team_dashboard_shows_tonnage_per_commodity_against_its_target(client_as, cast):
    from customers.models import Commodity
    from targets.models import CommodityTonnage

    from .factories import CustomerFactory, DealFactory, TeamTargetFactory

    today = timezone.localdate()
    year, quarter = (today.year, (today.month - 1) // 3 + 1)
    ore = Commodity.objects.create(name="Iron ore fines", name_zh="铁矿粉")
    target = TeamTargetFactory(team=cast.rep.team, year=year, quarter=quarter)
    CommodityTonnage.objects.create(team_target=target, commodity=ore, tonnes=200000)
    DealFactory(customer=CustomerFactory(owner=cast.rep), commodity=ore, quantity_tonnes=50000, stage="follow_up",
                outcome="won", contract_number="C-7", signed_on=today)
    response = client_as(cast.manager).get(reverse("dashboards:manager"))
    rows = response.context["tonnage_by_commodity"]
    assert [(row["commodity"].name, row["signed"], row["target"], row["percent"]) for row in rows] == [
        ("Iron ore fines", 50000, 200000, 25)]
    # As the manager reads it, the unit and each cell's label (shown on a phone) in their language.
    assert '<td data-label="Signed" class="text-end"><span>50,000 t</span></td>' in response.text
    assert '<td data-label="Target" class="text-end"><span>200,000 t</span></td>' in response.text
    manager = client_as(cast.manager)
    manager.cookies["django_language"] = "zh-hans"
    response = manager.get(reverse("dashboards:manager"))
    assert "<span>铁矿粉</span>" in response.text and "<span>50,000 吨</span>" in response.text


def test_a_persons_overdue_next_steps_are_read_by_their_own_index(cast):
    """The rep's dashboard lists their overdue next steps, earliest due first, from the index of each person's open
    steps (`activity_open_steps_by_owner`): the organisation-wide one read every overdue step of everyone's
    (9,000 at the large size) for a rep's 54."""
    from pipeline.selectors import activities_visible_to

    today = timezone.localdate()
    customer = CustomerFactory(owner=cast.rep)
    late = [ActivityFactory(customer=customer, owner=cast.rep, next_step=f"Call back {days}",
                            next_step_due=today - datetime.timedelta(days=days)) for days in (3, 9)]
    ActivityFactory(customer=customer, owner=cast.rep, next_step="Done", next_step_due=today - datetime.timedelta(
        days=5), next_step_done=True)
    ActivityFactory(customer=CustomerFactory(owner=cast.other_rep), owner=cast.other_rep, next_step="Theirs",
                    next_step_due=today - datetime.timedelta(days=4))
    overdue = dashboards.overdue_next_steps(
        activities=activities_visible_to(cast.rep).filter(owner=cast.rep), today=today)
    assert list(overdue) == [late[1], late[0]]
    assert "activity_open_steps_by_owner" in index_names("pipeline_activity")
    plan = plan_of(overdue.all()[:10])
    assert plan == "" or "activity_open_steps_by_owner" in plan, plan


def test_a_teams_open_complaints_are_read_by_the_index_of_the_open_ones(cast):
    """The team's open items list its customers' complaints still being worked on: each customer's open ones from
    their own small index (`complaint_active_by_customer`), the customers' names from their owner's index
    (`customer_by_owner`), where every complaint of 800 customers was read for 100 open ones at the large size.
    Held on what the query reads: the index's condition is the dashboards' open statuses, and the customer's
    columns the list shows are in the owner's index."""
    customer = CustomerFactory(owner=cast.rep)
    worked_on = [ComplaintFactory(customer=customer, status=status) for status in ACTIVE]
    ComplaintFactory(customer=customer, status=Complaint.Status.CLOSED)
    team = cast.rep.team
    listed = dashboards.open_complaints(
        complaints=Complaint.objects.filter(scoring_team_q(team, "customer__owner"))).only(*COMPLAINT_ROW)
    assert set(listed) == set(worked_on)
    active = next(index for index in Complaint._meta.indexes if index.name == "complaint_active_by_customer")
    assert active.fields == ["customer"] and active.condition == Q(status__in=[str(status) for status in ACTIVE])
    by_owner = next(index for index in Customer._meta.indexes if index.name == "customer_by_owner")
    sql = str(listed.query)
    shown = set(re.findall(r'"customers_customer"\."(\w+)"', sql.split(" FROM ")[0]))
    assert shown and shown <= {*by_owner.fields, *by_owner.include, "owner_id"}, shown
    assert {"complaint_active_by_customer"} <= index_names("customers_complaint")
    assert {"customer_by_owner"} <= index_names("customers_customer")


def test_a_teams_people_are_found_by_their_team_and_its_manager_not_person_by_person(cast):
    """A team's records are those of its people as the scorecards count them (test_manager_scorecards holds the
    rule): its members, and its manager when in no team and this is the first team they manage. They are found
    by the people's indexes (their team, the manager's key), not by working out each person's team, which read
    every person and looked up the teams each one manages, three times on a team's open items."""
    team = cast.rep.team
    sql = str(Deal.objects.filter(scoring_team_q(team)).query)
    assert "COALESCE" not in sql and f'"team_id" = {team.pk}' in sql and f'"id" = {cast.manager.pk}' in sql, sql
    theirs = {DealFactory(owner=cast.rep).pk, DealFactory(owner=cast.manager).pk}
    DealFactory(owner=cast.other_rep)
    assert set(Deal.objects.filter(scoring_team_q(team)).values_list("pk", flat=True)) == theirs
