"""The API's follow-up endpoints: a person's reminder inbox, the quarters' targets and the stored scorecards,
each in the scope of the page that shows them, counting what that page counts, at a fixed query cost."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from pipeline.models import Reminder
from targets.models import Scorecard

from .api_representation import assert_written_as_drf_writes
from .conftest import ROLES
from .factories import CustomerFactory, RepTargetFactory, TeamTargetFactory
from .queries import assert_api_page_pinned
from .test_api import all_results, api_as

YEAR, QUARTER = 2026, 4
QUARTER_START, QUARTER_END = date(2026, 10, 1), date(2026, 12, 31)
SELLERS = {"director", "manager", "rep", "account_manager", "other_manager", "other_rep"}


def reminder(recipient, cause: str, **fields) -> Reminder:
    """A customer not contacted in time: the inbox links the customer."""
    values = {"kind": Reminder.Kind.NOT_CONTACTED, "day": timezone.localdate(), "due_on": timezone.localdate()}
    if "customer" not in fields:
        values["customer"] = CustomerFactory(owner=recipient)
    return Reminder.objects.create(recipient=recipient, cause=cause, **(values | fields))


def scorecard(subject: str, subject_id: int, **fields) -> Scorecard:
    values = {"period": Scorecard.Period.QUARTER, "period_start": QUARTER_START, "period_end": QUARTER_END}
    return Scorecard.objects.create(subject=subject, subject_id=subject_id, **(values | fields))


@pytest.fixture
def world(cast):
    """Each record kind on team A's side and team B's, and the records only the director sees."""
    team_a, team_b = cast.rep.team, cast.other_rep.team
    customer_a = CustomerFactory(owner=cast.rep, name="Rizhao Steel")
    target_a = TeamTargetFactory(team=team_a, year=YEAR, quarter=QUARTER)
    target_b = TeamTargetFactory(team=team_b, year=YEAR, quarter=QUARTER)
    return {
        "reminder_a": reminder(cast.rep, f"customer:{customer_a.pk}", customer=customer_a),
        "reminder_b": reminder(cast.other_rep, "customer:b"),
        "target_a": target_a, "target_b": target_b,
        "share_a": RepTargetFactory(team_target=target_a, rep=cast.rep),
        "share_b": RepTargetFactory(team_target=target_b, rep=cast.other_rep),
        "scorecard_a": scorecard(Scorecard.Subject.REP, cast.rep.pk, team_id_at_time=team_a.pk,
                                 sales_amount=Decimal("1250000.00"), score=Decimal("71.50")),
        "scorecard_b": scorecard(Scorecard.Subject.REP, cast.other_rep.pk, team_id_at_time=team_b.pk),
        "team_card_a": scorecard(Scorecard.Subject.TEAM, team_a.pk),
        "department_card": scorecard(Scorecard.Subject.DEPARTMENT, cast.director.department_id),
    }


# Who sees each record through the API, as on its page: a reminder is its recipient's alone; a team's
# target its manager's, its members' (a rep holding a share, an account manager through their own team)
# and the director's; a scorecard as the dashboards and their exports show it.
SEES = {
    "reminder_a": {"rep"},
    "reminder_b": {"other_rep"},
    "target_a": {"director", "manager", "rep", "account_manager"},
    "target_b": {"director", "other_manager", "other_rep"},
    "scorecard_a": {"director", "manager", "rep"},
    "scorecard_b": {"director", "other_manager", "other_rep"},
    "team_card_a": {"director", "manager"},
    "department_card": {"director"},
}
# The pages each endpoint mirrors are the sellers' (403 for the others); the inbox is everyone's.
MAY_OPEN = {"reminder": set(ROLES[1:]), "target": SELLERS, "scorecard": SELLERS}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", ["reminder", "target", "scorecard"])
def test_every_endpoint_as_every_position(cast, world, role, kind):
    user = cast.by_role(role)
    client = api_as(user)
    list_url = reverse(f"api:{kind}-list")
    records = {name: record for name, record in world.items() if name.startswith(f"{kind}_")
               or (kind == "scorecard" and name in ("team_card_a", "department_card"))}
    if user is None:
        assert client.get(list_url).status_code == 401
        assert client.get(reverse(f"api:{kind}-detail", args=[next(iter(records.values())).pk])).status_code == 401
        return
    if role not in MAY_OPEN[kind]:
        assert client.get(list_url).status_code == 403
        for record in records.values():
            assert client.get(reverse(f"api:{kind}-detail", args=[record.pk])).status_code == 403
        return
    seen = {row["id"] for row in all_results(client, list_url)}
    assert seen == {record.pk for name, record in records.items() if role in SEES[name]}
    for name, record in records.items():
        detail = client.get(reverse(f"api:{kind}-detail", args=[record.pk]))
        if role in SEES[name]:
            assert detail.status_code == 200 and detail.json()["id"] == record.pk, (name, role)
        else:
            # Out of scope answers exactly as missing does.
            assert detail.status_code == 404, (name, role)
            assert detail.json() == client.get(reverse(f"api:{kind}-detail", args=[999999])).json()
    assert client.get(reverse(f"api:{kind}-detail", args=[999999])).status_code == 404


# --- What each record shows ------------------------------------------------------------------------


def test_the_inbox_lists_what_is_open_today_and_a_done_reminder_stays_readable_by_id(cast, world):
    today = timezone.localdate()
    done = reminder(cast.rep, "deal:1", done_at=timezone.now(), resolution=Reminder.Resolution.DONE)
    snoozed = reminder(cast.rep, "deal:2", snoozed_until=today + timedelta(days=3))
    tomorrow = reminder(cast.rep, "deal:3", day=today + timedelta(days=1))
    client = api_as(cast.rep)
    rows = all_results(client, reverse("api:reminder-list"))
    assert [row["id"] for row in rows] == [world["reminder_a"].pk]
    assert rows[0]["customer_name"] == "Rizhao Steel" and rows[0]["kind"] == "not_contacted"
    for hidden in (done, snoozed, tomorrow):
        assert client.get(reverse("api:reminder-detail", args=[hidden.pk])).status_code == 200
    assert client.get(reverse("api:reminder-detail", args=[done.pk])).json()["resolution"] == "done"


def test_a_manager_sees_every_share_of_the_split_and_a_rep_only_their_own(cast, world):
    teammate_share = RepTargetFactory(team_target=world["target_a"], rep=cast.account_manager,
                                      sales_amount=Decimal("5000000"))
    url = reverse("api:target-detail", args=[world["target_a"].pk])
    as_manager = api_as(cast.manager).get(url).json()
    assert {share["rep"] for share in as_manager["shares"]} == {"rep", "am"}
    as_rep = api_as(cast.rep).get(url).json()
    assert [share["rep"] for share in as_rep["shares"]] == ["rep"]
    assert as_rep["sales_amount"] == "100000000.00" and as_rep["shares"][0]["sales_amount"] == "25000000.00"
    # The account manager holds a share now: the target they see is the one they hold it in.
    as_teammate = api_as(cast.account_manager).get(url).json()
    assert [share["sales_amount"] for share in as_teammate["shares"]] == [f"{teammate_share.sales_amount:.2f}"]


def test_a_scorecard_names_its_subject_and_keeps_its_figures(cast, world):
    client = api_as(cast.director)
    card = client.get(reverse("api:scorecard-detail", args=[world["scorecard_a"].pk])).json()
    assert (card["subject"], card["subject_name"], card["sales_amount"], card["score"]) == (
        "rep", "rep", "1250000.00", "71.50")
    rows = all_results(client, reverse("api:scorecard-list"), subject="team")
    assert [(row["subject_name"], row["period_start"]) for row in rows] == [(cast.rep.team.name, "2026-10-01")]


# --- The pages' counts -----------------------------------------------------------------------------


@pytest.fixture
def busy(cast, world):
    """Several reminders, targets and scorecards a person, some out of sight (done, snoozed, superseded)."""
    today = timezone.localdate()
    for person in (cast.rep, cast.manager, cast.account_manager, cast.other_rep, cast.service):
        customer = CustomerFactory(owner=person)
        for index in range(4):
            reminder(person, f"customer:{index}", customer=customer, day=today - timedelta(days=1),
                     escalated=bool(index % 2))
        reminder(person, "customer:0", customer=customer)  # supersedes yesterday's of the same cause
        reminder(person, "customer:9", customer=customer, done_at=timezone.now())
    for year, quarter in ((2026, 3), (2027, 1)):
        for member, team in ((cast.rep, cast.rep.team), (cast.other_rep, cast.other_rep.team)):
            RepTargetFactory(team_target=TeamTargetFactory(team=team, year=year, quarter=quarter), rep=member)
    # In 2027 Q2 the rep holds no share: the rep and the account manager see their team's target.
    TeamTargetFactory(team=cast.rep.team, year=2027, quarter=2)
    scorecard(Scorecard.Subject.REP, cast.account_manager.pk, team_id_at_time=cast.rep.team_id)
    scorecard(Scorecard.Subject.REP, cast.manager.pk)
    scorecard(Scorecard.Subject.TEAM, cast.other_rep.team_id)


@pytest.mark.parametrize("role", ROLES[1:])
def test_the_api_counts_what_the_inbox_counts(cast, busy, client, role):
    user = cast.by_role(role)
    client.force_login(user)
    expected = client.get(reverse("reminders:inbox")).context["page"].paginator.count
    assert len(all_results(api_as(user), reverse("api:reminder-list"))) == expected


def _targets_on_the_quarter_page(client, year: int, quarter: int) -> int:
    page = client.get(reverse("targets:quarter", args=[year, quarter]))
    if page.context["sees_teams"]:
        return sum(1 for row in page.context["teams"] if row.target is not None)
    return len(page.context["share_cards"]) or int(page.context["team_target"] is not None)


@pytest.mark.parametrize("role", ROLES[1:])
def test_the_api_counts_what_the_target_pages_count(cast, busy, client, role):
    user = cast.by_role(role)
    client.force_login(user)
    api = api_as(user)
    if client.get(reverse("targets:quarter")).status_code == 403:
        assert api.get(reverse("api:target-list")).status_code == 403
        return
    for year, quarter in ((2026, 3), (2026, 4), (2027, 1), (2027, 2), (2025, 1)):
        rows = all_results(api, reverse("api:target-list"), year=year, quarter=quarter)
        assert len(rows) == _targets_on_the_quarter_page(client, year, quarter), (year, quarter)


@pytest.mark.parametrize("role", ROLES[1:])
def test_the_api_counts_what_the_scorecard_exports_count(cast, busy, client, role):
    user = cast.by_role(role)
    client.force_login(user)
    api = api_as(user)
    if api.get(reverse("api:scorecard-list")).status_code == 403:
        assert role not in SELLERS
        return
    for scope in ("rep", "team", "department"):
        export = client.get(reverse("dashboards:export", args=[scope, "csv"]),
                            {"period": "quarter", "start": QUARTER_START.isoformat()})
        expected = len(list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))) - 1 \
            if export.status_code == 200 else 0
        rows = all_results(api, reverse("api:scorecard-list"), subject=scope, period="quarter",
                           period_start=QUARTER_START.isoformat())
        assert len(rows) == expected, (scope, role)


# --- A page of any size costs the same queries -----------------------------------------------------


# The token and the page, then one query a nested list (a target's tonnages and shares). A scorecard's subject
# is named in the page's own query, whatever mix of reps, teams and departments the page holds.
PAGE_QUERIES = {"reminder": 2, "target": 4, "scorecard": 2}


def _add(cast, kind: str, numbers: range) -> None:
    """Records of `kind` the director sees, numbered so that none collides with another."""
    for index in numbers:
        team = cast.rep.team if index % 2 else cast.other_rep.team
        if kind == "reminder":
            reminder(cast.director, f"customer:{index}", customer=CustomerFactory(owner=cast.rep))
        elif kind == "target":
            target = TeamTargetFactory(team=team, year=2000 + index // 4, quarter=index % 4 + 1)
            RepTargetFactory(team_target=target, rep=cast.rep if index % 2 else cast.other_rep)
        else:
            scorecard(Scorecard.Subject.REP if index % 3 else Scorecard.Subject.TEAM,
                      cast.rep.pk if index % 3 else team.pk, period_start=QUARTER_START - timedelta(days=index))


@pytest.mark.parametrize("kind", ["reminder", "target", "scorecard"])
def test_a_page_costs_the_same_queries_whatever_its_size(cast, kind):
    _add(cast, kind, range(3))
    assert_api_page_pinned(api_as(cast.director), reverse(f"api:{kind}-list"), PAGE_QUERIES[kind],
                           lambda: _add(cast, kind, range(3, 20)))


@pytest.mark.parametrize("kind", ["reminder", "target", "scorecard"])
def test_a_list_is_written_as_drf_writes_it(cast, world, monkeypatch, kind):
    """Every field of every record as Django REST framework's own serializer writes it (bulksales/api/
    representation.py writes them faster). A reminder is its recipient's alone: the rep's."""
    reader = cast.rep if kind == "reminder" else cast.director
    assert_written_as_drf_writes(api_as(reader), reverse(f"api:{kind}-list"), monkeypatch)
