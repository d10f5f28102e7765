"""Writes to targets: set a team's quarter, split it among reps, revise with a reason, copy forward.
Every change of a figure is kept as a revision (old, new, who, when, why)."""

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Team, User
from accounts.services import RuleError
from customers.models import Commodity

from .models import CommodityTonnage, RepTarget, TargetRevision, TeamTarget
from .periods import next_quarter
from .selectors import can_set_team_targets, can_split, team_reps

Reason = TargetRevision.Reason
# A target's figures by name (sales_amount, tonnage...), and a system reason's parameters (kept as JSON).
Figures = Mapping[str, Decimal | int]
ReasonParams = dict[str, int | str]


def _check_figures(figures: Figures) -> None:
    """Targets are quantities: none negative, a satisfaction floor on the 0-5 scale
    (also for callers without a form)."""
    if any(Decimal(value) < 0 for value in figures.values()):
        raise RuleError(_("A target cannot be negative."))
    if "min_satisfaction" in figures and Decimal(figures["min_satisfaction"]) > 5:
        raise RuleError(_("The satisfaction floor must be between 0 and 5."))


def _revise(target: TeamTarget | RepTarget, figures: Figures, *, by: User, reason: str, team_target: TeamTarget,
            rep: User | None = None, reason_code: str = Reason.MANUAL,
            reason_params: ReasonParams | None = None) -> None:
    """Save the changed figures and a revision for each. A system reason is a code (and its parameters),
    never a sentence, so that each reader reads it in their own language."""
    _check_figures(figures)
    if reason_code != Reason.MANUAL:
        reason = ""
    revisions = []
    for name, value in figures.items():
        old = getattr(target, name) if target.pk else None
        if old is not None and Decimal(old) == Decimal(value):
            continue
        setattr(target, name, value)
        revisions.append(TargetRevision(team_target=team_target, rep=rep, figure=name, old_value=old,
                                        new_value=value, by=by, reason=reason, reason_code=reason_code,
                                        reason_params=reason_params or {}))
    if not revisions:
        return
    if target.pk and reason_code == Reason.MANUAL and not reason.strip():
        raise RuleError(_("Say why the target changes."))
    target.save()
    for revision in revisions:
        revision.team_target = team_target  # saved by now, also when it is `target` itself
        if isinstance(target, RepTarget):
            revision.rep_target = target
    TargetRevision.objects.bulk_create(revisions)


@transaction.atomic
def team_target_set(*, team: Team, year: int, quarter: int, figures: Figures, by: User, reason: str = "",
                    reason_code: str = Reason.MANUAL, reason_params: ReasonParams | None = None) -> TeamTarget:
    """A director sets or adjusts a team's quarter targets."""
    if not can_set_team_targets(by):
        raise RuleError(_("Only a director sets team targets."))
    target = TeamTarget.objects.select_for_update().filter(team=team, year=year, quarter=quarter).first() \
        or TeamTarget(team=team, year=year, quarter=quarter)
    if target.pk is None and reason_code == Reason.MANUAL and not reason:
        reason_code = Reason.SET
    _revise(target, figures, by=by, reason=reason, team_target=target, reason_code=reason_code,
            reason_params=reason_params)
    return target


@transaction.atomic
def rep_targets_split(*, team_target: TeamTarget, shares: Mapping[int, Figures], by: User, reason: str = "",
                      reason_code: str = Reason.MANUAL, reason_params: ReasonParams | None = None) -> None:
    """The manager sets every rep's share (rep id -> figures) in one atomic step."""
    if not can_split(by, team_target.team):
        raise RuleError(_("Only the team's manager or a director splits its targets."))
    members = set(team_reps(team_target.team).values_list("pk", flat=True))
    unknown = set(shares) - members
    if unknown:
        raise RuleError(_("Targets can only be split among the team's active reps."))
    existing = {share.rep_id: share for share in team_target.shares.select_for_update()}
    for rep_id, figures in shares.items():
        share = existing.get(rep_id) or RepTarget(team_target=team_target, rep_id=rep_id)
        code = Reason.SPLIT if share.pk is None and reason_code == Reason.MANUAL and not reason else reason_code
        _revise(share, figures, by=by, reason=reason, team_target=team_target, rep=User(pk=rep_id),
                reason_code=code, reason_params=reason_params)


