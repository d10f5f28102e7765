"""Writes of coaching notes: save a note with its actions, the rep's acknowledgement, and ticking an
action done. Each checks its rule and raises a RuleError with a message for the user."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.forms import BaseInlineFormSet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.models import User
from accounts.services import RuleError
from pipeline.models import Reminder
from pipeline.notifications import assigned
from pipeline.reminders import close_for_cause

from . import selectors
from .models import CoachingAction, CoachingNote


def check_action_dates(*, held_on: date, due_dates: Iterable[date]) -> None:
    if any(due < held_on for due in due_dates):
        raise RuleError(_("An action cannot be due before the day of the coaching."))


@transaction.atomic
def coaching_note_save(*, note: CoachingNote, actions: "BaseInlineFormSet[CoachingAction, CoachingNote, Any]",
                       by: User) -> CoachingNote:
    """Save a note and its actions (the formset of them) together, or neither."""
    if not access.can_coach(by, note.rep):
        raise RuleError(_("You do not coach %(rep)s.") % {"rep": note.rep})
    if note.pk:
        # Read under a lock: an acknowledgement that lands while the coach edits wins.
        current = CoachingNote.objects.select_for_update().get(pk=note.pk)
        if current.acknowledged_at is not None:
            raise RuleError(_("The rep has acknowledged this note: it can no longer be changed."))
        if not access.can_change_coaching_note(by, coach_id=current.coach_id, rep=note.rep):
            raise RuleError(_("Only the coach who wrote this note can change it."))
    else:
        note.coach = by
    kept = [form.cleaned_data for form in actions.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")]
    check_action_dates(held_on=note.held_on, due_dates=[row["due_on"] for row in kept if row.get("due_on")])
    note.save()
    actions.instance = note
    actions.save()
    # The new actions are the rep's to do: one entry in their inbox at once, naming them.
    if actions.new_objects:
        assigned(recipient=note.rep, by=by, kind=Reminder.Kind.ASSIGNED,
                 subjects_by_cause={selectors.assignment_cause(note.pk): {}},
                 link=reverse("coaching:detail", args=[note.pk]),
                 title="; ".join(action.text for action in actions.new_objects),
                 due_on=min(action.due_on for action in actions.new_objects))
    return note


def coaching_note_acknowledge(*, note: CoachingNote, by: User, comment: str = "") -> CoachingNote:
    """The rep confirms they read the note: from now on it is the record of what was agreed."""
    if not access.can_acknowledge_coaching_note(by, note.rep_id):
        raise RuleError(_("Only the rep the note is about can acknowledge it."))
    now = timezone.now()
    # A conditional UPDATE: a second click (or a second tab) changes nothing.
    claimed = CoachingNote.objects.filter(pk=note.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledgement_comment=comment.strip(), updated_at=now)
    if not claimed:
        raise RuleError(_("This note was already acknowledged."))
    note.refresh_from_db()
    return note


def coaching_action_mark(*, action: CoachingAction, done: bool, by: User) -> CoachingAction:
    """Tick an action done (or open it again): the rep's or their coach's to do, even on an acknowledged note."""
    note = action.note
    if not access.can_tick_coaching_action(by, rep=note.rep, coach_id=note.coach_id):
        raise RuleError(_("Only the rep or their coach can mark this action."))
    action.done_at = timezone.now() if done else None
    action.done_by = by if done else None
    action.save(update_fields=["done_at", "done_by"])
    if done and not note.actions.filter(done_at__isnull=True).exists():
        # Nothing left of what the rep was told is theirs: the entry saying so leaves their inbox too.
        close_for_cause(selectors.assignment_cause(note.pk), resolution=Reminder.Resolution.RESOLVED,
                        recipients=[note.rep_id])
    return action
