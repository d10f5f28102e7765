"""The commission statement pages: the list with its filters and totals, the page a person checks line by
line, the workflow buttons shown only to who may press them, and the payroll exports; scoped as the policy
says (a rep their own, a manager their team's, the director everyone's; 404 otherwise)."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from targets.incentives.models import Statement, StatementLine

from .factories import (
    CustomerFactory,
    IncentivePlanFactory,
    SignedDealFactory,
    StatementFactory,
    StatementLineFactory,
    UserFactory,
)
from .queries import assert_queries_pinned
from .test_translations import english_of_ours

SELLERS = ["director", "manager", "rep", "account_manager", "other_manager", "other_rep"]
# Who sees a statement of the rep in team A.
SEES_REPS = {"director", "manager", "rep"}


@pytest.fixture
def plan(cast):
    return IncentivePlanFactory(name="Sales plan", created_by=cast.director)


@pytest.fixture
def statement(cast, plan):
    statement = StatementFactory(person=cast.rep, plan=plan)
    deal = SignedDealFactory(customer=CustomerFactory(owner=cast.rep), contract_number="BS-2026-0042")
    StatementLineFactory(statement=statement, position=1, deal=deal, contract_number="BS-2026-0042",
                         customer_name="Rizhao Steel Co., Ltd.")
    return statement


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.parametrize("role", SELLERS)
def test_a_statement_opens_for_who_may_see_it_and_is_404_otherwise(client_as, cast, statement, role):
    response = client_as(cast.by_role(role)).get(reverse("incentives:statement", args=[statement.pk]))
    assert response.status_code == (200 if role in SEES_REPS else 404)


@pytest.mark.parametrize("role", ["service", "marketing"])
def test_the_commission_pages_are_the_sellers(client_as, cast, statement, role):
    client = client_as(cast.by_role(role))
    assert client.get(reverse("incentives:statements")).status_code == 403
    assert client.get(reverse("incentives:plans")).status_code == 403


def test_the_anonymous_visitor_is_sent_to_sign_in(client, statement):
    response = client.get(reverse("incentives:statement", args=[statement.pk]))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("role", SELLERS)
def test_the_list_shows_only_the_statements_in_scope(client_as, cast, plan, role):
    StatementFactory(person=cast.rep, plan=plan)
    StatementFactory(person=cast.account_manager, plan=plan)
    StatementFactory(person=cast.other_rep, plan=plan)
    StatementFactory(person=cast.manager, plan=plan)
    response = client_as(cast.by_role(role)).get(reverse("incentives:statements"))
    shown = {statement.person.username for statement in response.context["page"]}
    expected = {
        "director": {"rep", "am", "rep_b", "manager"},
        "manager": {"rep", "am", "manager"},
        "rep": {"rep"},
        "account_manager": {"am"},
        "other_manager": {"rep_b"},
        "other_rep": {"rep_b"},
    }[role]
    assert shown == expected


def test_the_list_filters_by_status_and_quarter_and_totals_what_matches(client_as, cast, plan):
    StatementFactory(person=cast.rep, plan=plan, total=Decimal("1000.50"), status=Statement.Status.APPROVED)
    StatementFactory(person=cast.account_manager, plan=plan, total=Decimal(2000))
    earlier = IncentivePlanFactory(name="Sales plan", year=2026, quarter=3)
    StatementFactory(person=cast.rep, plan=earlier, total=Decimal(500))
    client = client_as(cast.manager)
    response = client.get(reverse("incentives:statements"), {"status": "approved"})
    assert response.context["totals"]["total"] == Decimal("1000.50")
    assert "1,000.50" in response.content.decode()
    response = client.get(reverse("incentives:statements"), {"quarter": "2026-Q4"})
    assert response.context["totals"] == {"count": 2, "total": Decimal("3000.50"), "credited": Decimal(26000000)}
    response = client.get(reverse("incentives:statements"), {"person": cast.rep.pk})
    assert response.context["totals"]["count"] == 2


def test_a_person_outside_scope_is_not_offered_as_a_filter(client_as, cast, plan):
    StatementFactory(person=cast.other_rep, plan=plan)
    response = client_as(cast.manager).get(reverse("incentives:statements"), {"person": cast.other_rep.pk})
    assert response.context["totals"]["count"] == 0
    assert "Rep B" not in response.content.decode()


def test_the_statement_page_shows_the_lines_a_person_checks_by_hand(client_as, cast, statement):
    StatementLineFactory(statement=statement, position=2, kind=StatementLine.Kind.NEW_CUSTOMER, tonnes=None,
                         amount=None, percent=None, bands=[], contract_number="", earned=Decimal(5000),
                         customer_name="Qingdao Power")
    response = client_as(cast.rep).get(reverse("incentives:statement", args=[statement.pk]))
    page = response.content.decode()
    assert "130.0 %" in page  # attainment 1.30 as a percentage
    assert "10,000,000" in page and "13,000,000" in page
    # The deal that straddles two bands: each part, its multiplier and what it earned.
    assert "50–100 %:</span> 1,000,000 ×1 = 10,000.00" in page
    assert "100–120 %:</span> 2,000,000 ×1.5 = 30,000.00" in page
    assert "40,000.00" in page and "100,000.00 CNY" in page
    assert reverse("deals:detail", args=[statement.lines.first().deal_id]) in page
    assert "New customer bonus" in page and "Qingdao Power" in page


def test_a_contract_links_to_its_deal_only_for_who_may_open_it(client_as, cast, plan):
    # The manager's override line names a deal of the rep: the rep's statement shows it to the rep, but a
    # deal of team B in a line is not linked for team A's manager.
    statement = StatementFactory(person=cast.manager, plan=plan)
    foreign = SignedDealFactory(customer=CustomerFactory(owner=cast.other_rep), contract_number="BS-B-1")
    StatementLineFactory(statement=statement, deal=foreign, contract_number="BS-B-1")
    page = client_as(cast.manager).get(reverse("incentives:statement", args=[statement.pk])).content.decode()
    assert "BS-B-1" in page and reverse("deals:detail", args=[foreign.pk]) not in page


def test_a_clawback_shows_its_reason_and_the_approved_statement_it_recovers(client_as, cast, plan):
    earlier = StatementFactory(person=cast.rep, plan=IncentivePlanFactory(name="Q3 plan", year=2026, quarter=3),
                               status=Statement.Status.APPROVED)
    statement = StatementFactory(person=cast.rep, plan=plan)
    StatementLineFactory(statement=statement, kind=StatementLine.Kind.CLAWBACK, reason=StatementLine.Reason.LOST,
                         recovers=earlier, contract_number="BS-2026-0007", bands=[], earned=Decimal(-20000))
    page = client_as(cast.rep).get(reverse("incentives:statement", args=[statement.pk])).content.decode()
    assert "Clawback" in page and "Contract cancelled or lost" in page
    assert reverse("incentives:statement", args=[earlier.pk]) in page and "-20,000.00" in page


@pytest.mark.parametrize("role, buttons", [
    ("manager", {"statement_submit"}),
    ("director", {"statement_submit"}),
    ("rep", set()),
])
def test_the_draft_offers_submit_only_to_the_manager_and_the_director(client_as, cast, statement, role, buttons):
    page = client_as(cast.by_role(role)).get(reverse("incentives:statement", args=[statement.pk])).content.decode()
    offered = {name for name in ("statement_submit", "statement_approve", "statement_return", "statement_mark_paid")
               if reverse(f"incentives:{name}", args=[statement.pk]) in page}
    assert offered == buttons


@pytest.mark.parametrize("status, director_buttons", [
    ("submitted", {"statement_approve", "statement_return"}),
    ("approved", {"statement_mark_paid"}),
    ("paid", set()),
])
def test_the_director_is_offered_the_next_steps_and_the_manager_none(client_as, cast, statement, status,
                                                                     director_buttons):
    Statement.objects.filter(pk=statement.pk).update(status=status)
    names = ("statement_submit", "statement_approve", "statement_return", "statement_mark_paid")
    for role, expected in (("director", director_buttons), ("manager", set())):
        page = client_as(cast.by_role(role)).get(reverse("incentives:statement", args=[statement.pk])).content.decode()
        assert {name for name in names if reverse(f"incentives:{name}", args=[statement.pk]) in page} == expected


def test_the_workflow_through_the_pages_is_recorded_in_the_history(client_as, cast, statement):
    url = reverse("incentives:statement", args=[statement.pk])
    manager = client_as(cast.manager)
    response = manager.post(reverse("incentives:statement_submit", args=[statement.pk]), {"version": 1}, follow=True)
    assert "submitted for approval" in response.content.decode()
    director = client_as(cast.director)
    director.post(reverse("incentives:statement_return", args=[statement.pk]), {"version": 2, "note": ""})
    assert Statement.objects.get().status == "submitted"  # a return needs its reason
    director.post(reverse("incentives:statement_return", args=[statement.pk]), {"version": 2, "note": "Check 0042"})
    client_as(cast.manager).post(reverse("incentives:statement_submit", args=[statement.pk]), {"version": 3})
    director = client_as(cast.director)
    director.post(reverse("incentives:statement_approve", args=[statement.pk]), {"version": 4})
    director.post(reverse("incentives:statement_mark_paid", args=[statement.pk]), {"version": 5})
    assert Statement.objects.get().status == "paid"
    page = director.get(url).content.decode()
    assert "Check 0042" in page and page.count("Manager A") >= 2


def test_a_rep_posting_submit_on_their_own_statement_is_refused_with_a_message(client_as, cast, statement):
    response = client_as(cast.rep).post(reverse("incentives:statement_submit", args=[statement.pk]), {"version": 1},
                                        follow=True)
    assert "not by the person" in response.content.decode()
    assert Statement.objects.get().status == "draft"


@pytest.mark.parametrize("name", ["statement_submit", "statement_approve", "statement_return", "statement_mark_paid"])
def test_a_workflow_post_outside_scope_is_404_and_moves_nothing(client_as, cast, statement, name):
    response = client_as(cast.other_manager).post(reverse(f"incentives:{name}", args=[statement.pk]),
                                                  {"version": 1, "note": "x"})
    assert response.status_code == 404
    assert Statement.objects.get().status == "draft" and not statement.steps.exists()


def test_a_stale_button_says_so(client_as, cast, statement):
    client_as(cast.manager).post(reverse("incentives:statement_submit", args=[statement.pk]), {"version": 1})
    response = client_as(cast.director).post(reverse("incentives:statement_approve", args=[statement.pk]),
                                             {"version": 1}, follow=True)
    assert "Someone else changed this statement" in response.content.decode()
    assert Statement.objects.get().status == "submitted"


@pytest.mark.parametrize("role, url_name", [
    ("rep", "incentives:statement"), ("manager", "incentives:statements"), ("director", "incentives:statement"),
    ("director", "incentives:plans"), ("director", "incentives:plan"), ("director", "incentives:plan_create"),
])
def test_the_pages_show_no_english_of_ours_in_chinese(client, cast, statement, role, url_name):
    StatementLineFactory(statement=statement, kind=StatementLine.Kind.CLAWBACK, reason=StatementLine.Reason.LOST,
                         recovers=StatementFactory(person=cast.rep, plan=IncentivePlanFactory(quarter=3),
                                                   status=Statement.Status.APPROVED), bands=[])
    user = cast.by_role(role)
    user.language = "zh-hans"
    user.save()
    client.force_login(user)
    args = {"incentives:statement": [statement.pk], "incentives:plan": [statement.plan_id]}.get(url_name, [])
    html = client.get(reverse(url_name, args=args)).content.decode()
    assert "提成" in html
    assert english_of_ours(html) == set()


# --- Query counts ------------------------------------------------------------------------------------


def test_the_list_costs_the_same_queries_however_many_statements(client_as, cast, plan):
    StatementFactory(person=cast.rep, plan=plan)

    def more():
        for quarter in (1, 2, 3):
            other = IncentivePlanFactory(year=2026, quarter=quarter)
            StatementFactory(person=cast.rep, plan=other)
            StatementFactory(person=cast.account_manager, plan=other)

    client = client_as(cast.manager)
    assert_queries_pinned(9, lambda: client.get(reverse("incentives:statements")), more)


def test_the_detail_costs_the_same_queries_however_many_lines(client_as, cast, statement):
    def more():
        earlier = StatementFactory(person=cast.rep, plan=IncentivePlanFactory(year=2026, quarter=3))
        for position in range(2, 12):
            deal = SignedDealFactory(customer=CustomerFactory(owner=cast.rep))
            StatementLineFactory(statement=statement, position=position, deal=deal)
        StatementLineFactory(statement=statement, kind=StatementLine.Kind.CLAWBACK, recovers=earlier,
                             reason=StatementLine.Reason.LOST, earned=Decimal(-100))
        statement.steps.create(from_status="draft", to_status="submitted", by=cast.manager)

    client = client_as(cast.rep)
    assert_queries_pinned(7, lambda: client.get(reverse("incentives:statement", args=[statement.pk])), more)


# --- Exports -----------------------------------------------------------------------------------------


def test_the_lines_export_has_a_row_per_line_of_the_statements_in_scope(client_as, cast, statement, plan):
    other = StatementFactory(person=cast.other_rep, plan=plan)
    StatementLineFactory(statement=other, contract_number="BS-B-0001")
    rows = _csv(client_as(cast.manager).get(reverse("incentives:statement_lines_export", args=["csv"])))
    assert rows[0][:6] == ["Person", "Incentive plan", "Period", "Status", "Kind", "Contract number"]
    assert len(rows) == 2
    person, plan_name, period, status, kind, contract, customer, tonnes, amount, share, percent, per_tonne, \
        multiplier, earned, currency, reason = rows[1]
    assert (person, plan_name, period, status, kind, contract) == ("Rep A", "Sales plan", "2026 Q4", "Draft",
                                                                    "Contract", "BS-2026-0042")
    assert (Decimal(tonnes), Decimal(amount), Decimal(earned), currency) == (
        Decimal(30000), Decimal(3000000), Decimal(40000), "CNY")


def test_the_totals_export_has_a_row_per_statement_in_the_filters(client_as, cast, statement, plan):
    StatementFactory(person=cast.account_manager, plan=plan, status=Statement.Status.APPROVED, total=Decimal(7))
    response = client_as(cast.director).get(reverse("incentives:statement_totals_export", args=["xlsx"]),
                                            {"status": "approved"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == "AM A" and rows[1][8] == 130 and rows[1][10] == 7


def test_the_export_neutralises_a_formula(client_as, cast, plan):
    statement = StatementFactory(person=cast.rep, plan=plan)
    StatementLineFactory(statement=statement, customer_name="=HYPERLINK(\"http://evil\")")
    rows = _csv(client_as(cast.rep).get(reverse("incentives:statement_lines_export", args=["csv"])))
    assert rows[1][6] == "'=HYPERLINK(\"http://evil\")"


def test_the_export_is_scoped_for_a_rep(client_as, cast, statement, plan):
    StatementLineFactory(statement=StatementFactory(person=cast.account_manager, plan=plan))
    rows = _csv(client_as(cast.rep).get(reverse("incentives:statement_totals_export", args=["csv"])))
    assert [row[0] for row in rows[1:]] == ["Rep A"]


def test_an_unknown_export_format_is_404(client_as, cast, statement):
    assert client_as(cast.rep).get(reverse("incentives:statement_lines_export", args=["pdf"])).status_code == 404


def test_a_person_who_left_keeps_their_statements_visible_to_the_director(client_as, cast, plan):
    gone = UserFactory(full_name="Gone Rep", is_active=False, team=cast.rep.team)
    StatementFactory(person=gone, plan=plan)
    response = client_as(cast.director).get(reverse("incentives:statements"))
    assert "Gone Rep" in response.content.decode()


def test_a_rep_is_not_offered_other_people_or_teams_to_filter_by(client_as, cast, statement):
    form = client_as(cast.rep).get(reverse("incentives:statements")).context["filter"].form
    assert set(form.fields) == {"quarter", "status"}
    form = client_as(cast.manager).get(reverse("incentives:statements")).context["filter"].form
    assert set(form.fields) == {"quarter", "person", "team", "status"}
