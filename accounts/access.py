"""The access policy: which users, records and pages each user may see or change.

Every list, detail, edit, export, dropdown and job starts from a queryset made here, and every
single object comes through `get_visible_or_404`, so that "missing" and "not yours" look the
same. Higher apps describe their records with a `RecordKind` and an owner field; the rules for
who sees and changes what, and the decorators that guard whole pages, live only in this module
(each app's `selectors.py` binds the generic rules to its models, e.g. `can_change_deal`).
"""

from collections.abc import Callable, Iterable
from enum import Enum
from functools import wraps
from typing import Any, Protocol, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpResponseBase

from .models import SELLING_POSITIONS, Attendance, Department, Position, Team, Training, User
from .pages import AuthenticatedRequest
from .sql import InFirstRead

_M = TypeVar("_M", bound=Model)


class RecordKind(Enum):
    """Kinds of owned record, for the rules that differ by kind."""

    CUSTOMER = "customer"
    DEAL = "deal"
    ACTIVITY = "activity"
    COMPLAINT = "complaint"
    MARKET_RESEARCH = "market_research"
    ATTENDANCE = "attendance"
    COACHING_NOTE = "coaching_note"
    COMMISSION = "commission"


# Positions that see every record of a kind, whoever owns it (the plan's departments at work).
_SEES_ALL: dict[str, set[RecordKind]] = {
    Position.CUSTOMER_SERVICE: {RecordKind.CUSTOMER, RecordKind.COMPLAINT},
    # Market research is shared knowledge of the market: every seller reads it.
    Position.MARKETING: {RecordKind.MARKET_RESEARCH},
    Position.MANAGER: {RecordKind.MARKET_RESEARCH},
    Position.ACCOUNT_MANAGER: {RecordKind.MARKET_RESEARCH},
    Position.REP: {RecordKind.MARKET_RESEARCH},
}
# Positions that never see a kind, even what they would own (customer service sees no deal terms).
_SEES_NONE: dict[str, set[RecordKind]] = {
    Position.CUSTOMER_SERVICE: {RecordKind.DEAL, RecordKind.MARKET_RESEARCH},
}


# The positions that sell: they own customers and deals and log visits.


def can_sell(user: User) -> bool:
    return user.is_authenticated and user.is_active and (user.is_superuser or user.position in SELLING_POSITIONS)


def sees_everyone(user: User) -> bool:
    return user.is_active and user.is_director


def manages_or_directs(user: User) -> bool:
    """An active manager or the director: who opens team pages, plans training, recomputes scorecards,
    pins a tier and hands over an escalated next step."""
    return user.is_authenticated and user.is_active and (user.is_director or user.is_manager)


def users_visible_to(user: User) -> QuerySet[User]:
    """Directors see everyone; a manager sees their teams' members; everyone sees themselves."""
    users = User.objects.all()
    if not user.is_authenticated or not user.is_active:
        return users.none()
    if sees_everyone(user):
        return users
    if user.is_manager:
        return users.filter(Q(pk=user.pk) | Q(team__manager=user))
    return users.filter(pk=user.pk)


def visible_user_ids(user: User, ids: Iterable[int]) -> set[int]:
    """Of the people `ids` (owners named by records), those `users_visible_to` gives: without a query but for a
    manager asking about others (a director sees every person a record names, anyone else only themselves)."""
    wanted = set(ids)
    if not user.is_authenticated or not user.is_active:
        return set()
    if sees_everyone(user):
        return wanted
    if not user.is_manager or wanted <= {user.pk}:
        return wanted & {user.pk}
    return set(users_visible_to(user).filter(pk__in=wanted).values_list("pk", flat=True))


def _seen_owners(user: User, kind: RecordKind, owner_field: str, read_first: bool = False) -> Q | bool:
    """Whose records of a kind `user` sees, as a condition on `owner_field`: True for every record,
    False for none. With `read_first`, a manager's people are read first as an array (accounts.sql.InFirstRead),
    for a question whose index starts with the owner."""
    if not user.is_authenticated or not user.is_active:
        return False
    if kind in _SEES_NONE.get(user.position, set()):
        return False
    if sees_everyone(user) or kind in _SEES_ALL.get(user.position, set()):
        return True
    if user.is_manager:
        # A subquery of the few people seen, not an OR across a join: the database can then use the
        # records' owner index instead of scanning every record (see the README's performance notes).
        # Unsorted: the people's default order (by name) is a sort PostgreSQL would do for nothing in each subquery.
        people = users_visible_to(user).order_by().values("pk")
        if read_first:
            return Q(InFirstRead(owner_field, people))
        return Q(**{f"{owner_field}__in": people})
    return Q(**{owner_field: user})


