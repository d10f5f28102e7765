"""Reads of coaching notes, scoped by the access policy: lists, a rep's open actions, and the latest
coaching of each rep for the team pages (one query for any number of reps)."""

from datetime import date
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from accounts import access
from accounts.models import User

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


def open_actions_of(rep: User) -> QuerySet[CoachingAction]:
    """The actions a rep agreed to and has not done yet, soonest due first."""
    return CoachingAction.objects.filter(note__rep=rep, done_at__isnull=True).order_by("due_on", "pk")


def unacknowledged_notes_of(rep: User) -> QuerySet[CoachingNote]:
    return CoachingNote.objects.filter(rep=rep, acknowledged_at__isnull=True).order_by("held_on", "pk")


def inbox_items(user: User, day: date) -> list[QuerySet[Any, tuple[int]]]:
    """What the bell counts for a rep, as columns of ids that the pipeline unites (UNION ALL) with its
    reminders' for a single COUNT query: their open actions and their notes to acknowledge."""
    return [open_actions_of(user).order_by().values_list("pk"),
            unacknowledged_notes_of(user).order_by().values_list("pk")]


# --- The team pages: a manager prepares a review from one page --------------------------------------


def open_team_actions(viewer: User, people: QuerySet[User] | list[User]) -> QuerySet[CoachingAction]:
    """The open actions of `people` that `viewer` may see, soonest due first."""
    return (actions_visible_to(viewer).filter(note__rep__in=people, done_at__isnull=True)
            .select_related("note__rep").order_by("due_on", "pk"))


def with_latest_coaching(viewer: User, people: QuerySet[User]) -> QuerySet[User]:
    """`people` with their latest coaching note that `viewer` sees (its id and date) and their open actions'
    count, as subqueries of the one query that lists them."""
    notes = notes_visible_to(viewer).filter(rep=OuterRef("pk")).order_by("-held_on", "-pk")
    open_count = (CoachingAction.objects.filter(note__in=notes_visible_to(viewer).values("pk"),
                                                note__rep=OuterRef("pk"), done_at__isnull=True)
                  .order_by().values("note__rep").annotate(n=Count("pk")).values("n"))
    return people.annotate(
        last_coaching_id=Subquery(notes.values("pk")[:1]),
        last_coached_on=Subquery(notes.values("held_on")[:1]),
        open_coaching_actions=Coalesce(Subquery(open_count, output_field=IntegerField()), Value(0)),
    )


def latest_coaching_by_rep(viewer: User, rep_ids: list[int]) -> dict[int, User]:
    """`with_latest_coaching` of the given people, by id (one query)."""
    people = access.users_visible_to(viewer).filter(pk__in=rep_ids)
    return {person.pk: person for person in with_latest_coaching(viewer, people)}

