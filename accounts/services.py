"""Writes to the organisation: each one checks its rule, saves atomically and records what it did."""

from collections.abc import Iterable
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import access, handover
from .bounds import check_business_dates
from .models import Attendance, HandOver, Team, Training, User


class RuleError(Exception):
    """A business rule refused the action; the message is translated and shown to the user."""


def user_deactivate(*, user: User, by: User) -> None:
    if user.pk == by.pk:
        raise RuleError(_("You cannot deactivate yourself."))
    if user.managed_teams.exists():
        raise RuleError(_("%(name)s still manages a team: hand it over first.") % {"name": user})
    # Their records stay theirs (and their history intact) until a hand-over moves them.
    User.objects.filter(pk=user.pk).update(is_active=False)
    sessions_end(user=user)


def sessions_end(*, user: User) -> None:
    """Sign `user` out everywhere, so that a session opened before a deactivation does not work again
    after a reactivation. Sessions are not indexed by user: the live ones are decoded (a few per person
    signed in within the idle limit)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    live = store.get_model_class().objects.filter(expire_date__gt=timezone.now())
    for session in live.iterator():
        if str(store().decode(session.session_data).get(SESSION_KEY)) == str(user.pk):
            store(session_key=session.session_key).delete()


def sessions_purge_expired() -> int:
    """The nightly job: delete the sessions past their expiry; returns how many. Idempotent."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    deleted, _by_model = store.get_model_class().objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


def email_send(*, subject: str, body: str, to: str, html_body: str | None = None) -> None:
    """One email to one address, from DEFAULT_FROM_EMAIL (the worker's side of send_account_email)."""
    send_mail(subject, body, None, [to], html_message=html_body)


def user_reactivate(*, user: User) -> None:
    User.objects.filter(pk=user.pk).update(is_active=True)


@transaction.atomic
def hand_over(*, from_user: User, to_user: User, by: User, reason: str, deactivate: bool) -> HandOver:
    """Move everything `from_user` owns to `to_user` in one transaction, and record it."""
    if from_user.pk == to_user.pk:
        raise RuleError(_("Choose someone other than the person leaving."))
    if not to_user.is_active:
        raise RuleError(_("%(name)s is deactivated and cannot take records over.") % {"name": to_user})
    moved: dict[str, int] = {}
    for owned in handover.owned_fields():
        records = owned.records_of(from_user, to_user)
        if owned.positions and to_user.position not in owned.positions and records.exists():
            raise RuleError(
                _("%(name)s cannot take over %(what)s in their position.") % {"name": to_user, "what": owned.label}
            )
        count = records.update(**{owned.field: to_user})
        if count:
            moved[owned.key] = count
    if deactivate:
        User.objects.filter(pk=from_user.pk).update(is_active=False)
        sessions_end(user=from_user)
    return HandOver.objects.create(
        from_user=from_user, to_user=to_user, done_by=by, reason=reason, moved=moved, deactivated=deactivate
    )


@transaction.atomic
def training_save(*, training: Training, attendees: Iterable[User], by: User) -> Training:
    """Save a training and set its attendees, keeping the attendance already recorded."""
    check_business_dates(training, "starts_on", "ends_on")
    allowed = set(access.trainees_for(by).values_list("pk", flat=True))
    chosen = {user.pk for user in attendees}
    # Attendees the planner cannot see (another team's) stay as they are.
    if not chosen <= allowed:
        raise RuleError(_("You can only put people you manage on a training."))
    if training.pk is None:
        training.created_by = by
    training.save()
    current = set(training.attendances.values_list("attendee_id", flat=True))
    training.attendances.filter(attendee_id__in=(current & allowed) - chosen).delete()
    Attendance.objects.bulk_create([Attendance(training=training, attendee_id=pk) for pk in chosen - current])
    return training


def user_set_language(*, user: User, language: str) -> None:
    User.objects.filter(pk=user.pk).update(language=language)


@transaction.atomic
def team_save(*, team: Team, members: Iterable[User]) -> None:
    """Save a team and make `members` exactly its members (moving them from other teams)."""
    team.save()
    chosen = [user.pk for user in members]
    User.objects.filter(team=team).exclude(pk__in=chosen).update(team=None)
    User.objects.filter(pk__in=chosen).update(team=team, department=team.department)