def owned_by_visible(user: User, records: QuerySet[_M], kind: RecordKind, owner_field: str = "owner", *,
                     read_first: bool = False) -> QuerySet[_M]:
    """Narrow `records` (owned through `owner_field`) to those `user` may see (`read_first`: see _seen_owners)."""
    seen = _seen_owners(user, kind, owner_field, read_first)
    if isinstance(seen, Q):
        return records.filter(seen)
    return records if seen else records.none()


def owned_by_others(user: User, records: QuerySet[_M], kind: RecordKind, owner_field: str = "owner") -> QuerySet[_M]:
    """Of `records`, those that `owned_by_visible` leaves out: for a read split into disjoint parts."""
    seen = _seen_owners(user, kind, owner_field)
    if isinstance(seen, Q):
        return records.exclude(seen)
    return records.none() if seen else records


def owned_by(user: User, records: QuerySet[_M], owner_field: str = "owner") -> QuerySet[_M]:
    """Only the user's own records (their targets, their inbox): nobody reads another's."""
    if not user.is_authenticated or not user.is_active:
        return records.none()
    return records.filter(**{owner_field: user})


def get_visible_or_404(records: QuerySet[_M], **lookup: object) -> _M:
    """One object from an already scoped queryset; 404 alike for missing and out of scope."""
    try:
        return records.get(**lookup)
    except ObjectDoesNotExist:
        raise Http404 from None


# --- The organisation ----------------------------------------------------------------------


def can_run_organisation(user: User) -> bool:
    """Departments, teams, users and hand-overs are the director's pages."""
    return sees_everyone(user)


def teams_visible_to(user: User) -> QuerySet[Team]:
    teams = Team.objects.all()
    if sees_everyone(user):
        return teams
    if user.is_authenticated and user.is_active and user.is_manager:
        return teams.filter(manager=user)
    return teams.none()


def can_open_team_pages(user: User) -> bool:
    return manages_or_directs(user)


def can_run_team(user: User, team: Team) -> bool:
    """The team's manager runs it (splits its targets); the director runs every team."""
    return can_run_organisation(user) or (user.is_active and team.manager_id == user.pk)


def sees_whole_team(user: User, team: Team) -> bool:
    """Whether `user` sees every record of `team`'s people: the director, and the team's manager (who sees their
    members' records and their own, and so all that the team's scorecard counts)."""
    return sees_everyone(user) or (user.is_authenticated and user.is_active and user.is_manager
                                   and team.manager_id == user.pk)


def of_team(user: User, team: Team, records: QuerySet[_M], visible: Callable[[User], QuerySet[_M]]) -> QuerySet[_M]:
    """Where a team's page picks the team's records from (it narrows them to the team's people itself): all of
    `records` for whoever sees the whole team, else `visible(user)`. Not the visibility's condition on top of
    the team's, which made the database check it against every deal (a team's overdue invoices: 50 ms at
    200,000 deals)."""
    return records if sees_whole_team(user, team) else visible(user)


def departments_visible_to(user: User) -> QuerySet[Department]:
    """Departments, as a whole, are the director's."""
    departments = Department.objects.all()
    return departments if sees_everyone(user) else departments.none()


# --- Training plans ------------------------------------------------------------------------


def attendances_visible_to(user: User) -> QuerySet[Attendance]:
    """A person's attendance and score: theirs, their manager's and the director's to see."""
    return owned_by_visible(user, Attendance.objects.all(), RecordKind.ATTENDANCE, owner_field="attendee")


def trainings_visible_to(user: User) -> QuerySet[Training]:
    if sees_everyone(user):
        return Training.objects.all()
    if not user.is_authenticated or not user.is_active:
        return Training.objects.none()
    attended = attendances_visible_to(user).values("training")
    return Training.objects.filter(Q(pk__in=attended) | Q(created_by=user))


def can_plan_training(user: User) -> bool:
    return manages_or_directs(user)


def can_change_training(user: User, training: Training) -> bool:
    return can_plan_training(user) and can_change_authored(user, training.created_by_id)


