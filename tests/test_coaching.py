"""Coaching notes (辅导记录): who writes, reads, acknowledges and ticks them, the form's checks in both
languages, the lock on an acknowledged note, and where they show (inbox, bell, team dashboard)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import access
from pipeline.context_processors import reminders as reminders_context
from pipeline.models import Reminder
from targets.coaching import selectors, services
from targets.coaching.models import CoachingAction, CoachingNote
from targets.kpis import compute_scorecards
from targets.models import Scorecard

from .conftest import ROLES
from .factories import CustomerFactory, DealFactory, UserFactory
from .inbox import bell_count
from .queries import assert_queries_pinned

OK, FOUND, FORBIDDEN, NOT_FOUND = 200, 302, 403, 404


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def note_for(rep, coach, *, held_on=None, actions=(), acknowledged=False, **kwargs) -> CoachingNote:
    note = CoachingNote.objects.create(
        rep=rep, coach=coach, held_on=held_on or today(), went_well=kwargs.pop("went_well", "Clear offer"),
        to_improve=kwargs.pop("to_improve", "Ask for the decision maker earlier"),
        acknowledged_at=timezone.now() if acknowledged else None, **kwargs)
    for text, due in actions:
        CoachingAction.objects.create(note=note, text=text, due_on=due)
    return note


def form_data(rep, *, held_on=None, actions=(), **fields) -> dict[str, object]:
    data: dict[str, object] = {
        "rep": rep.pk, "kind": CoachingNote.Kind.ONE_TO_ONE, "held_on": (held_on or today()).isoformat(),
        "went_well": "Good call notes", "to_improve": "Prepare the freight figures",
        "actions-TOTAL_FORMS": len(actions), "actions-INITIAL_FORMS": 0,
        "actions-MIN_NUM_FORMS": 0, "actions-MAX_NUM_FORMS": 1000,
    }
    for index, (text, due) in enumerate(actions):
        data[f"actions-{index}-text"] = text
        data[f"actions-{index}-due_on"] = due.isoformat() if due else ""
    return data | fields


# --- Who coaches whom, who sees what ------------------------------------------------------------------


def test_the_reps_manager_and_a_director_coach_the_rep(cast):
    assert access.can_coach(cast.manager, cast.rep)
    assert access.can_coach(cast.director, cast.rep)
    assert access.can_coach(cast.manager, cast.account_manager)
    assert not access.can_coach(cast.other_manager, cast.rep)  # another team's manager
    assert not access.can_coach(cast.rep, cast.account_manager)  # a peer
    assert not access.can_coach(cast.manager, cast.manager)  # nobody coaches themselves
    assert not access.can_coach(cast.service, cast.rep)


def test_a_director_sees_every_note_a_manager_their_teams_and_their_own_a_rep_only_theirs(cast):
    on_rep = note_for(cast.rep, cast.manager)
    on_other_rep = note_for(cast.other_rep, cast.other_manager)
    on_manager = note_for(cast.manager, cast.director)
    by_director_on_rep_b = note_for(cast.other_rep, cast.director)

    def seen(user):
        return set(selectors.notes_visible_to(user))

    assert seen(cast.director) == {on_rep, on_other_rep, on_manager, by_director_on_rep_b}
    assert seen(cast.manager) == {on_rep, on_manager}
    assert seen(cast.other_manager) == {on_other_rep, by_director_on_rep_b}
    assert seen(cast.rep) == {on_rep}
    assert seen(cast.other_rep) == {on_other_rep, by_director_on_rep_b}
    assert seen(cast.account_manager) == set()
    assert seen(cast.service) == seen(cast.marketing) == set()


def test_a_manager_sees_the_notes_they_wrote_on_a_rep_who_moved_teams(cast):
    note = note_for(cast.rep, cast.manager)
    cast.rep.team = cast.other_rep.team
    cast.rep.save()
    assert note in selectors.notes_visible_to(cast.manager)
    assert note in selectors.notes_visible_to(cast.other_manager)


# Who may open team A's rep's note, its edit page, acknowledge it and tick its action.
SEES_NOTE = {"director", "manager", "rep"}


@pytest.mark.parametrize("role", ROLES)
def test_each_page_of_a_note_answers_each_role_as_the_policy_says(client_as, cast, role):
    note = note_for(cast.rep, cast.manager, actions=[("Call the plant", today() + days(7))])
    action = note.actions.get()
    user = cast.by_role(role)
    client = client_as(user)
    detail = client.get(reverse("coaching:detail", args=[note.pk]))
    edit = client.get(reverse("coaching:edit", args=[note.pk]))
    listed = client.get(reverse("coaching:list"))
    tick = client.post(reverse("coaching:action_mark", args=[action.pk]), {"done": "1"})
    acknowledge = client.post(reverse("coaching:acknowledge", args=[note.pk]))
    if user is None:
        assert {detail.status_code, edit.status_code, listed.status_code, tick.status_code} == {FOUND}
        assert all("/accounts/login" in r.url or "login" in r.url for r in (detail, edit, listed))
        return
    assert listed.status_code == OK
    assert (note.rep.full_name in listed.text and "Ask for the decision maker" in listed.text) == (role in SEES_NOTE)
    if role in SEES_NOTE:
        assert detail.status_code == OK
        assert "Ask for the decision maker earlier" in detail.text
        assert edit.status_code == (FORBIDDEN if role == "rep" else OK)
        assert tick.status_code == FOUND
        assert acknowledge.status_code == (FOUND if role == "rep" else FORBIDDEN)
    else:
        assert detail.status_code == NOT_FOUND
        # A position that may not write notes at all is refused before its scope is looked at.
        assert edit.status_code in (NOT_FOUND, FORBIDDEN)
        if role in ("other_manager", "director"):
            assert edit.status_code == NOT_FOUND
        assert tick.status_code == NOT_FOUND
        assert acknowledge.status_code == NOT_FOUND
    action.refresh_from_db()
    note.refresh_from_db()
    assert (action.done_at is not None) == (role in SEES_NOTE)
    assert note.acknowledged == (role == "rep")


def test_out_of_scope_edit_is_404_for_another_teams_manager(client_as, cast):
    note = note_for(cast.rep, cast.manager)
    client = client_as(cast.other_manager)
    assert client.get(reverse("coaching:edit", args=[note.pk])).status_code == NOT_FOUND
    assert client.post(reverse("coaching:edit", args=[note.pk]), form_data(cast.rep)).status_code == NOT_FOUND
    assert client.get(reverse("coaching:detail", args=[note.pk + 1000])).status_code == NOT_FOUND


def test_reps_customer_service_and_marketing_cannot_write_notes(client_as, cast):
    for user in (cast.rep, cast.account_manager, cast.service, cast.marketing):
        assert client_as(user).get(reverse("coaching:create")).status_code == FORBIDDEN


# --- Writing a note -------------------------------------------------------------------------------------


def test_a_manager_records_a_note_with_actions_for_their_rep(client_as, cast):
    deal = DealFactory(customer=CustomerFactory(owner=cast.rep))
    response = client_as(cast.manager).post(reverse("coaching:create"), form_data(
        cast.rep, kind=CoachingNote.Kind.DEAL_REVIEW, deal=deal.pk,
        actions=[("Send the revised offer", today() + days(3)), ("", None)]))
    note = CoachingNote.objects.get()
    assert response.status_code == FOUND and response.url == reverse("coaching:detail", args=[note.pk])
    assert (note.rep, note.coach, note.kind, note.deal) == (cast.rep, cast.manager, "deal_review", deal)
    assert [(a.text, a.due_on) for a in note.actions.all()] == [("Send the revised offer", today() + days(3))]


def test_the_rep_offered_is_one_the_coach_manages(client_as, cast):
    response = client_as(cast.manager).post(reverse("coaching:create"), form_data(cast.other_rep))
    assert response.status_code == OK
    assert "Select a valid choice" in response.text
    assert not CoachingNote.objects.exists()
    choices = response.context["form"].fields["rep"].queryset
    assert set(choices) == {cast.rep, cast.account_manager}


def test_an_action_due_before_the_coaching_is_refused_and_nothing_is_saved(client_as, cast):
    response = client_as(cast.manager).post(reverse("coaching:create"), form_data(
        cast.rep, actions=[("Fine", today() + days(1)), ("Too early", today() - days(1))]))
    assert response.status_code == OK
    assert "An action cannot be due before the day of the coaching." in response.text
    assert not CoachingNote.objects.exists() and not CoachingAction.objects.exists()


def test_a_note_says_something(client_as, cast):
    response = client_as(cast.manager).post(reverse("coaching:create"),
                                            form_data(cast.rep, went_well=" ", to_improve=""))
    assert "Write what went well or what to improve (or both)." in response.text
    assert not CoachingNote.objects.exists()


def test_an_action_needs_its_due_date(client_as, cast):
    response = client_as(cast.manager).post(reverse("coaching:create"),
                                            form_data(cast.rep, actions=[("Call the plant", None)]))
    assert response.status_code == OK and "This field is required." in response.text
    assert not CoachingNote.objects.exists()


def test_the_forms_errors_are_in_chinese_for_a_chinese_reader(client_as, cast):
    cast.manager.language = "zh-hans"
    cast.manager.save()
    response = client_as(cast.manager).post(reverse("coaching:create"), form_data(
        cast.rep, went_well="", to_improve="", actions=[("Too early", today() - days(1))]))
    assert "请填写做得好的地方或需要改进的地方（或两者）。" in response.text
    assert "行动的截止日期不能早于辅导日期。" in response.text
    assert "新建辅导记录" in response.text


def test_the_service_refuses_a_coach_who_does_not_coach_the_rep(cast):
    note = CoachingNote(rep=cast.rep, held_on=today(), to_improve="x")
    with pytest.raises(services.RuleError):
        services.coaching_note_save(note=note, actions=None, by=cast.other_manager)  # type: ignore[arg-type]


# --- The rep's acknowledgement locks the note ------------------------------------------------------------


def test_the_rep_acknowledges_with_a_comment_and_the_note_is_locked(client_as, cast):
    note = note_for(cast.rep, cast.manager, actions=[("Call the plant", today() + days(2))])
    response = client_as(cast.rep).post(reverse("coaching:acknowledge", args=[note.pk]),
                                        {"comment": "Agreed, will do"})
    assert response.status_code == FOUND
    note.refresh_from_db()
    assert note.acknowledged and note.acknowledgement_comment == "Agreed, will do"

    manager = client_as(cast.manager)
    detail = manager.get(reverse("coaching:detail", args=[note.pk]))
    assert "Agreed, will do" in detail.text and reverse("coaching:edit", args=[note.pk]) not in detail.text
    edit = manager.post(reverse("coaching:edit", args=[note.pk]), form_data(cast.rep, to_improve="Rewritten"))
    assert edit.status_code == FOUND
    note.refresh_from_db()
    assert note.to_improve == "Ask for the decision maker earlier"
    # The actions can still be ticked done.
    action = note.actions.get()
    manager.post(reverse("coaching:action_mark", args=[action.pk]), {"done": "1"})
    action.refresh_from_db()
    assert action.done_at is not None and action.done_by == cast.manager


def test_a_second_acknowledgement_changes_nothing(cast):
    note = note_for(cast.rep, cast.manager)
    services.coaching_note_acknowledge(note=note, by=cast.rep, comment="first")
    with pytest.raises(services.RuleError):
        services.coaching_note_acknowledge(note=note, by=cast.rep, comment="second")
    note.refresh_from_db()
    assert note.acknowledgement_comment == "first"


def test_only_the_rep_acknowledges(cast):
    note = note_for(cast.rep, cast.manager)
    for user in (cast.manager, cast.director):
        with pytest.raises(services.RuleError):
            services.coaching_note_acknowledge(note=note, by=user)


def test_the_service_refuses_to_change_an_acknowledged_note(cast):
    note = note_for(cast.rep, cast.manager, acknowledged=True)
    note.to_improve = "Rewritten"
    with pytest.raises(services.RuleError, match="acknowledged"):
        services.coaching_note_save(note=note, actions=None, by=cast.manager)  # type: ignore[arg-type]


def test_a_ticked_action_can_be_opened_again(client_as, cast):
    note = note_for(cast.rep, cast.manager, actions=[("Call the plant", today() + days(2))])
    action = note.actions.get()
    client = client_as(cast.rep)
    client.post(reverse("coaching:action_mark", args=[action.pk]), {"done": "1"})
    action.refresh_from_db()
    assert action.done_by == cast.rep
    client.post(reverse("coaching:action_mark", args=[action.pk]), {"done": "0"})
    action.refresh_from_db()
    assert action.done_at is None and action.done_by is None


# --- The list -----------------------------------------------------------------------------------------------


def test_the_list_filters_by_rep_kind_open_actions_and_dates(client_as, cast):
    recent = note_for(cast.rep, cast.manager, actions=[("Open", today() + days(2))])
    old = note_for(cast.account_manager, cast.manager, held_on=today() - days(40),
                   kind=CoachingNote.Kind.RIDE_ALONG)
    client = client_as(cast.manager)

    def listed(**query):
        return list(client.get(reverse("coaching:list"), query).context["page"])

    assert listed() == [recent, old]
    assert listed(rep=cast.account_manager.pk) == [old]
    assert listed(kind="ride_along") == [old]
    assert listed(open_actions="1") == [recent]
    assert listed(open_actions="0") == [old]
    assert listed(held_after=(today() - days(10)).isoformat()) == [recent]
    assert listed(held_before=(today() - days(10)).isoformat()) == [old]
    assert listed(rep=cast.other_rep.pk) == [recent, old]  # not a choice: the filter is ignored with its error


def test_the_list_costs_the_same_queries_however_many_notes(client_as, cast):
    client = client_as(cast.manager)
    note_for(cast.rep, cast.manager, actions=[("A", today())])

    def grow():
        for index in range(15):
            note_for(cast.rep if index % 2 else cast.account_manager, cast.manager,
                     actions=[("A", today()), ("B", today() + days(3))])

    first, second = assert_queries_pinned(7, lambda: client.get(reverse("coaching:list")), grow)
    assert first.status_code == second.status_code == OK


def test_a_note_costs_the_same_queries_however_many_actions(client_as, cast):
    note = note_for(cast.rep, cast.manager, actions=[("A", today())])
    client = client_as(cast.rep)

    def grow():
        for index in range(10):
            action = CoachingAction.objects.create(note=note, text=f"A{index}", due_on=today())
            services.coaching_action_mark(action=action, done=True, by=cast.rep if index % 2 else cast.manager)

    first, second = assert_queries_pinned(
        5, lambda: client.get(reverse("coaching:detail", args=[note.pk])), grow)
    assert first.status_code == second.status_code == OK


# --- Where it shows: the inbox and its bell ------------------------------------------------------------------


def test_open_actions_and_notes_to_acknowledge_are_in_the_reps_inbox(client_as, cast):
    unread = note_for(cast.rep, cast.manager, actions=[("Call the plant", today() - days(1)),
                                                       ("Send the offer", today() + days(5))])
    CoachingAction.objects.filter(text="Send the offer").update(done_at=timezone.now(), done_by=cast.rep)
    note_for(cast.other_rep, cast.other_manager, actions=[("Not mine", today())])
    html = client_as(cast.rep).get(reverse("reminders:inbox")).text
    assert "Call the plant" in html and "Overdue" in html
    assert "Send the offer" not in html and "Not mine" not in html
    assert reverse("coaching:detail", args=[unread.pk]) in html and "Read and acknowledge" in html
    # The manager's inbox holds no coaching of their rep.
    assert "Call the plant" not in client_as(cast.manager).get(reverse("reminders:inbox")).text


def test_the_inbox_asks_the_coaching_nothing_while_the_bell_counts_none_and_shows_it_once_it_does(client_as, cast):
    """The bell counts the open reminders and the coaching waiting: while it counts only reminders, the inbox does
    not read the coaching's lists (two queries a page for every rep with none); once something waits, the next
    page shows it. (The bell's count is read on every page here; tests/test_bell.py holds the cached one.)"""
    client = client_as(cast.rep)
    with CaptureQueriesContext(connection) as ran:
        html = client.get(reverse("reminders:inbox")).text
    assert "Read and acknowledge" not in html
    # The bell's count unites the reminders with the coaching waiting; no list of the coaching is read.
    assert not [query for query in ran.captured_queries if query["sql"].startswith('SELECT "coaching_')], ran
    note = note_for(cast.rep, cast.manager, actions=[("Call the plant", today())], acknowledged=True)
    unread = note_for(cast.rep, cast.manager)
    html = client.get(reverse("reminders:inbox")).text
    assert "Call the plant" in html and reverse("coaching:action_mark", args=[note.actions.get().pk]) in html
    assert reverse("coaching:detail", args=[unread.pk]) in html and "Read and acknowledge" in html
    assert bell_count(client) == 2


def test_ticking_an_action_from_the_inbox_returns_there(client_as, cast):
    note = note_for(cast.rep, cast.manager, actions=[("Call the plant", today())], acknowledged=True)
    response = client_as(cast.rep).post(reverse("coaching:action_mark", args=[note.actions.get().pk]),
                                        {"done": "1", "next": "inbox"})
    assert response.url == reverse("reminders:inbox")


def test_the_bell_counts_open_actions_and_unacknowledged_notes_in_one_query(cast, rf, django_assert_num_queries):
    note_for(cast.rep, cast.manager, actions=[("A", today()), ("B", today() + days(1))])  # unacknowledged
    done = note_for(cast.rep, cast.manager, actions=[("C", today())], acknowledged=True)
    done.actions.update(done_at=timezone.now(), done_by=cast.rep)
    request = rf.get("/")
    request.user = cast.rep
    context = reminders_context(request)
    with django_assert_num_queries(1):
        assert context["reminder_count"] == 3  # two open actions and the note to acknowledge
    request.user = cast.manager
    assert reminders_context(request)["reminder_count"] == 0


def new_note_with_actions(client_as, cast) -> CoachingNote:
    client_as(cast.manager).post(reverse("coaching:create"), form_data(
        cast.rep, actions=[("Call the plant", today() + days(3)), ("Send the revised offer", today() + days(5))]))
    return CoachingNote.objects.get()


def test_a_new_notes_actions_show_once_in_the_reps_inbox_as_the_entry_naming_the_coach(client_as, cast):
    note = new_note_with_actions(client_as, cast)
    client = client_as(cast.rep)
    inbox = client.get(reverse("reminders:inbox")).text
    # One entry for the actions (with the link and the coach), not a second one in the coaching panel.
    assert inbox.count("Call the plant") == inbox.count("Send the revised offer") == 1
    assert f"Assigned to you by {cast.manager}" in inbox
    assert f'href="{reverse("coaching:detail", args=[note.pk])}"' in inbox
    assert reverse("coaching:action_mark", args=[note.actions.first().pk]) not in inbox
    assert "Read and acknowledge" in inbox  # the note itself still waits to be acknowledged
    assert bell_count(client) == 2  # the entry and the note to acknowledge, not each action besides


def test_once_the_rep_marks_the_entry_done_the_actions_wait_in_the_coaching_panel(client_as, cast):
    note = new_note_with_actions(client_as, cast)
    client = client_as(cast.rep)
    [entry] = Reminder.objects.filter(recipient=cast.rep)
    client.post(reverse("reminders:done", args=[entry.pk]))
    inbox = client.get(reverse("reminders:inbox")).text
    assert inbox.count("Call the plant") == inbox.count("Send the revised offer") == 1
    assert f"Assigned to you by {cast.manager}" not in inbox
    for action in note.actions.all():
        assert reverse("coaching:action_mark", args=[action.pk]) in inbox
    assert bell_count(client) == 3  # two actions and the note to acknowledge


def test_a_snoozed_entry_holds_back_its_actions_too(client_as, cast):
    new_note_with_actions(client_as, cast)
    client = client_as(cast.rep)
    [entry] = Reminder.objects.filter(recipient=cast.rep)
    client.post(reverse("reminders:snooze", args=[entry.pk]), {"days": 3})
    assert "Call the plant" not in client.get(reverse("reminders:inbox")).text
    assert bell_count(client) == 1  # the note to acknowledge


def test_ticking_the_last_action_takes_the_entry_out_of_the_inbox(client_as, cast):
    note = new_note_with_actions(client_as, cast)
    client = client_as(cast.rep)
    first, last = note.actions.order_by("due_on")
    client.post(reverse("coaching:action_mark", args=[first.pk]), {"done": "1"})
    assert "Call the plant; Send the revised offer" in client.get(reverse("reminders:inbox")).text  # one still open
    client.post(reverse("coaching:action_mark", args=[last.pk]), {"done": "1"})
    inbox = client.get(reverse("reminders:inbox")).text
    assert "Call the plant" not in inbox and f"Assigned to you by {cast.manager}" not in inbox
    assert bell_count(client) == 1  # only the note to acknowledge


# --- Where it shows: the team dashboard ---------------------------------------------------------------------


def test_the_team_dashboard_lists_the_teams_open_actions_and_links_each_rep_to_their_last_coaching(client_as, cast):
    compute_scorecards(period=Scorecard.Period.QUARTER, start=today())
    note_for(cast.rep, cast.manager, held_on=today() - days(30), actions=[("Older", today())])
    latest = note_for(cast.rep, cast.manager, held_on=today() - days(2), actions=[("Call the plant", today())])
    note_for(cast.other_rep, cast.other_manager, actions=[("Other team", today())])
    manager = client_as(cast.manager)
    response = manager.get(reverse("dashboards:manager", args=[cast.rep.team_id, "open-items"]))
    assert response.context["coaching_action_count"] == 2
    assert "Call the plant" in response.text and "Older" in response.text and "Other team" not in response.text
    html = manager.get(reverse("dashboards:manager")).text  # the overview's leaderboard
    assert reverse("coaching:detail", args=[latest.pk]) in html
    day = (today() - days(2)).strftime("%Y")
    assert "last coached on" in html and day in html and "2 open actions" in html
    assert "not coached yet" in html  # the account manager


def test_the_team_dashboards_coaching_costs_no_query_per_rep(client_as, cast):
    compute_scorecards(period=Scorecard.Period.QUARTER, start=today())
    client = client_as(cast.manager)
    note_for(cast.rep, cast.manager, actions=[("A", today())])
    before = client.get(reverse("dashboards:manager"))

    def grow():
        for index in range(4):
            rep = UserFactory(team=cast.rep.team, department=cast.rep.department, full_name=f"Rep {index}")
            note_for(rep, cast.manager, actions=[("A", today()), ("B", today())])
        compute_scorecards(period=Scorecard.Period.QUARTER, start=today())

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("dashboards:manager"))
    grow()
    with CaptureQueriesContext(connection) as many:
        after = client.get(reverse("dashboards:manager"))
    assert len(few) == len(many)
    assert before.status_code == after.status_code == OK
    assert after.text.count("last coached on") >= 5


