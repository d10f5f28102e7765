"""Reads of the targets app, each starting from the access policy in accounts.access."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from accounts import access
from accounts.models import SCORED_POSITIONS, Team, User

from .models import FIGURE_LABELS, RepTarget, TargetRevision, TeamTarget

REVISIONS_SHOWN = 50  # on a rep's own page, as many as a page of the team's history


# --- Who may: the access policy's rules, bound to targets ------------------------------------------


def can_set_team_targets(user: User) -> bool:
    return access.can_run_organisation(user)


def can_split(user: User, team: Team) -> bool:
    """The team's manager splits its targets; the director may too."""
    return access.can_run_team(user, team)


def can_recompute(user: User) -> bool:
    """Managers and the director recompute scorecards and follow any run (a run holds no private data)."""
    return access.manages_or_directs(user)


# --- Reads -----------------------------------------------------------------------------------------


def own_shares(user: User) -> QuerySet[RepTarget]:
    """A person's own shares of their teams' targets, every quarter's."""
    return access.owned_by(user, RepTarget.objects.all(), owner_field="rep")


def own_rep_targets(user: User, *, year: int, quarter: int) -> QuerySet[RepTarget]:
    """A rep's or account manager's own shares of their teams' targets for a quarter."""
    return own_shares(user).filter(team_target__year=year, team_target__quarter=quarter)


def own_team_target(user: User, *, year: int, quarter: int) -> QuerySet[TeamTarget]:
    """The quarter's target of the user's own team: nothing for someone without a team (and no query)."""
    if not (user.is_authenticated and user.is_active and user.team_id):
        return TeamTarget.objects.none()
    return TeamTarget.objects.filter(team_id=user.team_id, year=year, quarter=quarter)


def own_target_revisions(user: User, *, year: int, quarter: int) -> QuerySet[TargetRevision]:
    """The revisions of a person's own shares in a quarter: nobody else's."""
    revisions = access.owned_by(user, TargetRevision.objects.all(), owner_field="rep")
    return revisions.filter(team_target__year=year, team_target__quarter=quarter)


def team_targets_visible_to(user: User) -> QuerySet[TeamTarget]:
    """The team targets the target pages show `user`: a manager's own teams', every team's for the director;
    a rep's or account manager's, the targets they hold a share of and, in a quarter where they hold none,
    their own team's (as `own_targets` shows them)."""
    if not access.can_sell(user):
        return TeamTarget.objects.none()
    if access.can_open_team_pages(user):
        return TeamTarget.objects.filter(team__in=access.teams_visible_to(user))
    shares = own_shares(user)
    held_here = Exists(shares.filter(team_target=OuterRef("pk")))
    if not user.team_id:
        return TeamTarget.objects.filter(held_here)
    held_in_quarter = shares.filter(team_target__year=OuterRef("year"), team_target__quarter=OuterRef("quarter"))
    return TeamTarget.objects.filter(Q(held_here) | Q(~Exists(held_in_quarter), team_id=user.team_id))


def rep_targets_visible_to(user: User) -> QuerySet[RepTarget]:
    """The reps' shares the target pages show `user`: every share of the teams they open (the split page),
    else only their own."""
    if not access.can_sell(user):
        return RepTarget.objects.none()
    if access.can_open_team_pages(user):
        return RepTarget.objects.filter(team_target__team__in=access.teams_visible_to(user))
    return own_shares(user)


def team_reps(team: Team) -> QuerySet[User]:
    """The people a team's targets are split among: its active reps and account managers."""
    return team.members.filter(is_active=True, position__in=SCORED_POSITIONS)


def allocation(team_target: TeamTarget) -> dict[str, dict[str, Decimal]]:
    """Per figure: the team's target, what the shares add up to, and what is left (negative: over)."""
    sums = team_target.shares.aggregate(**{name: Sum(name) for name in TeamTarget.SPLIT})
    result = {}
    for name in TeamTarget.SPLIT:
        target, allocated = Decimal(getattr(team_target, name)), Decimal(sums[name] or 0)
        result[name] = {"target": target, "allocated": allocated, "left": target - allocated}
    return result


# --- The target pages' rows ------------------------------------------------------------------------


@dataclass
class FigureRow:
    """One figure of a team's quarter: the target, what the reps' shares add up to, and what is left."""

    name: str
    label: str
    target: Decimal
    allocated: Decimal | None = None
    left: Decimal | None = None

    @property
    def over(self) -> bool:
        return self.left is not None and self.left < 0

    @property
    def unallocated(self) -> bool:
        return self.left is not None and self.left > 0

    @property
    def over_by(self) -> Decimal | None:
        return -self.left if self.left is not None and self.left < 0 else None

    @property
    def places(self) -> str:
        """The floatformat argument: whole numbers, but a satisfaction floor keeps its decimals."""
        return "-2" if self.name == "min_satisfaction" else "0g"


