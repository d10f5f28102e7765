"""Dashboards: a rep's quarter and pipeline, a manager's team, the director's department, and the
scorecard exports. Thin views over the selectors in `dashboards`; scope from `accounts.access`."""

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import access, exports, replica
from accounts.bounds import in_business_range
from accounts.models import Team, User, person_named
from accounts.pages import AuthenticatedRequest
from accounts.sql import first_and_total
from customers import selectors as customer_selectors
from customers.models import Complaint
from pipeline import selectors as pipeline_selectors
from pipeline.models import STAGE_ORDER, Activity, Deal, Outcome
from pipeline.receivables import ageing as receivables_ageing
from pipeline.receivables import money as receivables_money
from pipeline.receivables.models import Invoice
from pipeline.receivables.selectors import invoices_visible_to
from pipeline.selectors import open_reminders

from .. import dashboards, kpis
from ..coaching import selectors as coaching_selectors
from ..dashboards import Period, Subject
from ..periods import period_bounds, period_label, quarter_of
from ..selectors import team_reps

RECENT_ROWS = 10
LAYCAN_ROWS = 20
FUNNEL_DAYS = 365  # the funnel's last 12 months
VISIT_WEEKS = 8
QUARTERS_IN_TREND = 4
TIER_COLOURS = {"high": "#b02a37", "general": "#0d6efd", "low": "#6c757d"}  # as the tier badges
# Not yet due, then warmer the later the money (the ageing buckets' order).
AGEING_COLOURS = ["#198754", "#ffc107", "#fd7e14", "#dc3545", "#842029"]
EXPORT_TYPES = exports.CONTENT_TYPES
# The sheet of each scorecard export, named after what it holds.
EXPORT_TITLES = {
    "rep": gettext_lazy("Scorecards of sales people"), "team": gettext_lazy("Scorecards of teams"),
    "department": gettext_lazy("Scorecard of the department"),
}


def _chart(chart_id: str, kind: str, labels: Sequence[object], datasets: list[dict[str, Any]],
           **options: bool) -> dict[str, Any]:
    """What static/js/charts.js draws: the chart's type, labels and datasets (numbers as floats; a
    missing figure stays null, a gap rather than a false zero)."""
    for dataset in datasets:
        dataset["data"] = [None if value is None else float(value) for value in dataset["data"]]
    return {"id": chart_id, "config": {"type": kind, "labels": [str(label) for label in labels],
                                       "datasets": datasets, **options}}


def _quarter(day: date) -> dict[str, Any]:
    start, end = period_bounds(Period.QUARTER, day)
    year, number = quarter_of(start)
    return {"start": start, "end": end, "year": year, "number": number,
            "label": period_label(Period.QUARTER, start)}


@login_required
def mine(request: AuthenticatedRequest) -> HttpResponse:
    """The dashboard of the user's position; customer service and marketing keep no scorecard and
    land on the customer list."""
    user = request.user
    if access.sees_everyone(user):
        return redirect("dashboards:director")
    if access.can_open_team_pages(user):
        return redirect("dashboards:manager")
    if access.can_sell(user):
        return redirect("dashboards:rep")
    return redirect("customers:list")


# --- A rep's dashboard -------------------------------------------------------------------------------

# What a laycan's row shows of its contract (pipeline/templatetags/deal_summaries.py `laycan_row`), of some ninety
# columns with its customer's, commodity's and port's.
LAYCAN_ROW = ("outcome", "quantity_tonnes", "customer__name", "customer__short_name", "commodity__name",
              "commodity__name_zh", "discharge_port__name", "discharge_port__name_zh")


