"""Issue 15's "done when", end to end and through the pages: the director sets a quarter's plan with
accelerators, the rep's statement reads line by line as worked by hand (WORKED_EXAMPLES §7, with the
deal that straddles two bands), the manager submits and the director approves it (locked), a contract
cancelled afterwards comes back as one clawback in the next quarter's statement, a 70/30 split drives
both the commissions and the scorecards, and a coaching note is recorded, acknowledged and followed up;
the rep reads the statement in Chinese too.

The pages are driven as the users drive them (the test client posting the real forms); the background
jobs (the statements' and the scorecards' recomputation) run as Celery tasks, eager in the tests, on
the commit of the request that started them. `client_as` signs the one test client in as each user in
turn, so a page is always asked for right after signing in as whoever reads it."""

import datetime
import re
from decimal import Decimal as D

import pytest
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from pipeline.models import LostReason, Outcome, Reminder
from targets.coaching.models import CoachingNote
from targets.incentives.models import IncentivePlan, PlanRun, Statement, StatementLine
from targets.models import Scorecard, ScorecardRun
from targets.periods import quarter_bounds, quarter_of

from .fullstack_support import Page
from .test_coaching import form_data as coaching_form
from .test_commission_statements import sign, target
from .test_exports import csv_rows

pytestmark = pytest.mark.django_db
Kind, Status = StatementLine.Kind, Statement.Status
OK, FOUND, MISSING = 200, 302, 404


def submit(client, page_url: str, action: str, **overrides) -> HttpResponse:
    """Open the page and post its form to `action` as the browser would, with the fields the user
    fills in (`overrides`; a list for several values); the rest as the page has them."""
    response = client.get(page_url)
    assert response.status_code == OK, page_url
    form = Page(url=f"http://testserver{page_url}", status=OK, html=response.content.decode()).form(action)
    data: dict[str, list[str]] = {}
    for name, value in form.values(**overrides):
        data.setdefault(name, []).append(value)
    return client.post(action, data)


def set_plan(client, *, year: int, quarter: int) -> IncentivePlan:
    """The director fills in the new plan's form: 1 % of the amount, for the reps and account managers of
    every team; the bands the form starts with are the worked example's, kept as they are: below 50 %
    of the target nothing, 50-100 % x1.0, 100-120 % x1.5, above 120 % x2.0."""
    create = reverse("incentives:plan_create")
    response = submit(client, create, create, name="Sales commission", year=year, quarter=quarter,
                      positions=["rep", "account_manager"], percent_of_amount="1")
    plan = IncentivePlan.objects.get(year=year, quarter=quarter)
    assert response.status_code == FOUND and response["Location"] == reverse("incentives:plan", args=[plan.pk])
    assert list(plan.bands.values_list("from_percent", "multiplier")) == [
        (D(50), D(1)), (D(100), D("1.5")), (D(120), D(2))]
    assert (plan.percent_of_amount, plan.positions, plan.basis) == (D(1), ["rep", "account_manager"], "signed")
    return plan


def recompute(client, plan, capture) -> None:
    """The director's recompute button on the plan page; the run is the Celery task, run on commit."""
    with capture(execute=True):
        response = client.post(reverse("incentives:plan_recompute", args=[plan.pk]))
    run = PlanRun.objects.filter(plan=plan).latest("started_at")
    assert response.status_code == FOUND and response["Location"] == reverse("incentives:run", args=[run.pk])
    assert (run.progress, run.error) == (100, "") and run.finished_at is not None


def step(client, name: str, statement: Statement) -> str:
    """Press a workflow button of the statement page; the page it comes back to."""
    url = reverse("incentives:statement", args=[statement.pk])
    response = submit(client, url, reverse(f"incentives:statement_{name}", args=[statement.pk]))
    assert response.status_code == FOUND and response["Location"] == url
    return client.get(url).content.decode()


def row_of(page: str, text: str) -> str:
    """The table row of the page that holds `text`."""
    at = page.index(text)
    return page[page.rindex("<tr", 0, at):page.index("</tr>", at)]


