"""The incentive plan pages: read by whom a plan applies to (and the director), set by the director with
its bands and rates per tonne, locked once a statement is past draft, copied to the next quarter."""

from decimal import Decimal

import pytest
from django.urls import reverse

from targets.incentives.models import IncentivePlan, Statement

from .factories import CommodityFactory, IncentivePlanFactory, PlanRateFactory, StatementFactory
from .queries import assert_queries_pinned

SELLERS = ["director", "manager", "rep", "account_manager", "other_manager", "other_rep"]


@pytest.fixture
def plan(cast):
    """Team A's plan for reps and account managers."""
    plan = IncentivePlanFactory(name="Coal team plan", created_by=cast.director)
    plan.teams.set([cast.rep.team])
    return plan


def _form(**changes) -> dict:
    data = {
        "name": "Q1 sales", "year": "2027", "quarter": "1", "positions": ["rep", "account_manager"],
        "basis": "signed", "percent_of_amount": "1", "new_customer_bonus": "5000", "gate_reduction_percent": "20",
        "satisfaction_floor": "3.5", "override_percent": "0.2", "cap": "", "version": "",
        "bands-TOTAL_FORMS": "3", "bands-INITIAL_FORMS": "0", "bands-MIN_NUM_FORMS": "0", "bands-MAX_NUM_FORMS": "12",
        "bands-0-from_percent": "50", "bands-0-multiplier": "1",
        "bands-1-from_percent": "100", "bands-1-multiplier": "1.5",
        "bands-2-from_percent": "120", "bands-2-multiplier": "2",
        "rates-TOTAL_FORMS": "1", "rates-INITIAL_FORMS": "0", "rates-MIN_NUM_FORMS": "0", "rates-MAX_NUM_FORMS": "30",
        "rates-0-commodity": "", "rates-0-per_tonne": "",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("role, sees", [
    ("director", True), ("manager", True), ("rep", True), ("account_manager", True),
    ("other_manager", False), ("other_rep", False),
])
def test_a_plan_is_read_by_whom_it_applies_to(client_as, cast, plan, role, sees):
    client = client_as(cast.by_role(role))
    assert client.get(reverse("incentives:plan", args=[plan.pk])).status_code == (200 if sees else 404)
    listed = [shown.pk for shown in client.get(reverse("incentives:plans")).context["plans"]]
    assert listed == ([plan.pk] if sees else [])


def test_a_plan_for_every_team_is_read_by_each_teams_reps(client_as, cast):
    plan = IncentivePlanFactory()
    assert client_as(cast.other_rep).get(reverse("incentives:plan", args=[plan.pk])).status_code == 200


def test_a_plan_for_managers_only_is_not_a_reps(client_as, cast):
    plan = IncentivePlanFactory(positions=["manager"])
    assert client_as(cast.rep).get(reverse("incentives:plan", args=[plan.pk])).status_code == 404
    assert client_as(cast.manager).get(reverse("incentives:plan", args=[plan.pk])).status_code == 200


@pytest.mark.parametrize("role", ["service", "marketing"])
def test_the_plan_pages_are_refused_to_who_does_not_sell(client_as, cast, plan, role):
    assert client_as(cast.by_role(role)).get(reverse("incentives:plan", args=[plan.pk])).status_code == 403


@pytest.mark.parametrize("role", [role for role in SELLERS if role != "director"])
def test_only_the_director_creates_edits_and_copies_a_plan(client_as, cast, plan, role):
    client = client_as(cast.by_role(role))
    assert client.get(reverse("incentives:plan_create")).status_code == 403
    assert client.post(reverse("incentives:plan_edit", args=[plan.pk]), _form()).status_code == 403
    assert client.post(reverse("incentives:plan_copy", args=[plan.pk])).status_code == 403
    assert IncentivePlan.objects.count() == 1
    page = client.get(reverse("incentives:plan", args=[plan.pk])).content.decode()
    assert reverse("incentives:plan_edit", args=[plan.pk]) not in page


def test_the_plan_page_reads_the_bands_as_ranges(client_as, cast, plan):
    PlanRateFactory(plan=plan, commodity=CommodityFactory(name="Iron ore"), per_tonne=Decimal("0.8"))
    page = client_as(cast.rep).get(reverse("incentives:plan", args=[plan.pk])).content.decode()
    for text in ("below 50 %", "nothing", "50–100 %", "×1", "100–120 %", "×1.5", "above 120 %", "×2",
                 "Iron ore", "0.8 CNY/t", "Coal team"):
        assert text in page, text


def test_the_plan_page_counts_only_the_statements_the_user_sees(client_as, cast, plan):
    StatementFactory(plan=plan, person=cast.rep, total=Decimal(100), status=Statement.Status.APPROVED)
    StatementFactory(plan=plan, person=cast.account_manager, total=Decimal(50))
    rep_view = client_as(cast.rep).get(reverse("incentives:plan", args=[plan.pk]))
    assert rep_view.context["totals"]["count"] == 1 and "AM A" not in rep_view.content.decode()
    director_view = client_as(cast.director).get(reverse("incentives:plan", args=[plan.pk]))
    counts = {row.status: (row.count, row.total) for row in director_view.context["status_counts"]}
    assert counts == {"draft": (1, Decimal(50)), "approved": (1, Decimal(100))}


def test_the_director_recomputes_the_drafts_from_the_plan_page(client_as, cast, plan):
    recompute = reverse("incentives:plan_recompute", args=[plan.pk])
    assert recompute in client_as(cast.director).get(reverse("incentives:plan", args=[plan.pk])).content.decode()
    assert recompute not in client_as(cast.manager).get(reverse("incentives:plan", args=[plan.pk])).content.decode()


def test_a_director_creates_a_plan_with_bands_and_rates(client_as, cast):
    coal = CommodityFactory()
    client = client_as(cast.director)
    assert client.get(reverse("incentives:plan_create")).status_code == 200
    response = client.post(reverse("incentives:plan_create"), _form(
        **{"rates-0-commodity": str(coal.pk), "rates-0-per_tonne": "0.5", "teams": [str(cast.rep.team.pk)]}))
    plan = IncentivePlan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("incentives:plan", args=[plan.pk])
    assert (plan.year, plan.quarter, plan.positions, plan.created_by) == (2027, 1, ["rep", "account_manager"],
                                                                          cast.director)
    assert list(plan.bands.values_list("from_percent", "multiplier")) == [
        (Decimal(50), Decimal(1)), (Decimal(100), Decimal("1.5")), (Decimal(120), Decimal(2))]
    assert plan.rates.get().per_tonne == Decimal("0.5") and list(plan.teams.all()) == [cast.rep.team]


@pytest.mark.parametrize("changes, field, message", [
    ({"bands-1-from_percent": "40"}, "from_percent", "Each band starts above the one before it (50 %)."),
    ({"bands-0-multiplier": "-1"}, "multiplier", "greater than or equal to 0"),
    ({"bands-TOTAL_FORMS": "0"}, None, "Give at least one band"),
])
def test_bad_bands_are_said_on_the_form_and_nothing_is_saved(client_as, cast, changes, field, message):
    response = client_as(cast.director).post(reverse("incentives:plan_create"), _form(**changes))
    assert response.status_code == 200 and message in response.content.decode()
    assert not IncentivePlan.objects.exists()


def test_the_band_error_reads_in_chinese(client_as, cast):
    client = client_as(cast.director)
    client.cookies.load({"django_language": "zh-hans"})
    response = client.post(reverse("incentives:plan_create"), _form(**{"bands-1-from_percent": "40"}),
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "每一档" in response.content.decode()


def test_basis_shipped_and_paid_are_allowed(client_as, cast):
    client = client_as(cast.director)
    client.post(reverse("incentives:plan_create"), _form(basis="paid"))
    client.post(reverse("incentives:plan_create"), _form(basis="shipped", name="Shipped plan"))
    assert set(IncentivePlan.objects.values_list("basis", flat=True)) == {"paid", "shipped"}


def test_a_stale_edit_is_refused_and_keeps_the_input(client_as, cast, plan):
    client = client_as(cast.director)
    IncentivePlan.objects.filter(pk=plan.pk).update(version=2)  # someone saved since the form was opened
    response = client.post(reverse("incentives:plan_edit", args=[plan.pk]), _form(version="1", name="Renamed"))
    assert "Someone else changed this plan" in response.content.decode() and 'value="Renamed"' in \
        response.content.decode()
    assert IncentivePlan.objects.get().name == "Coal team plan"


def test_an_edit_over_the_version_read_saves(client_as, cast, plan):
    response = client_as(cast.director).post(reverse("incentives:plan_edit", args=[plan.pk]),
                                             _form(version="1", name="Renamed", year="2026", quarter="4"))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.name == "Renamed" and plan.version == 2


def test_a_plan_with_a_submitted_statement_is_not_edited_but_copied(client_as, cast, plan):
    StatementFactory(plan=plan, person=cast.rep, status=Statement.Status.SUBMITTED)
    client = client_as(cast.director)
    page = client.get(reverse("incentives:plan", args=[plan.pk])).content.decode()
    assert reverse("incentives:plan_edit", args=[plan.pk]) not in page and "Copy to the next quarter" in page
    response = client.post(reverse("incentives:plan_edit", args=[plan.pk]), _form(version="1"), follow=True)
    assert "Copy it to the next quarter" in response.content.decode()
    assert IncentivePlan.objects.get().name == "Coal team plan"
    response = client.post(reverse("incentives:plan_copy", args=[plan.pk]))
    copy = IncentivePlan.objects.get(year=2027, quarter=1)
    assert response["Location"] == reverse("incentives:plan_edit", args=[copy.pk])
    assert list(copy.teams.all()) == [cast.rep.team]


def test_the_list_and_the_detail_cost_the_same_queries_however_many_rows(client_as, cast, plan):
    client = client_as(cast.manager)

    def more_plans():
        for quarter in (1, 2, 3):
            other = IncentivePlanFactory(year=2026, quarter=quarter)
            StatementFactory(plan=other, person=cast.rep)

    def more_rows():
        StatementFactory(plan=plan, person=cast.rep)
        StatementFactory(plan=plan, person=cast.account_manager, status=Statement.Status.APPROVED)
        PlanRateFactory(plan=plan)
        PlanRateFactory(plan=plan, commodity=CommodityFactory(name="Iron ore"))

    _, response = assert_queries_pinned(7, lambda: client.get(reverse("incentives:plans")), more_plans)
    assert len(response.context["plans"]) == 4
    assert_queries_pinned(14, lambda: client.get(reverse("incentives:plan", args=[plan.pk])), more_rows)


# --- The bands and figures as read ------------------------------------------------------------------


def _band(start, multiplier):
    from targets.incentives.models import PlanBand

    return PlanBand(from_percent=Decimal(start), multiplier=Decimal(multiplier))


def test_the_bands_read_as_ranges_from_below_the_first_to_above_the_last():
    from targets.incentives.templatetags.incentives import band_ranges

    ranges = band_ranges([_band(50, "1.000"), _band(100, "1.500"), _band(120, "2.000")])
    assert [(band.label, band.multiplier) for band in ranges] == [
        ("below 50 %", None), ("50–100 %", Decimal(1)), ("100–120 %", Decimal("1.5")), ("above 120 %", Decimal(2))]
    # A first band from 0 leaves nothing below it.
    assert [band.label for band in band_ranges([_band(0, "0.5"), _band(80, 1)])] == ["up to 80 %", "above 80 %"]


def test_the_figures_read_as_a_person_checks_them():
    from targets.incentives.templatetags.incentives import band_part, plain, ratio_percent, times

    assert ratio_percent(Decimal("1.3045")) == "130.5 %" and ratio_percent(None) == "—"
    assert times(Decimal("1.500")) == "×1.5" and plain(Decimal("0.8000")) == "0.8"
    assert band_part({"from": "100", "to": None}) == "above 100 %"
    assert band_part({"from": "50", "to": "100"}) == "50–100 %"