@access.sellers_only
def rep(request: AuthenticatedRequest, user_id: int | None = None) -> HttpResponse:
    viewer = request.user
    if user_id is None or user_id == viewer.pk:
        person = viewer
    else:
        sellers = access.users_visible_to(viewer).filter(position__in=access.SELLING_POSITIONS)
        person = access.get_visible_or_404(sellers.select_related("team"), pk=user_id)
    today = timezone.localdate()
    quarter = _quarter(today)
    card = dashboards.scorecard_for(subject=Subject.REP, subject_id=person.pk, period=Period.QUARTER,
                                    start=quarter["start"])
    deals = pipeline_selectors.deals_visible_to(viewer).filter(owner=person)
    activities = pipeline_selectors.activities_visible_to(viewer).filter(owner=person)
    stages = dashboards.pipeline_by_stage(deals=deals)
    overdue = dashboards.overdue_next_steps(activities=activities, today=today)
    return render(request, "targets/dashboard_rep.html", {
        "person": person,
        "own": person.pk == viewer.pk,
        # Asked only when there is no card: is one kept for this person at all?
        "scored": card is not None or dashboards.has_scorecard(person),
        "quarter": quarter,
        "card": card,
        "attainment": dashboards.attainment_of(card) if card else [],
        "parts": dashboards.score_parts_of(card) if card else [],
        "last_computed": None if card else dashboards.last_computed_at(),
        "stages": stages,
        "pipeline_chart": _chart("pipeline-chart", "bar", [row["label"] for row in stages], [
            {"label": _("Total"), "data": [row["total"] for row in stages]},
            {"label": _("Weighted"), "data": [row["weighted"] for row in stages]},
        ]),
        # A list and a count, not first_and_total: the list stops at its tenth row and the count reads an index
        # alone, where the window would read every overdue follow-up (9 → 20 ms at the large size).
        "overdue": overdue[:RECENT_ROWS],
        "overdue_count": overdue.count(),
        "open_reminders": open_reminders(person, today).count(),
        # The person's latest coaching note and open actions that the viewer sees (one query).
        "coaching": coaching_selectors.latest_coaching_by_rep(viewer, [person.pk]).get(person.pk),
        "laycans": dashboards.upcoming_laycans(deals=deals, today=today).only(*LAYCAN_ROW)[:LAYCAN_ROWS],
        "visits": dashboards.recent_visits(activities=activities)[:RECENT_ROWS],
    })


# --- A manager's team ------------------------------------------------------------------------------


# What the team's tables show of a complaint and an overdue invoice (with its contract's customer): their rows and
# their contract's are some seventy and ninety columns, which Django would select and build for ten rows each.
COMPLAINT_ROW = ("category", "severity", "resolve_by", "customer__name", "customer__short_name",
                 *person_named("assignee"))
OVERDUE_INVOICE_ROW = ("number", "due_on", "open_amount", "currency", "deal__customer__name",
                       "deal__customer__short_name")


# The team dashboard's tabs, each its own address: the quarter (the team's figures and its leaderboard) first, then
# the pipeline and the visits, then what is open to chase. One page of them all was some 4,800 pixels on a desktop
# and 12,000 on a phone, and computed a dozen figures for the few a manager came to read.
OVERVIEW, PIPELINE, OPEN_ITEMS = "overview", "pipeline", "open-items"
TEAM_TABS = {OVERVIEW: gettext_lazy("Overview"), PIPELINE: gettext_lazy("Pipeline and visits"),
             OPEN_ITEMS: gettext_lazy("Open items")}


def _team_quarter(viewer: User, team: Team, today: date, quarter: dict[str, Any]) -> dict[str, Any]:
    """The overview: the team's quarter and forecast, the manager's own figures, and each rep's."""
    card, own_card = dashboards.team_and_own_cards(viewer=viewer, team=team, start=quarter["start"])
    leaderboard = dashboards.team_leaderboard(viewer=viewer, team=team, start=quarter["start"])
    # Each rep's latest coaching and open actions, so that a review is prepared from this page (one query).
    coaching = coaching_selectors.latest_coaching_by_rep(viewer, [rep_card.subject_id for rep_card in leaderboard])
    for rep_card in leaderboard:
        rep_card.parts = dashboards.score_parts_of(rep_card)
        rep_card.attainment_rows = {row["figure"]: row for row in dashboards.attainment_of(rep_card)}
        rep_card.coaching = coaching.get(rep_card.subject_id)
    deals = _team_deals(viewer, team)
    return {
        "card": card,
        "attainment": dashboards.attainment_of(card) if card else [],
        "parts": dashboards.score_parts_of(card) if card else [],
        # The quarter's forecast and coverage, with their parts (the pipeline expected this quarter).
        "coverage": dashboards.forecast_of(card) if card else None,
        "last_computed": None if card and leaderboard else dashboards.last_computed_at(),
        "leaderboard": leaderboard,
        # The viewer's own figures, when they sell themselves (a manager who owns customers or deals).
        "own_card": own_card,
        "tonnage_by_commodity": dashboards.commodity_tonnage_attainment(
            deals=deals, team=team, start=quarter["start"], end=quarter["end"]),
    }