def test_a_reps_dashboard_links_their_latest_coaching_for_them_and_their_manager(client_as, cast):
    note = note_for(cast.rep, cast.manager, actions=[("Call the plant", today())])
    link = reverse("coaching:detail", args=[note.pk])
    assert link in client_as(cast.rep).get(reverse("dashboards:rep")).text
    assert link in client_as(cast.manager).get(reverse("dashboards:rep", args=[cast.rep.pk])).text
    assert "not coached yet" in client_as(cast.account_manager).get(reverse("dashboards:rep")).text


def test_the_form_offers_the_coachees_open_deals_only(client_as, cast):
    open_deal = DealFactory(customer=CustomerFactory(owner=cast.rep))
    DealFactory(customer=CustomerFactory(owner=cast.rep), outcome="lost")
    DealFactory(customer=CustomerFactory(owner=cast.other_rep))
    form = client_as(cast.manager).get(reverse("coaching:create")).context["form"]
    assert list(form.fields["deal"].queryset) == [open_deal]


def test_an_empty_post_to_an_action_changes_nothing(client_as, cast):
    note = note_for(cast.rep, cast.manager, actions=[("Call the plant", today())])
    action = note.actions.get()
    services.coaching_action_mark(action=action, done=True, by=cast.rep)
    response = client_as(cast.rep).post(reverse("coaching:action_mark", args=[action.pk]), follow=True)
    assert "Mark the action done or open it again." in response.text
    action.refresh_from_db()
    assert action.done_at is not None


