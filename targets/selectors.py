"""Reads of the targets app, each starting from the access policy in accounts.access."""

from django.db.models import QuerySet

from accounts import access
from accounts.models import User

from .models import RepTarget, TargetRevision, TeamTarget


def own_rep_targets(user: User, *, year: int, quarter: int) -> QuerySet[RepTarget]:
    """A rep's or account manager's own shares of their teams' targets for a quarter."""
    shares = access.owned_by(user, RepTarget.objects.all(), owner_field="rep")
    return shares.filter(team_target__year=year, team_target__quarter=quarter)


def own_team_target(user: User, *, year: int, quarter: int) -> QuerySet[TeamTarget]:
    """The quarter's target of the user's own team: nothing for someone without a team (and no query)."""
    if not (user.is_authenticated and user.is_active and user.team_id):
        return TeamTarget.objects.none()
    return TeamTarget.objects.filter(team_id=user.team_id, year=year, quarter=quarter)


def own_target_revisions(user: User, *, year: int, quarter: int) -> QuerySet[TargetRevision]:
    """The revisions of a person's own shares in a quarter: nobody else's."""
    revisions = access.owned_by(user, TargetRevision.objects.all(), owner_field="rep")
    return revisions.filter(team_target__year=year, team_target__quarter=quarter)