def _team_people(viewer: User, team: Team) -> list[User]:
    return list(team_reps(team).filter(pk__in=access.users_visible_to(viewer).values("pk")).order_by("full_name"))


def _team_deals(viewer: User, team: Team) -> QuerySet[Deal]:
    """The team's deals as its scorecard counts them: its members', and its manager's own."""
    return access.of_team(viewer, team, Deal.objects.all(), pipeline_selectors.deals_visible_to).filter(
        kpis.scoring_team_q(team))


def _team_pipeline(viewer: User, team: Team, today: date, quarter: dict[str, Any]) -> dict[str, Any]:
    """The funnel of the last twelve months with the days in each stage, and each rep's visits per week."""
    card = dashboards.scorecard_for(subject=Subject.TEAM, subject_id=team.pk, period=Period.QUARTER,
                                    start=quarter["start"])
    people = _team_people(viewer, team)
    # The team's records as its scorecard counts them: its members', and its manager's own.
    deals = _team_deals(viewer, team)
    activities = access.of_team(viewer, team, Activity.objects.all(),
                                pipeline_selectors.activities_visible_to).filter(kpis.scoring_team_q(team))
    funnel = dashboards.funnel(deals=deals, since=timezone.now() - timedelta(days=FUNNEL_DAYS))
    weeks = dashboards.week_starts(today, VISIT_WEEKS)
    visits = dashboards.visits_per_week(activities=activities, people=people, weeks=weeks)
    # Each week's heading, written once: the table's ten rows repeat it on every cell (its label on a phone).
    week_labels = [_("Week of %(day)s") % {"day": date_filter(week, "m-d")} for week in weeks]
    for row in visits:
        for cell, label in zip(row["weeks"], week_labels, strict=True):
            cell["label"] = label
    return {
        "funnel": funnel,
        # Days spent in each stage this quarter, from the team's scorecard, in the stages' order.
        "stage_days": [(stage.label, card.stage_days.get(stage.value)) for stage in STAGE_ORDER[:3]] if card else [],
        "funnel_chart": _chart("funnel-chart", "bar", [row["label"] for row in funnel], [
            {"label": _("Deals that reached the stage"), "data": [row["reached"] for row in funnel]},
        ], integers=True),
        "weeks": weeks,
        "week_labels": week_labels,
        "visits": visits,
        "visits_chart": _chart("visits-chart", "line", [f"{week:%m-%d}" for week in weeks], [
            {"label": str(row["person"]), "data": [cell["visits"] for cell in row["weeks"]]} for row in visits
        ], integers=True),
    }