def contract_lines(statement: Statement) -> list[tuple]:
    return list(statement.lines.values_list("kind", "deal", "amount", "earned", "bands", "multiplier"))


def test_a_quarters_plan_with_accelerators_its_statement_approval_and_a_clawback(
        client_as, cast, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    capture = django_capture_on_commit_callbacks

    # 1. The director sets the plan for 2026 Q1 on its form; the rep's amount target is 10,000,000 CNY.
    director = client_as(cast.director)
    plan = set_plan(director, year=2026, quarter=1)
    page = director.get(reverse("incentives:plan", args=[plan.pk])).content.decode()
    for text in ("below 50 %", "nothing", "50–100 %", "×1", "100–120 %", "×1.5", "above 120 %", "×2"):
        assert text in page, text
    target(cast.rep, D(10_000_000))

    # 2. 13,000,000 signed in the quarter, in this order (the band is that of what was credited before):
    #    4,000,000  0-4M, all below 50 % (5,000,000):                       0
    #    3,000,000  4-7M: 1,000,000 x0 + 2,000,000 x 1 % x1.0           20,000
    #    2,000,000  7-9M: x 1 % x1.0                                    20,000
    #    3,000,000  9-12M: 1,000,000 x 1 % x1.0 = 10,000 + 2,000,000 x 1 % x1.5 = 30,000: 40,000
    #    1,000,000  12-13M: x 1 % x2.0                                  20,000
    #                                                          total   100,000 CNY
    sign(cast.rep, 4_000_000, datetime.date(2026, 1, 5))
    sign(cast.rep, 3_000_000, datetime.date(2026, 1, 20))
    cancelled = sign(cast.rep, 2_000_000, datetime.date(2026, 2, 3))
    straddling = sign(cast.rep, 3_000_000, datetime.date(2026, 2, 17), tonnes=D(30_000))
    sign(cast.rep, 1_000_000, datetime.date(2026, 3, 2))
    sign(cast.rep, 9_000_000, datetime.date(2026, 4, 1))  # the next quarter's: not in this statement

    # 3. The director recomputes the plan's statements from its page.
    page = director.get(reverse("incentives:plan", args=[plan.pk])).content.decode()
    assert reverse("incentives:plan_recompute", args=[plan.pk]) in page
    recompute(director, plan, capture)
    statement = Statement.objects.get(person=cast.rep, plan=plan)
    assert (statement.status, statement.total, statement.credited_amount, statement.attainment) == (
        Status.DRAFT, D("100000.00"), D(13_000_000), D("1.3"))
    assert [line.earned for line in statement.lines.order_by("position")] == [
        D(0), D("20000.00"), D("20000.00"), D("40000.00"), D("20000.00")]

    # The rep checks it by hand on the statement page.
    rep = client_as(cast.rep)
    url = reverse("incentives:statement", args=[statement.pk])
    with django_assert_max_num_queries(7):
        response = rep.get(url)
    page = response.content.decode()
    assert response.status_code == OK
    assert "10,000,000 CNY" in page and "13,000,000 CNY" in page and "130.0 %" in page
    assert "100,000.00 CNY" in page
    assert "up to 50 %:</span> 1,000,000 ×0 = 0.00" in page  # the 3,000,000 signed when 4,000,000 was
    # The straddling contract: its two bands and what each earned, and the line's 40,000.
    row = row_of(page, straddling.contract_number)
    assert "50–100 %:</span> 1,000,000 ×1 = 10,000.00" in row
    assert "100–120 %:</span> 2,000,000 ×1.5 = 30,000.00" in row
    assert "40,000.00" in row and "30,000 t" in row and "3,000,000.00" in row
    assert reverse("deals:detail", args=[straddling.pk]) in row
    # The rep takes no workflow step; the manager sees the statement, another team's people do not.
    assert reverse("incentives:statement_submit", args=[statement.pk]) not in page
    assert reverse("incentives:statement_approve", args=[statement.pk]) not in page
    assert "100,000.00 CNY" in client_as(cast.manager).get(url).content.decode()
    assert client_as(cast.other_rep).get(url).status_code == MISSING
    assert client_as(cast.other_manager).get(url).status_code == MISSING

    # 4. The manager submits; the rep cannot approve; the director approves: the statement is locked.
    manager = client_as(cast.manager)
    page = manager.get(url).content.decode()
    assert reverse("incentives:statement_submit", args=[statement.pk]) in page
    assert reverse("incentives:statement_approve", args=[statement.pk]) not in page
    page = step(manager, "submit", statement)
    assert "The statement was submitted for approval." in page
    # The rep's page offers no approve button; a forged press is refused with the reason.
    rep = client_as(cast.rep)
    assert reverse("incentives:statement_approve", args=[statement.pk]) not in rep.get(url).content.decode()
    statement.refresh_from_db()
    response = rep.post(reverse("incentives:statement_approve", args=[statement.pk]),
                        {"version": statement.version}, follow=True)
    assert "Only a director approves a statement." in response.content.decode()
    statement.refresh_from_db()
    assert statement.status == Status.SUBMITTED
    director = client_as(cast.director)
    page = step(director, "approve", statement)
    assert "The statement was approved: it is locked now." in page and "locked" in page
    statement.refresh_from_db()
    assert statement.status == Status.APPROVED
    assert list(statement.steps.values_list("from_status", "to_status", "by")) == [
        (Status.DRAFT, Status.SUBMITTED, cast.manager.pk), (Status.SUBMITTED, Status.APPROVED, cast.director.pk)]
    # The page records each step and offers the director the next one, payroll's.
    workflow = page[page.index("Workflow"):]
    assert workflow.index("Manager A:") < workflow.index("Director:")
    assert reverse("incentives:statement_mark_paid", args=[statement.pk]) in page
    assert reverse("incentives:statement_approve", args=[statement.pk]) not in page
    approved_lines, approved_version = contract_lines(statement), statement.version
    # The plan's terms are locked with it: its edit page sends the director back to copy it instead.
    response = director.get(reverse("incentives:plan_edit", args=[plan.pk]), follow=True)
    assert response.redirect_chain == [(reverse("incentives:plan", args=[plan.pk]), FOUND)]
    assert "Copy it to the next quarter to change them." in response.content.decode()
    # Payroll's export of the approved statements: the rep's five lines as the page shows them.
    rows = csv_rows(director.get(reverse("incentives:statement_lines_export", args=["csv"]), {"status": "approved"}))
    assert [(row[0], row[3], row[5], row[13]) for row in rows[1:]] == [
        ("Rep A", "Approved", number, earned) for number, earned in zip(
            statement.lines.order_by("position").values_list("contract_number", flat=True),
            ["0.00", "20000.00", "20000.00", "40000.00", "20000.00"], strict=True)]
    # A recompute leaves the approved statement as it was.
    recompute(director, plan, capture)
    statement.refresh_from_db()
    assert (statement.status, statement.total, statement.version) == (Status.APPROVED, D("100000.00"),
                                                                      approved_version)
    assert contract_lines(statement) == approved_lines

    # 5. The manager cancels the 2,000,000 contract (it earned 20,000 on the approved statement).
    reason = LostReason.objects.create(name="Buyer withdrew", name_zh="买方撤回")
    manager = client_as(cast.manager)
    cancel_url = reverse("deals:cancel", args=[cancelled.pk])
    assert cancel_url in manager.get(reverse("deals:detail", args=[cancelled.pk])).content.decode()
    response = submit(manager, cancel_url, cancel_url, reason=reason.pk, confirm="on",
                      note="The buyer's import licence was refused")
    assert response.status_code == FOUND
    assert "Contract cancelled" in manager.get(response["Location"]).content.decode()
    cancelled.refresh_from_db()
    assert cancelled.outcome == Outcome.LOST and cancelled.cancelled
    # The approved statement stays as it was, even when its plan is recomputed.
    recompute(client_as(cast.director), plan, capture)
    statement.refresh_from_db()
    assert (statement.status, statement.total) == (Status.APPROVED, D("100000.00"))
    assert contract_lines(statement) == approved_lines

    # The director copies the plan to the next quarter on its page and computes its statements.
    director = client_as(cast.director)
    response = submit(director, reverse("incentives:plan", args=[plan.pk]),
                      reverse("incentives:plan_copy", args=[plan.pk]))
    following = IncentivePlan.objects.get(year=2026, quarter=2)
    edit = reverse("incentives:plan_edit", args=[following.pk])
    assert response.status_code == FOUND and response["Location"] == edit
    # The director checks its terms and saves them as they are.
    response = submit(director, edit, edit)
    assert response.status_code == FOUND and response["Location"] == reverse("incentives:plan", args=[following.pk])
    following.refresh_from_db()
    assert (following.name, following.percent_of_amount, following.positions, following.version) == (
        "Sales commission", D(1), ["rep", "account_manager"], 2)
    assert list(following.bands.values_list("from_percent", "multiplier")) == [
        (D(50), D(1)), (D(100), D("1.5")), (D(120), D(2))]
    recompute(director, following, capture)
    following_statement = Statement.objects.get(person=cast.rep, plan=following)
    [clawback] = following_statement.lines.filter(kind=Kind.CLAWBACK)
    assert (clawback.deal, clawback.earned, clawback.recovers, clawback.reason) == (
        cancelled, D("-20000.00"), statement, StatementLine.Reason.LOST)
    # Q2's own 9,000,000 (no Q2 target: x1.0) earns 90,000; less the 20,000 clawed back.
    assert following_statement.total == D("70000.00")
    page = client_as(cast.rep).get(reverse("incentives:statement", args=[following_statement.pk])).content.decode()
    row = row_of(page, "Clawback")
    assert cancelled.contract_number in row and "Contract cancelled or lost" in row and "-20,000.00" in row
    assert reverse("incentives:statement", args=[statement.pk]) in row
    assert "recovers the approved Sales commission · 2026 Q1" in row
    assert "70,000.00 CNY" in page
    # Computed again, the draft holds the one clawback still.
    recompute(client_as(cast.director), following, capture)
    following_statement.refresh_from_db()
    assert following_statement.lines.filter(kind=Kind.CLAWBACK).count() == 1
    assert following_statement.total == D("70000.00")
    statement.refresh_from_db()
    assert (statement.status, statement.total) == (Status.APPROVED, D("100000.00"))
    assert contract_lines(statement) == approved_lines

    # 8. The rep reads the approved statement in Chinese.
    cast.rep.language = "zh-hans"
    cast.rep.save()
    page = client_as(cast.rep).get(url).content.decode()
    assert "提成结算单" in page and "已批准" in page and "合计" in page
    assert "100,000.00 CNY" in page and "10,000.00" in page and "30,000.00" in page
    page = client_as(cast.rep).get(reverse("incentives:statement", args=[following_statement.pk])).content.decode()
    assert "追回" in page and "-20,000.00" in page


def test_a_70_30_split_is_paid_scored_and_clawed_back_70_30(client_as, cast, django_capture_on_commit_callbacks):
    # WORKED_EXAMPLES §7: a 1,000,000 deal split 70/30 counts 700,000 for the rep and 300,000 for the
    # account manager; with no target set the whole sale is at x1.0: 1 % is 7,000 and 3,000.
    capture = django_capture_on_commit_callbacks
    today = timezone.localdate()
    year, quarter = quarter_of(today)
    director = client_as(cast.director)
    plan = set_plan(director, year=year, quarter=quarter)
    deal = sign(cast.rep, 1_000_000, today)

    manager = client_as(cast.manager)
    split_url = reverse("deals:split", args=[deal.pk])
    response = submit(manager, split_url, split_url, co_seller=cast.account_manager.pk, share="30")
    assert response.status_code == FOUND
    page = manager.get(reverse("deals:detail", args=[deal.pk])).content.decode()
    assert "Rep A 70 %" in page and "AM A 30 %" in page and "Split set by Manager A on" in page

    recompute(client_as(cast.director), plan, capture)
    for person, share, amount, earned in ((cast.rep, "70", "700,000.00", "7,000.00"),
                                          (cast.account_manager, "30", "300,000.00", "3,000.00")):
        statement = Statement.objects.get(person=person, plan=plan)
        [line] = statement.lines.all()
        assert (line.deal, line.share, line.amount, line.earned) == (
            deal, D(share), D(amount.replace(",", "")), D(earned.replace(",", "")))
        page = client_as(person).get(reverse("incentives:statement", args=[statement.pk])).content.decode()
        assert deal.contract_number in page and f"{share} %" in page and amount in page
        assert f"{earned} CNY" in page

    # The manager recomputes the quarter's scorecards on the scorecards page.
    start = quarter_bounds(year, quarter)[0]
    with capture(execute=True):
        response = client_as(cast.manager).post(reverse("scorecards:recompute"),
                                                {"period_start": start.isoformat()})
    run = ScorecardRun.objects.get()
    assert response.status_code == FOUND and (run.progress, run.error) == (100, "")

    def card(person) -> Scorecard:
        return Scorecard.objects.get(subject=Scorecard.Subject.REP, subject_id=person.pk,
                                     period=Scorecard.Period.QUARTER, period_start=start)

    assert (card(cast.rep).sales_amount, card(cast.account_manager).sales_amount) == (
        D("700000.00"), D("300000.00"))
    # What each reads on their own dashboard, and the manager on the team's.
    assert "700,000" in client_as(cast.rep).get(reverse("dashboards:rep")).content.decode()
    assert "300,000" in client_as(cast.account_manager).get(reverse("dashboards:rep")).content.decode()
    team_page = client_as(cast.manager).get(reverse("dashboards:manager")).content.decode()
    rep_row, account_manager_row = row_of(team_page, "Rep A</a>"), row_of(team_page, "AM A</a>")
    assert re.search(r'data-label="Sales amount"[^>]*><span>700,000<', rep_row)
    assert re.search(r'data-label="Sales amount"[^>]*><span>300,000<', account_manager_row)
    team = Scorecard.objects.get(subject=Scorecard.Subject.TEAM, subject_id=cast.rep.team_id,
                                 period=Scorecard.Period.QUARTER, period_start=start)
    assert team.sales_amount == D("1000000.00")  # the team counts the sale once

    # Both statements approved, the contract is cancelled: each seller gives back their own part.
    statements = {person: Statement.objects.get(person=person, plan=plan)
                  for person in (cast.rep, cast.account_manager)}
    for statement in statements.values():
        step(client_as(cast.manager), "submit", statement)
        step(client_as(cast.director), "approve", statement)
    reason = LostReason.objects.create(name="Buyer withdrew", name_zh="买方撤回")
    cancel_url = reverse("deals:cancel", args=[deal.pk])
    assert submit(client_as(cast.manager), cancel_url, cancel_url, reason=reason.pk, confirm="on",
                  note="Buyer withdrew").status_code == FOUND
    director = client_as(cast.director)
    submit(director, reverse("incentives:plan", args=[plan.pk]), reverse("incentives:plan_copy", args=[plan.pk]))
    following = IncentivePlan.objects.exclude(pk=plan.pk).get()
    recompute(director, following, capture)
    for person, clawed in ((cast.rep, D("-7000.00")), (cast.account_manager, D("-3000.00"))):
        [line] = Statement.objects.get(person=person, plan=following).lines.all()
        assert (line.kind, line.deal, line.earned, line.recovers) == (Kind.CLAWBACK, deal, clawed, statements[person])
        statements[person].refresh_from_db()
        assert statements[person].status == Status.APPROVED


def test_a_coaching_note_is_recorded_acknowledged_locked_and_followed_up(client_as, cast):
    today = timezone.localdate()
    due = today + datetime.timedelta(days=3)

    # The manager records a one-to-one with an agreed action on the coaching form.
    manager = client_as(cast.manager)
    create = reverse("coaching:create")
    response = submit(manager, create, create, rep=cast.rep.pk, went_well="Clear offer to the plant",
                      to_improve="Ask for the decision maker earlier",
                      **{"actions-0-text": "Call Rizhao Steel about the Q2 tender",
                         "actions-0-due_on": due.isoformat()})
    note = CoachingNote.objects.get()
    assert response.status_code == FOUND and response["Location"] == reverse("coaching:detail", args=[note.pk])
    assert (note.rep, note.coach, note.held_on, note.acknowledged) == (cast.rep, cast.manager, today, False)
    assert list(note.actions.values_list("text", "due_on")) == [("Call Rizhao Steel about the Q2 tender", due)]

    # The rep finds it in their inbox and acknowledges it on the note's page.
    rep = client_as(cast.rep)
    inbox = rep.get(reverse("reminders:inbox")).content.decode()
    assert "Call Rizhao Steel about the Q2 tender" in inbox and "Read and acknowledge" in inbox
    assert reverse("coaching:detail", args=[note.pk]) in inbox
    detail = reverse("coaching:detail", args=[note.pk])
    assert "Ask for the decision maker earlier" in rep.get(detail).content.decode()
    response = submit(rep, detail, reverse("coaching:acknowledge", args=[note.pk]),
                      comment="Agreed, I call on Monday")
    assert response.status_code == FOUND and response["Location"] == detail
    assert "Acknowledged: your coach sees that you have read the note." in rep.get(detail).content.decode()
    note.refresh_from_db()
    assert note.acknowledged and note.acknowledgement_comment == "Agreed, I call on Monday"
    assert "Read and acknowledge" not in rep.get(reverse("reminders:inbox")).content.decode()

    # The note is locked: the coach's edit (from a page opened before) is refused and changes nothing.
    manager = client_as(cast.manager)
    page = manager.get(reverse("coaching:detail", args=[note.pk])).content.decode()
    assert "Agreed, I call on Monday" in page and reverse("coaching:edit", args=[note.pk]) not in page
    response = manager.post(reverse("coaching:edit", args=[note.pk]),
                            coaching_form(cast.rep, to_improve="Rewritten afterwards"), follow=True)
    assert "The rep has acknowledged this note: it can no longer be changed." in response.content.decode()
    note.refresh_from_db()
    assert note.to_improve == "Ask for the decision maker earlier"

    # The open action is on the manager's team dashboard until the rep ticks it done from the inbox.
    dashboard = manager.get(reverse("dashboards:manager", args=[cast.rep.team_id, "open-items"]))
    assert dashboard.context["coaching_action_count"] == 1
    assert "Call Rizhao Steel about the Q2 tender" in dashboard.content.decode()
    action = note.actions.get()
    inbox = reverse("reminders:inbox")
    # The inbox shows the note's actions once: behind the "Assigned to you" entry until the rep marks it done.
    [entry] = Reminder.objects.filter(recipient=cast.rep, kind=Reminder.Kind.ASSIGNED)
    response = submit(client_as(cast.rep), inbox, reverse("reminders:done", args=[entry.pk]))
    assert response.status_code == FOUND
    response = submit(client_as(cast.rep), inbox, reverse("coaching:action_mark", args=[action.pk]))
    assert response.status_code == FOUND and response["Location"] == reverse("reminders:inbox")
    dashboard = client_as(cast.manager).get(reverse("dashboards:manager", args=[cast.rep.team_id, "open-items"]))
    assert dashboard.context["coaching_action_count"] == 0
    assert "Call Rizhao Steel about the Q2 tender" not in dashboard.content.decode()
