"""The bell's count on every page is cached per person and day (pipeline.bell), and is never older than the last
committed write that changes it: a reminder raised, done, snoozed or handed over, a coaching action ticked, a note
acknowledged, whichever way the write is made (one row, a bulk update, a cascade)."""

from datetime import timedelta

import pytest
from django.core.cache import cache, caches
from django.urls import reverse
from django.utils import timezone

from pipeline import bell, reminders
from pipeline.context_processors import reminders as reminders_context
from pipeline.models import Reminder
from targets.coaching import services as coaching_services
from targets.coaching.models import CoachingAction, CoachingNote
from targets.dashboards import open_reminder_counts

from .factories import ActivityFactory, CustomerFactory


def today():
    return timezone.localdate()


def late_next_step(owner, days_late: int = 2):
    return ActivityFactory(customer=CustomerFactory(owner=owner), owner=owner, next_step="Send the Q1 offer",
                           next_step_due=today() - timedelta(days=days_late))


def bell_of(rf, user) -> int:
    request = rf.get("/")
    request.user = user
    count = reminders_context(request)["reminder_count"]
    return count + 0  # a lazy object: evaluated here


@pytest.fixture(autouse=True)
def bell_cached(settings):
    settings.INBOX_COUNT_CACHE_SECONDS = 900


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a block's on-commit callbacks as a real commit would (the test's own transaction never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_the_count_is_read_once_and_then_from_the_cache(cast, rf, django_assert_num_queries, settings):
    late_next_step(cast.rep)
    reminders.raise_reminders()
    with django_assert_num_queries(1):
        assert bell_of(rf, cast.rep) == 1
    with django_assert_num_queries(0):
        assert bell_of(rf, cast.rep) == 1
    # Each person has their own count.
    assert bell_of(rf, cast.manager) == 0
    settings.INBOX_COUNT_CACHE_SECONDS = 0  # off: counted on every page
    with django_assert_num_queries(1):
        assert bell_of(rf, cast.rep) == 1


def test_a_page_reads_the_cached_count_in_one_round_trip_to_the_cache(cast, rf, monkeypatch):
    late_next_step(cast.rep)
    reminders.raise_reminders()
    assert bell_of(rf, cast.rep) == 1  # counted and stored
    backend, calls, depth = caches["default"], [], []

    def spy(name, method):
        def called(*args, **kwargs):
            if not depth:  # a backend's get_many may call its own get per key: one call of ours
                calls.append(name)
            depth.append(name)
            try:
                return method(*args, **kwargs)
            finally:
                depth.pop()
        return called

    for name in ("get", "get_many", "set", "add", "set_many"):
        monkeypatch.setattr(backend, name, spy(name, getattr(backend, name)))
    assert bell_of(rf, cast.rep) == 1
    assert calls == ["get_many"]


def test_raising_marking_done_and_snoozing_change_the_count_at_once(cast, rf, committed):
    late_next_step(cast.rep)
    late_next_step(cast.rep, days_late=5)
    assert bell_of(rf, cast.rep) == 0  # cached before the job runs
    with committed():
        reminders.raise_reminders()  # a bulk insert
    assert bell_of(rf, cast.rep) == 2
    first, second = Reminder.objects.filter(recipient=cast.rep)
    with committed():
        reminders.reminder_done(reminder=first, by=cast.rep)  # an UPDATE of one row
    assert bell_of(rf, cast.rep) == 1
    with committed():
        reminders.reminder_snooze(reminder=second, until=today() + timedelta(days=2), by=cast.rep)
    assert bell_of(rf, cast.rep) == 0


def test_a_count_another_request_read_before_the_write_committed_is_not_kept(cast, rf, committed):
    late_next_step(cast.rep)
    reminders.raise_reminders()
    assert bell_of(rf, cast.rep) == 1
    with committed():
        reminders.reminder_done(reminder=Reminder.objects.get(), by=cast.rep)
        # Another request read the rows before this write commits, and now stores what it counted.
        bell.cached_count(cast.rep.pk, today(), lambda: 1)
    assert bell_of(rf, cast.rep) == 0


def test_a_deletion_that_cascades_drops_the_count(cast, rf, committed):
    activity = late_next_step(cast.rep)
    reminders.raise_reminders()
    assert bell_of(rf, cast.rep) == 1
    with committed():
        activity.customer.delete()  # the reminder goes with its customer
    assert not Reminder.objects.exists()
    assert bell_of(rf, cast.rep) == 0


def test_a_new_day_counts_afresh(cast, rf, committed):
    late_next_step(cast.rep)
    reminders.raise_reminders()
    with committed():
        reminders.reminder_snooze(reminder=Reminder.objects.get(), until=today() + timedelta(days=1), by=cast.rep)
    assert bell_of(rf, cast.rep) == 0
    # The local day after (a UTC date is yesterday's in Shanghai from 16:00 UTC).
    tomorrow = today() + timedelta(days=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "localdate", lambda *args: tomorrow)
        assert bell_of(rf, cast.rep) == 1  # the snooze has run out


