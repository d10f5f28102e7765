"""Reads of coaching notes, scoped by the access policy: lists, a rep's open actions, and the latest
coaching of each rep for the team pages (one query for any number of reps)."""

from datetime import date
from typing import Any

from django.db.models import CharField, Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat

from accounts import access
from accounts.models import User
from pipeline.models import Reminder
from pipeline.selectors import latest_pending

from .models import CoachingAction, CoachingNote


def notes_visible_to(user: User) -> QuerySet[CoachingNote]:
    return access.coaching_notes_visible_to(user, CoachingNote.objects.all())


def actions_visible_to(user: User) -> QuerySet[CoachingAction]:
    return CoachingAction.objects.filter(note__in=notes_visible_to(user).values("pk"))


def with_open_actions(notes: QuerySet[CoachingNote]) -> QuerySet[CoachingNote]:
    """Each note with how many of its actions are still open (a subquery: no query per row)."""
    open_count = (CoachingAction.objects.filter(note=OuterRef("pk"), done_at__isnull=True).order_by()
                  .values("note").annotate(n=Count("pk")).values("n"))
    return notes.annotate(open_actions=Coalesce(Subquery(open_count, output_field=IntegerField()), Value(0)))


def has_open_actions(notes: QuerySet[CoachingNote], value: bool) -> QuerySet[CoachingNote]:
    open_ = Exists(CoachingAction.objects.filter(note=OuterRef("pk"), done_at__isnull=True))
    return notes.filter(open_ if value else ~open_)


# --- A rep's inbox: what waits for them ----------------------------------------------------------


# The cause of the reminder that tells a rep a note's new actions are theirs (pipeline.notifications).
ASSIGNMENT_CAUSE = "assigned:coaching_note:"


def assignment_cause(note_pk: int) -> str:
    return f"{ASSIGNMENT_CAUSE}{note_pk}"


def open_actions_of(rep: User) -> QuerySet[CoachingAction]:
    """The actions a rep agreed to and has not done yet, soonest due first."""
    return CoachingAction.objects.filter(note__rep=rep, done_at__isnull=True).order_by("due_on", "pk")


def inbox_actions_of(rep: User, day: date) -> QuerySet[CoachingAction]:
    """The open actions the coaching panel of the rep's inbox lists: not those whose note's "assigned to you"
    reminder the rep still has (that entry, with the coach's name and the link, stands for them, once) —
    marked done or superseded, the actions come here."""
    assignment = Concat(Value(ASSIGNMENT_CAUSE), Cast(OuterRef("note_id"), CharField()))
    told = latest_pending(Reminder.objects.filter(recipient=rep, cause=assignment), day)
    return open_actions_of(rep).exclude(Exists(told))


def unacknowledged_notes_of(rep: User) -> QuerySet[CoachingNote]:
    return CoachingNote.objects.filter(rep=rep, acknowledged_at__isnull=True).order_by("held_on", "pk")


def inbox_items(user: User, day: date) -> list[QuerySet[Any, tuple[int]]]:
    """What the bell counts for a rep, as columns of ids that the pipeline unites (UNION ALL) with its
    reminders' for a single COUNT query: the open actions the panel lists and their notes to acknowledge."""
    return [inbox_actions_of(user, day).order_by().values_list("pk"),
            unacknowledged_notes_of(user).order_by().values_list("pk")]


# --- The team pages: a manager prepares a review from one page --------------------------------------


def open_team_actions(viewer: User, people: QuerySet[User] | list[User]) -> QuerySet[CoachingAction]:
    """The open actions of `people` that `viewer` may see, soonest due first."""
    return (actions_visible_to(viewer).filter(note__rep__in=people, done_at__isnull=True)
            .select_related("note__rep").order_by("due_on", "pk"))


def with_latest_coaching(viewer: User, people: QuerySet[User]) -> QuerySet[User]:
    """`people` with their latest coaching note that `viewer` sees (its id and date) and their open actions'
    count, as subqueries of the one query that lists them."""
    visible = notes_visible_to(viewer)
    notes = visible.filter(rep=OuterRef("pk")).order_by("-held_on", "-pk")
    open_count = (CoachingAction.objects.filter(note__in=visible.values("pk"),
                                                note__rep=OuterRef("pk"), done_at__isnull=True)
                  .order_by().values("note__rep").annotate(n=Count("pk")).values("n"))
    return people.annotate(
        last_coaching_id=Subquery(notes.values("pk")[:1]),
        last_coached_on=Subquery(notes.values("held_on")[:1]),
        open_coaching_actions=Coalesce(Subquery(open_count, output_field=IntegerField()), Value(0)),
    )


def latest_coaching_by_rep(viewer: User, rep_ids: list[int]) -> dict[int, User]:
    """`with_latest_coaching` of the given people, by id (one query): each person's key and their coaching alone,
    which is all a page reads of them (`{% last_coached %}`), unordered."""
    people = access.users_visible_to(viewer).filter(pk__in=rep_ids).only("pk").order_by()
    return {person.pk: person for person in with_latest_coaching(viewer, people)}