@dataclass
class TeamRow:
    team: Team
    target: TeamTarget | None
    figures: list[FigureRow] = field(default_factory=list)

    @property
    def over(self) -> bool:
        return any(row.over for row in self.figures)

    @property
    def unallocated(self) -> bool:
        return any(row.unallocated for row in self.figures)


def figure_rows(target: TeamTarget, allocation: dict[str, dict[str, Decimal]]) -> list[FigureRow]:
    """`allocation` is shaped as `allocation(target)` answers; the satisfaction floor is not split."""
    rows = [FigureRow(name, str(FIGURE_LABELS[name]), **allocation[name]) for name in TeamTarget.SPLIT]
    rows.append(FigureRow("min_satisfaction", str(FIGURE_LABELS["min_satisfaction"]), target.min_satisfaction))
    return rows


def _allocation_from_sums(target: TeamTarget) -> dict[str, dict[str, Decimal]]:
    """`allocation` from the sums annotated by `team_rows`, so the overview is one query for all teams."""
    result = {}
    for name in TeamTarget.SPLIT:
        goal, allocated = Decimal(getattr(target, name)), Decimal(getattr(target, f"allocated_{name}") or 0)
        result[name] = {"target": goal, "allocated": allocated, "left": goal - allocated}
    return result


def team_rows(user: User, year: int, quarter: int) -> list[TeamRow]:
    """Every team the user may see, with its quarter targets and their allocation, in two queries."""
    teams = (
        access.teams_visible_to(user)
        .select_related("manager")
        # The same people as `team_reps`, counted for every team in this one query.
        .annotate(rep_count=Count("members", filter=Q(
            members__is_active=True, members__position__in=SCORED_POSITIONS)))
        .order_by("name")
    )
    targets = (
        TeamTarget.objects.filter(year=year, quarter=quarter, team__in=access.teams_visible_to(user))
        .annotate(**{f"allocated_{name}": Sum(f"shares__{name}") for name in TeamTarget.SPLIT})
        .prefetch_related("commodity_tonnages__commodity")
        .order_by()
    )
    by_team = {target.team_id: target for target in targets}
    rows = []
    for team in teams:
        target = by_team.get(team.pk)
        rows.append(TeamRow(team, target, figure_rows(target, _allocation_from_sums(target)) if target else []))
    return rows


def own_targets(user: User, year: int, quarter: int) -> dict[str, object]:
    """A rep's or account manager's page: their share(s) beside their team's target, and their revisions."""
    shares = list(
        own_rep_targets(user, year=year, quarter=quarter)
        .select_related("team_target__team")
        .order_by("team_target__team__name")
    )
    cards = []
    for share in shares:
        rows = [{"label": FIGURE_LABELS[name], "mine": getattr(share, name),
                 "team": getattr(share.team_target, name), "places": "0g", "currency": name == "sales_amount"}
                for name in TeamTarget.SPLIT]
        floor = share.team_target.min_satisfaction  # the floor is not split: it holds for every rep
        rows.append({"label": FIGURE_LABELS["min_satisfaction"], "mine": floor, "team": floor, "places": "-2"})
        cards.append({"team": share.team_target.team, "rows": rows})
    team_target = None
    if not shares:
        team_target = own_team_target(user, year=year, quarter=quarter).select_related("team").first()
    revisions = (
        own_target_revisions(user, year=year, quarter=quarter)
        .select_related("by", "rep", "team_target__team")[:REVISIONS_SHOWN]
    )
    return {
        "share_cards": cards,
        "team_target": team_target,
        "team_rows": figure_rows(team_target, {name: {"target": getattr(team_target, name)}
                                               for name in TeamTarget.SPLIT}) if team_target else [],
        "revisions": labelled_revisions(revisions),
    }


def labelled_revisions(revisions: Iterable[TargetRevision]) -> list[TargetRevision]:
    listed = list(revisions)
    for revision in listed:
        if revision.figure.startswith("tonnage:"):
            revision.figure_label = _("Tonnage of %(commodity)s") % {"commodity": revision.figure.split(":", 1)[1]}
        else:
            revision.figure_label = str(FIGURE_LABELS.get(revision.figure, revision.figure))
        revision.places = "-2" if revision.figure == "min_satisfaction" else "0g"
    return listed