def _team_open_items(viewer: User, team: Team, today: date, quarter: dict[str, Any]) -> dict[str, Any]:
    """What is open to chase: each rep's reminders today, the customers' complaints, the coaching actions and the
    overdue invoices."""
    people = _team_people(viewer, team)
    reminders = dashboards.open_reminder_counts(people=people, day=today)
    team_complaints = access.of_team(viewer, team, Complaint.objects.all(),
                                     customer_selectors.complaints_visible_to).filter(
        kpis.scoring_team_q(team, "customer__owner"))
    complaints, complaint_count = first_and_total(
        dashboards.open_complaints(complaints=team_complaints).only(*COMPLAINT_ROW), RECENT_ROWS)
    coaching_actions, coaching_action_count = first_and_total(
        coaching_selectors.open_team_actions(viewer, people), RECENT_ROWS)
    # The team's overdue invoices: those of the contracts its people (and its manager) now own, who chase them.
    # Each on a signed contract (one is invoiced once signed, and then not cancelled): said, and the people read
    # first, PostgreSQL reads the team's signed contracts alone from their own index (deal_signed_by_owner) to
    # count them (3.4 -> 2.5 ms at the large size); guessing the people few, it probed each contract's invoices.
    team_invoices = access.of_team(viewer, team, Invoice.objects.all(), invoices_visible_to).filter(
        kpis.scoring_team_q(team, "deal__owner", read_first=True), deal__outcome=Outcome.WON)
    # A list and a count, not first_and_total: with the window, PostgreSQL walks every overdue invoice in due
    # order (it takes the team for two people) instead of starting from the team's contracts (21 → 182 ms).
    overdue_invoices = receivables_ageing.overdue_invoices(team_invoices, today)
    return {
        "reminders": [{"person": person, "open": reminders.get(person.pk, 0)} for person in people],
        "complaints": complaints,
        "complaint_count": complaint_count,
        "overdue_invoices": [{"invoice": invoice, "days": receivables_money.days_overdue(invoice.due_on, today)}
                             for invoice in overdue_invoices.only(*OVERDUE_INVOICE_ROW)[:RECENT_ROWS]],
        "overdue_invoice_count": overdue_invoices.count(),
        "coaching_actions": coaching_actions,
        "coaching_action_count": coaching_action_count,
        "can_coach": bool(people),
    }


TEAM_TAB_CONTENTS = {OVERVIEW: _team_quarter, PIPELINE: _team_pipeline, OPEN_ITEMS: _team_open_items}


def _team_tab_url(team_id: int, section: str) -> str:
    return reverse("dashboards:manager", args=(team_id,) if section == OVERVIEW else (team_id, section))


@access.manager_or_director
def manager(request: AuthenticatedRequest, team_id: int | None = None, section: str = OVERVIEW) -> HttpResponse:
    if section not in TEAM_TABS or (team_id is None and section != OVERVIEW):
        raise Http404
    viewer = request.user
    teams = list(access.teams_visible_to(viewer).select_related("department").order_by("name"))
    if team_id is None and not teams:
        return render(request, "targets/dashboard_manager.html", {"team": None, "teams": teams})
    # The team asked for among those the viewer sees (the list the page offers), or none: 404.
    team = teams[0] if team_id is None else next((each for each in teams if each.pk == team_id), None)
    if team is None:
        raise Http404
    today = timezone.localdate()
    quarter = _quarter(today)
    return render(request, "targets/dashboard_manager.html", {
        "team": team,
        "teams": teams,
        "section": section,
        "tab_label": TEAM_TABS[section],
        "tabs": [{"key": key, "label": label, "url": _team_tab_url(team.pk, key)} for key, label in TEAM_TABS.items()],
        # The other teams, each on the tab open here.
        "other_teams": [(other, _team_tab_url(other.pk, section)) for other in teams],
        "quarter": quarter,
        "today": today,
        **TEAM_TAB_CONTENTS[section](viewer, team, today, quarter),
    })


# --- The director's department -----------------------------------------------------------------------