@transaction.atomic
def targets_copy_forward(*, year: int, quarter: int, uplift_percent: Decimal, by: User) -> int:
    """Copy a quarter's team targets and rep shares to the next quarter, raised by a percentage.
    Teams that already have next quarter's targets are left alone. Returns how many teams got them."""
    if not can_set_team_targets(by):
        raise RuleError(_("Only a director sets team targets."))
    if not Decimal(-50) <= uplift_percent <= Decimal(200):
        raise RuleError(_("The uplift must be between -50% and 200%."))
    factor = 1 + uplift_percent / 100
    next_year, next_q = next_quarter(year, quarter)
    taken = set(TeamTarget.objects.filter(year=next_year, quarter=next_q).values_list("team_id", flat=True))
    copied = 0
    # Read as "Copied from 2026 Q4 with 15% uplift" in the reader's language (TargetRevision.reason_display).
    copied_from: ReasonParams = {"year": year, "quarter": quarter, "uplift": str(uplift_percent)}
    sources = TeamTarget.objects.filter(year=year, quarter=quarter).exclude(team_id__in=taken)
    for source in sources.select_related("team").prefetch_related("shares"):
        target = team_target_set(team=source.team, year=next_year, quarter=next_q, by=by,
                                 figures=_raised(source, factor), reason_code=Reason.COPIED, reason_params=copied_from)
        # Only reps still active in the team carry their share forward (one query per team, not per share).
        members = set(team_reps(source.team).values_list("pk", flat=True))
        shares = {share.rep_id: _raised(share, factor) for share in source.shares.all() if share.rep_id in members}
        if shares:
            rep_targets_split(team_target=target, shares=shares, by=by, reason_code=Reason.COPIED,
                              reason_params=copied_from)
        copied += 1
    return copied


def _raised(target: TeamTarget | RepTarget, factor: Decimal) -> dict[str, Decimal]:
    figures = {}
    for name in TeamTarget.SPLIT:
        value = Decimal(getattr(target, name)) * factor
        figures[name] = value.quantize(Decimal("0.01") if name in ("sales_amount", "tonnage") else Decimal(1),
                                       rounding=ROUND_HALF_UP)
    if isinstance(target, TeamTarget):
        figures["min_satisfaction"] = target.min_satisfaction
    return figures


@transaction.atomic
def commodity_tonnages_set(*, team_target: TeamTarget, tonnages: Mapping[Commodity, Decimal], by: User,
                           reason: str = "") -> None:
    """Set a team's per-commodity tonnage targets (commodity -> tonnes; a commodity left out is
    removed). Each change is a revision, like the other figures."""
    if not can_set_team_targets(by):
        raise RuleError(_("Only a director sets team targets."))
    if any(Decimal(tonnes) < 0 for tonnes in tonnages.values()):
        raise RuleError(_("A target cannot be negative."))
    current = {row.commodity: row for row in team_target.commodity_tonnages.select_related("commodity")}
    changes: list[tuple[Commodity, Decimal | None, Decimal]] = [
        (commodity, row.tonnes, Decimal(0)) for commodity, row in current.items() if commodity not in tonnages]
    changes += [(commodity, current[commodity].tonnes if commodity in current else None, Decimal(tonnes))
                for commodity, tonnes in tonnages.items()
                if commodity not in current or current[commodity].tonnes != Decimal(tonnes)]
    if not changes:
        return
    if current and not reason.strip():
        raise RuleError(_("Say why the target changes."))
    team_target.commodity_tonnages.exclude(commodity__in=list(tonnages)).delete()
    for commodity, tonnes in tonnages.items():
        CommodityTonnage.objects.update_or_create(team_target=team_target, commodity=commodity,
                                                  defaults={"tonnes": tonnes})
    TargetRevision.objects.bulk_create(
        TargetRevision(team_target=team_target, figure=f"tonnage:{commodity.name}", old_value=old, new_value=new,
                       by=by, reason=reason, reason_code=Reason.MANUAL if reason else Reason.SET)
        for commodity, old, new in changes
    )