def test_with_too_many_deals_to_list_the_coach_picks_the_rep_first(client_as, cast, monkeypatch):
    from targets.coaching import forms as coaching_forms

    monkeypatch.setattr(coaching_forms, "LISTED_DEALS", 0)
    theirs = DealFactory(customer=CustomerFactory(owner=cast.rep))
    DealFactory(customer=CustomerFactory(owner=cast.account_manager))
    client = client_as(cast.manager)
    html = client.get(reverse("coaching:create")).text
    assert "Who is the note for?" in html and 'name="went_well"' not in html
    assert f'href="?rep={cast.rep.pk}"' in html and f'href="?rep={cast.account_manager.pk}"' in html
    assert f'href="?rep={cast.other_rep.pk}"' not in html  # not theirs to coach
    # Someone they do not coach is no pick: the question again.
    assert "Who is the note for?" in client.get(reverse("coaching:create"), {"rep": cast.other_rep.pk}).text
    url = reverse("coaching:create") + f"?rep={cast.rep.pk}"
    response = client.get(url)
    form = response.context["form"]
    assert list(form.fields["rep"].queryset) == [cast.rep] and list(form.fields["deal"].queryset) == [theirs]
    assert list(form.fields["customer"].queryset) == [theirs.customer] and "Another rep" in response.text
    assert client.post(url, form_data(cast.rep, deal=theirs.pk)).status_code == FOUND
    assert CoachingNote.objects.get().deal == theirs


def test_the_first_step_in_chinese(client_as, cast, monkeypatch):
    from targets.coaching import forms as coaching_forms

    monkeypatch.setattr(coaching_forms, "LISTED_DEALS", 0)
    DealFactory(customer=CustomerFactory(owner=cast.rep))
    cast.manager.language = "zh-hans"
    cast.manager.save()
    html = client_as(cast.manager).get(reverse("coaching:create")).text
    assert "这条辅导记录是给谁的？" in html and "新建辅导记录" in html
    assert "换一个销售代表" in client_as(cast.manager).get(reverse("coaching:create"), {"rep": cast.rep.pk}).text