@access.director_only
@replica.heavy_read
def director(request: AuthenticatedRequest) -> HttpResponse:
    today = timezone.localdate()
    quarter = _quarter(today)
    departments = dashboards.scorecards_of(subject=Subject.DEPARTMENT, period=Period.QUARTER, start=quarter["start"])
    for card in departments:
        card.attainment_rows = dashboards.attainment_of(card)
        card.parts = dashboards.score_parts_of(card)
        card.forecast = dashboards.forecast_of(card)
    teams = dashboards.scorecards_of(subject=Subject.TEAM, period=Period.QUARTER, start=quarter["start"])
    for card in teams:
        card.forecast = dashboards.forecast_of(card)
    # The department(s) as a whole, then each team: the same parts, so each sum can be checked by hand.
    forecasts = departments + teams
    starts = dashboards.last_quarters(today, QUARTERS_IN_TREND)
    trend = dashboards.department_trend(starts=starts)
    for card in trend:
        card.attainment_percent = dashboards.attainment_percent(card, "sales_amount")
    by_department: dict[object, dict[date, Decimal]] = {}
    for card in trend:
        by_department.setdefault(card.subject_object, {})[card.period_start] = card.sales_amount
    tiers = dashboards.tier_mix(request.user)
    ageing = receivables_ageing.ageing_of_all(today)  # the director sees every invoice
    return render(request, "targets/dashboard_director.html", {
        "quarter": quarter,
        "next_quarter": _quarter(quarter["end"] + timedelta(days=1)),
        "departments": departments,
        "teams": teams,
        "last_computed": None if departments else dashboards.last_computed_at(),
        "trend": trend,
        "trend_chart": _chart("trend-chart", "line", [period_label(Period.QUARTER, s) for s in starts], [
            {"label": str(department), "data": [amounts.get(start) for start in starts]}
            for department, amounts in by_department.items()
        ]),
        "forecasts": forecasts,
        "forecast_chart": _chart("forecast-chart", "bar", [str(card.subject_object) for card in forecasts], [
            {"label": _("Signed so far"), "data": [card.forecast["signed"] for card in forecasts], "stack": "forecast"},
            {"label": _("Weighted pipeline of this quarter"), "data": [card.forecast["weighted"] for card in forecasts],
             "stack": "forecast"},
            {"label": _("Target"), "data": [card.forecast["target"] for card in forecasts], "stack": "target"},
        ], stacked=True),
        "tiers": tiers,
        "tier_chart": _chart("tier-chart", "doughnut", [row["label"] for row in tiers], [
            {"label": _("Customers"), "data": [row["count"] for row in tiers],
             "backgroundColor": [TIER_COLOURS[row["tier"]] for row in tiers]},
        ]),
        "ageing": ageing,
        "ageing_total": {"amount": sum(row["amount"] for row in ageing),
                         "count": sum(row["count"] for row in ageing)},
        "ageing_chart": _chart("ageing-chart", "bar", [row["label"] for row in ageing], [
            {"label": _("Amount owed"), "data": [row["amount"] for row in ageing],
             "backgroundColor": AGEING_COLOURS},
        ]),
    })


# --- Exports -------------------------------------------------------------------------------------------


def _period_of(request: AuthenticatedRequest) -> tuple[str, date]:
    """?period=quarter|month&start=YYYY-MM-DD, by default the running quarter; 404 for anything else."""
    period = request.GET.get("period") or Period.QUARTER
    if period not in Period.values:
        raise Http404
    try:
        day = date.fromisoformat(request.GET["start"]) if request.GET.get("start") else timezone.localdate()
    except ValueError:
        raise Http404 from None
    if not in_business_range(day):  # before the period is computed: 9999-12-31's quarter ends in year 10000
        raise Http404
    return period, period_bounds(period, day)[0]


@login_required
@replica.heavy_read
def export(request: AuthenticatedRequest, scope: str, fmt: str) -> HttpResponse:
    """A scorecard table as CSV or Excel, with only the subjects the user may see."""
    if fmt not in EXPORT_TYPES or scope not in dashboards.EXPORT_SCOPES:
        raise Http404
    subject = dashboards.EXPORT_SCOPES[scope]
    ids = dashboards.exportable_ids(request.user, subject)
    if ids is None:
        raise Http404
    period, start = _period_of(request)
    cards = dashboards.scorecards_of(subject=subject, period=period, start=start, ids=ids)
    headers, rows = dashboards.export_table(cards, subject=subject)
    return exports.export_response(rows, headers=headers, title=str(EXPORT_TITLES[scope]), fmt=fmt,
                                   filename=f"scorecards-{scope}-{period}-{start:%Y-%m-%d}")
