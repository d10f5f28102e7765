"""The demo's coaching notes (bulksales/demo/coaching.py): written by each rep's own manager (or the
director, on a manager), some acknowledged, some with open actions, one action overdue; idempotent."""

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.models import User
from targets.coaching.models import CoachingAction, CoachingNote


def test_the_demo_has_coaching_notes_by_the_reps_managers(demo):
    notes = list(CoachingNote.objects.select_related("rep", "coach"))
    assert len(notes) == 6
    assert all(access.can_coach(note.coach, note.rep) for note in notes)
    assert {note.acknowledged for note in notes} == {True, False}
    assert CoachingNote.objects.filter(kind=CoachingNote.Kind.DEAL_REVIEW, deal__owner__username="rep5").exists()
    open_ = CoachingAction.objects.filter(done_at__isnull=True)
    assert open_.exists() and CoachingAction.objects.filter(done_at__isnull=False).exists()
    overdue = open_.filter(due_on__lt=timezone.localdate())
    assert [action.note.rep.username for action in overdue] == ["rep2"]


def test_seeding_the_demo_again_adds_no_coaching(demo):
    before = CoachingNote.objects.count(), CoachingAction.objects.count()
    call_command("seed_demo")
    assert (CoachingNote.objects.count(), CoachingAction.objects.count()) == before


def test_rep2_finds_the_note_to_acknowledge_in_the_inbox(client, demo):
    client.force_login(User.objects.get(username="rep2"))
    html = client.get(reverse("reminders:inbox")).text
    assert "Read and acknowledge" in html and "Overdue" in html