def trainees_for(user: User) -> QuerySet[User]:
    """Whom a user may put on a training: active people they can see."""
    return users_visible_to(user).filter(is_active=True)


# --- Changing records ---------------------------------------------------------------------------


def can_change_owned(user: User, owner_id: int) -> bool:
    """A customer, deal or activity is changed by its owner, the owner's manager and the director:
    sellers only (customer service and marketing read). Takes the owner's id, so that no owner is
    loaded to ask."""
    return can_sell(user) and owner_id in visible_user_ids(user, [owner_id])


def can_change_authored(user: User, author_id: int) -> bool:
    """A record that is someone's own account (market research, a training plan): its author and the director."""
    return sees_everyone(user) or (user.is_active and author_id == user.pk)


def can_research(user: User) -> bool:
    """Market research is recorded by the sellers and marketing."""
    return user.is_authenticated and user.is_active and (can_sell(user) or user.position == Position.MARKETING)


def can_record_complaint(user: User) -> bool:
    """Everyone who talks to customers: all but marketing."""
    return user.is_authenticated and user.is_active and user.position != Position.MARKETING


def can_assign_complaints(user: User) -> bool:
    """Customer service and the director decide who handles a complaint."""
    return user.is_active and (user.is_director or user.position == Position.CUSTOMER_SERVICE)


def can_work_assigned(user: User, assignee_id: int | None) -> bool:
    """Customer service, the director and the assignee move a complaint along."""
    return can_assign_complaints(user) or (user.is_active and assignee_id == user.pk)


# --- Ownership and approvals ------------------------------------------------------------------


def transferable_from(user: User, owners: Iterable[User]) -> set[int]:
    """Of `owners`, those whose customers and deals `user` may transfer (one query at most): a manager
    transfers within their teams (their own records included), the director anyone's."""
    owners = list(owners)
    if not owners or not user.is_authenticated or not user.is_active:
        return set()
    if sees_everyone(user):
        return {owner.pk for owner in owners}
    if not user.is_manager:
        return set()
    teams = set(Team.objects.filter(manager=user).values_list("pk", flat=True))
    return {owner.pk for owner in owners if owner.pk == user.pk or owner.team_id in teams}


def can_transfer(user: User, owner: User) -> bool:
    """A customer's or deal's owner changes by a transfer: a manager's within their team, the director's anywhere."""
    return owner.pk in transferable_from(user, [owner])


def manages(user: User, owner: User) -> bool:
    """The director manages everyone; a manager the members of their teams (not themselves)."""
    return sees_everyone(user) or (owner.pk != user.pk and can_transfer(user, owner))


def transfer_candidates(user: User) -> QuerySet[User]:
    """Whom `user` may give a customer or deal to: the active sellers they see (themselves included)."""
    return users_visible_to(user).filter(is_active=True, position__in=SELLING_POSITIONS)


def can_approve_amendment(user: User, *, owner: User, requested_by_id: int) -> bool:
    """An amendment of a signed contract is approved by a manager of the deal's owner, or a director.
    A manager does not approve what they asked for themselves (the director does)."""
    if sees_everyone(user):
        return True
    return requested_by_id != user.pk and manages(user, owner)


def approvers_of(owner: User, *, requested_by: User) -> QuerySet[User]:
    """Who is asked to approve an amendment of `owner`'s contract that `requested_by` asked for: the
    owner's team manager, unless that is who asked; else the directors."""
    managers = User.objects.filter(is_active=True, position=Position.MANAGER, managed_teams__members=owner).exclude(
        pk__in=[owner.pk, requested_by.pk])
    if managers.exists():
        return managers.distinct()
    return User.objects.filter(is_active=True, position=Position.DIRECTOR)


# --- Split credit and cancelling a signed contract (bound to deals in pipeline/selectors.py) -----


class _CreditedDeal(Protocol):
    """What the rules below read of a deal (the pipeline's model is above this app)."""

    owner: User
    owner_id: int

    @property
    def credited_person_id(self) -> int: ...


def can_split_credit(user: User, deal: _CreditedDeal) -> bool:
    """A deal's second seller and share are set by a manager of its owner or a director, not by the
    sellers who share it."""
    return can_sell(user) and manages(user, deal.owner)