def test_a_lost_token_does_not_bring_back_an_older_count(cast, rf, committed):
    late_next_step(cast.rep)
    assert bell_of(rf, cast.rep) == 0  # stored under the first tokens
    with committed():
        reminders.raise_reminders()
    # The cache evicts the tokens (a full Redis, a culled file cache); the count stored under the first ones
    # is still there, and must not be read again.
    cache.delete_many([bell.EVERYONE, bell._person_key(cast.rep.pk)])
    assert bell_of(rf, cast.rep) == 1


def test_coaching_actions_and_acknowledgements_change_the_reps_count(cast, rf, committed):
    note = CoachingNote.objects.create(rep=cast.rep, coach=cast.manager, held_on=today())
    action = CoachingAction.objects.create(note=note, text="Call the plant", due_on=today())
    assert bell_of(rf, cast.rep) == 2  # the action, and the note to acknowledge
    with committed():
        coaching_services.coaching_note_acknowledge(note=note, by=cast.rep)
    assert bell_of(rf, cast.rep) == 1
    with committed():
        coaching_services.coaching_action_mark(action=action, done=True, by=cast.rep)
    assert bell_of(rf, cast.rep) == 0


def test_a_teams_reminder_counts_are_kept_beside_the_bell_and_follow_each_persons_writes(
        cast, rf, committed, django_assert_num_queries, monkeypatch):
    """The team dashboard's open reminders per rep (targets.dashboards.open_reminder_counts): counted once for the
    whole team, then read from the cache in one round trip, and counted again only for whose inbox changed."""
    late_next_step(cast.rep)
    late_next_step(cast.rep, days_late=5)
    with committed():
        reminders.raise_reminders()
    assert bell_of(rf, cast.rep) == 2  # the bell's count is kept apart: it is no count of reminders alone
    people, day = [cast.rep, cast.account_manager], today()
    with django_assert_num_queries(1):
        assert open_reminder_counts(people=people, day=day) == {cast.rep.pk: 2, cast.account_manager.pk: 0}
    backend, calls = caches["default"], []
    monkeypatch.setattr(backend, "get_many", lambda keys, get_many=backend.get_many: calls.append(keys) or
                        get_many(keys))
    with django_assert_num_queries(0):
        assert open_reminder_counts(people=people, day=day) == {cast.rep.pk: 2, cast.account_manager.pk: 0}
    assert len(calls) == 1
    with committed():
        reminders.reminder_done(reminder=Reminder.objects.filter(recipient=cast.rep).first(), by=cast.rep)
    with django_assert_num_queries(1):  # the rep's alone: the account manager's inbox did not change
        assert open_reminder_counts(people=people, day=day) == {cast.rep.pk: 1, cast.account_manager.pk: 0}
    # A new day counts afresh (a snooze runs out at midnight).
    with pytest.MonkeyPatch.context() as patch, django_assert_num_queries(1):
        patch.setattr(timezone, "localdate", lambda *args: day + timedelta(days=1))
        open_reminder_counts(people=people, day=day + timedelta(days=1))


def test_a_teams_first_count_mints_its_peoples_tokens_in_one_read_more(cast, monkeypatch):
    """A cache with no token yet (a new cache, or tokens evicted): each person's token and everyone's are added,
    then read once for them all, not person by person."""
    cache.clear()
    backend, reads = caches["default"], []
    monkeypatch.setattr(backend, "get_many", lambda keys, get_many=backend.get_many: reads.append(keys) or
                        get_many(keys))
    people = [cast.rep, cast.account_manager, cast.manager]
    assert open_reminder_counts(people=people, day=today()) == {person.pk: 0 for person in people}
    assert len(reads) == 2  # the counts and tokens; then the tokens just added
    assert open_reminder_counts(people=people, day=today()) == {person.pk: 0 for person in people}
    assert len(reads) == 3  # from then on, one read


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_bell_on_the_page_follows_a_reminder_marked_done(cast, client_as):
    late_next_step(cast.rep)
    late_next_step(cast.rep, days_late=4)
    reminders.raise_reminders()
    client = client_as(cast.rep)

    def badge() -> str:
        return client.get(reverse("reminders:bell"), HTTP_HX_REQUEST="true").text

    assert 'id="reminder-count"' in badge() and ">2</span>" in badge()
    client.post(reverse("reminders:done", args=[Reminder.objects.filter(recipient=cast.rep).first().pk]))
    assert ">1</span>" in badge()


def test_the_inbox_shows_coaching_written_after_its_count_was_cached(cast, client_as, committed):
    """The inbox reads the coaching's lists only when the bell counts something besides the reminders: a note
    written after the rep's count was cached (nothing waiting) drops it, and the next page shows the note."""
    client = client_as(cast.rep)
    assert "Read and acknowledge" not in client.get(reverse("reminders:inbox")).text  # counted, cached: nothing
    with committed():
        note = CoachingNote.objects.create(rep=cast.rep, coach=cast.manager, held_on=timezone.localdate(),
                                           went_well="Clear offer", to_improve="Ask for the decision maker earlier")
    html = client.get(reverse("reminders:inbox")).text
    assert "Read and acknowledge" in html and reverse("coaching:detail", args=[note.pk]) in html