def co_seller_candidates(user: User, deal: _CreditedDeal) -> QuerySet[User]:
    """Who may share a deal's credit: the active sellers `user` sees, other than the credited person."""
    return transfer_candidates(user).exclude(pk__in=[deal.credited_person_id, deal.owner_id])


def can_cancel_contract(user: User, deal: _CreditedDeal) -> bool:
    """A signed contract is cancelled by a manager of its owner or a director."""
    return can_sell(user) and manages(user, deal.owner)
# --- Commission (bound in targets/incentives/selectors.py) ---------------------------------------


def commission_visible_to(user: User, records: QuerySet[_M], person_field: str = "person") -> QuerySet[_M]:
    """A person's commission statements: their own, their manager's (the team's) and the director's to see."""
    return owned_by_visible(user, records, RecordKind.COMMISSION, owner_field=person_field)


def can_submit_commission(user: User, person: User) -> bool:
    """A statement is put forward by the person's manager or a director, never by the person."""
    return person.pk != user.pk and manages(user, person)


def can_decide_commission(user: User) -> bool:
    """The director returns, approves and marks paid; and alone sets the incentive plans."""
    return sees_everyone(user)


# --- Pages ---------------------------------------------------------------------------------------


_View = TypeVar("_View", bound=Callable[..., HttpResponseBase])


def allowed_if(rule: Callable[[User], bool]) -> Callable[[_View], _View]:
    """Login required, then 403 unless `rule(user)` holds: for pages a position may not use."""

    def decorator(view: _View) -> _View:
        @wraps(view)
        @login_required
        def wrapper(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not rule(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        # wraps() keeps the view's name and signature; the type checker cannot see that it keeps its type.
        return cast(_View, wrapper)

    return decorator


# The pages' gates, by who may use them.
director_only = allowed_if(can_run_organisation)
manager_or_director = allowed_if(manages_or_directs)
sellers_only = allowed_if(can_sell)
researchers_only = allowed_if(can_research)
complaint_recorders_only = allowed_if(can_record_complaint)


# --- Who handles complaints (bound in customers/selectors.py) ---------------------------------


def handles_complaints(user: User) -> bool:
    """Complaints are handled by customer service: who may be given one."""
    return user.is_active and user.position == Position.CUSTOMER_SERVICE


def complaint_handlers() -> QuerySet[User]:
    """Whom a complaint may be given to: customer service's active staff."""
    return User.objects.filter(is_active=True, position=Position.CUSTOMER_SERVICE)


def answers_complaint(user: User, assignee_id: int | None) -> bool:
    """Whose first comment is a complaint's first response: customer service's or the assignee's (not the
    director's)."""
    return handles_complaints(user) or (user.is_active and assignee_id == user.pk)


# --- Coaching notes (bound in targets/coaching/selectors.py) ------------------------------------


def can_coach(user: User, rep: User) -> bool:
    """A rep is coached by their team's manager or a director, never by themselves."""
    return user.is_authenticated and user.is_active and rep.pk != user.pk and manages_or_directs(user) and manages(
        user, rep)


def coachees_for(user: User) -> QuerySet[User]:
    """Whom `user` may write a coaching note for: the active sellers they manage."""
    if not manages_or_directs(user):
        return User.objects.none()
    return transfer_candidates(user).exclude(pk=user.pk)


def coaching_notes_visible_to(user: User, notes: QuerySet[_M]) -> QuerySet[_M]:
    """A director sees every note; a manager those on the people they manage (and on themselves) and
    those they wrote; everyone else only the notes on them."""
    if not user.is_authenticated or not user.is_active:
        return notes.none()
    seen = owned_by_visible(user, notes, RecordKind.COACHING_NOTE, owner_field="rep")
    if sees_everyone(user):
        return seen
    return seen | notes.filter(coach=user)


def can_change_coaching_note(user: User, *, coach_id: int, rep: User) -> bool:
    """Its coach (or a director) changes a note while they still coach the rep."""
    return can_change_authored(user, coach_id) and can_coach(user, rep)


def can_acknowledge_coaching_note(user: User, rep_id: int) -> bool:
    """Only the rep acknowledges what was agreed with them."""
    return user.is_active and user.pk == rep_id


def can_tick_coaching_action(user: User, *, rep: User, coach_id: int) -> bool:
    """An agreed action is marked done by the rep, the coach who wrote it, or whoever coaches the rep now."""
    return user.is_active and (user.pk in (rep.pk, coach_id) or can_coach(user, rep))
