"""Reads of the pipeline, each starting from the access policy in accounts.access."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    Field,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from accounts import access
from accounts.access import RecordKind
from accounts.models import User, person_named
from accounts.services import RuleError
from accounts.sql import InFirstRead
from customers import selectors as customer_selectors
from customers.models import Commodity, Customer

from .models import (
    CONTRACT_TERMS,
    STAGE_PROBABILITY,
    Activity,
    ActivityTally,
    Amendment,
    Deal,
    ExchangeRate,
    MarketResearch,
    Outcome,
    PipelineTally,
    Port,
    Reminder,
    Stage,
    StageMove,
    Transfer,
)

_R = TypeVar("_R", bound=Model)

if TYPE_CHECKING:  # types only: django-stubs is a dev dependency
    from django_stubs_ext import WithAnnotations


def deals_visible_to(user: User, *, read_first: bool = False, whole_list: bool = False) -> QuerySet[Deal]:
    """The deals a user sees: their owner's, and their second seller's (who shares the credit, and
    whose manager answers for it). One query: "owner in ... or second seller in ...", no join.
    Two other shapes of the same rows, for PostgreSQL to plan each question well:
    - `read_first` reads a manager's people first (see access._seen_owners), for a question an index that starts
      with the owner answers: the laycan calendar's month, by the (owner, laycan end) index, took 100 ms of
      reading every deal for a manager, 3 ms so.
    - `whole_list` (a seller's whole deal list, no filter narrowing it) reads their deals, a thousand or so, first
      as an array of keys (accounts.sql.InFirstRead), then sorts them: as the OR of owner and second seller,
      PostgreSQL walked the newest-first index over everyone's deals until it had found a page of theirs (9,500
      read and dropped: the rep's list 31 ms, 16 this way); and the search box's deals, whose common words' own
      index reads every match in the organisation. Not for a manager, whose team's deals the walk finds a page of
      sooner, nor for a list narrowed by a field, which the filter's own index serves better."""
    by_owner, *by_second_seller = deals_visible_each_way(user, read_first=read_first)
    if not by_second_seller:
        return by_owner
    visible = by_owner | by_second_seller[0]
    if whole_list and not user.is_manager:
        return Deal.objects.filter(InFirstRead("pk", visible.order_by().values("pk")))
    return visible


def deals_visible_each_way(user: User, *, read_first: bool = False) -> list[QuerySet[Deal]]:
    """`deals_visible_to`'s deals as the parts it unites: those the user sees as their owner's, then (for whoever
    sells and does not see everyone) those as their second seller's. For a question that reads each part from an
    index of its own, as "in the one or in the other" (the laycan calendar's vessels)."""
    parts = [access.owned_by_visible(user, Deal.objects.all(), RecordKind.DEAL, read_first=read_first)]
    if can_sell(user) and not access.sees_everyone(user):
        parts.append(access.owned_by_visible(user, Deal.objects.all(), RecordKind.DEAL, owner_field="co_seller",
                                             read_first=read_first))
    return parts


def of_visible_deals(user: User, records: QuerySet[_R], customer: Customer | None = None) -> QuerySet[_R]:
    """`records` of a contract (a `deal` field), narrowed to the deals the user sees: all of them, as they are,
    for whoever sees every deal (not a semi-join over every deal, which cost the director's lists of
    invoices, shipments and letters of credit a read of all 200,000). With `customer`, those of its contracts
    only, read from them: a customer's contracts the user sees are a few dozen, where a seller's own contracts
    read first (below) are a thousand, each record of which was read and then dropped."""
    if access.sees_everyone(user):
        return records if customer is None else records.filter(deal__customer=customer)
    if customer is not None:
        return records.filter(deal__in=deals_visible_to(user).filter(customer=customer).order_by())
    if user.is_authenticated and not user.is_manager:
        # A seller's own contracts, a thousand or so, read first (see InFirstRead).
        return records.filter(InFirstRead("deal_id", deals_visible_to(user).order_by().values("pk")))
    return records.filter(deal__in=deals_visible_to(user))


def _seen_as_second_seller_only(user: User) -> QuerySet[Deal] | None:
    """The deals `user` sees as their second seller's and not as their owner's (None: none can be): with the deals
    of the owners they see, `deals_visible_to` in two disjoint parts, each read from an index of its own (the OR
    of the two made the database read every deal)."""
    if not can_sell(user) or access.sees_everyone(user):
        return None
    shared = access.owned_by_visible(user, Deal.objects.all(), RecordKind.DEAL, owner_field="co_seller")
    return access.owned_by_others(user, shared, RecordKind.DEAL)


def split_history(deal: Deal) -> list[Any]:
    """Each change of the deal's split, latest first, from its history: who set it, when, to whom."""
    return list(deal.history.filter(history_change_reason="split")
                .select_related("history_user", "co_seller").order_by("-history_date")[:10])


def can_split_credit(user: User, deal: Deal) -> bool:
    return access.can_split_credit(user, deal)


def can_cancel_contract(user: User, deal: Deal) -> bool:
    """A signed contract (not one already cancelled) is cancelled by the owner's manager or a director."""
    return deal.outcome == Outcome.WON and access.can_cancel_contract(user, deal)


def activities_visible_to(user: User, *, whole_list: bool = False, page: bool = False) -> QuerySet[Activity]:
    """An activity is seen by whoever sees its customer's owner's records (the owner, manager, director), and by
    the person its next step was handed to. Two shapes of the same rows, for PostgreSQL to plan each question well:
    narrowed to a customer, deal, owner or day by the caller, the customers seen are a hashed subquery that each
    row the narrower index finds is checked against; with `whole_list` (a list of them all, its count, its filter's
    people), the customers seen are read first as an array (InFirstRead) and their activities found by the
    customer index. The activity list as a rep took 205 ms the first way (the OR made PostgreSQL read all million
    activities to count theirs) and 40 the second; a rep's dashboard, narrowed to its owner, 26 ms the first way
    and 32 the second. A manager's page of the list (not its count) is found the first way, though: their team
    logs a good share of all activities, so the walk down everyone's newest-first soon finds a page (10.5 -> 4.3
    ms unfiltered, 37 -> 10 of visits only, at the large size); a rep's took 12 -> 8 ms but 15 -> 640 searched.
    So `whole_list` with `page` (the rows of a page of the whole list) is the first way for a manager, the second
    for everyone else."""
    customers = _activity_customers_seen(user)
    if customers is None:
        return _activities_owned_by_visible(user)
    read_first = whole_list and not (page and user.is_manager)
    seen = Q(InFirstRead("customer_id", customers)) if read_first else Q(customer__in=customers)
    return Activity.objects.filter(seen | Q(next_step_owner=user))


def _activities_owned_by_visible(user: User) -> QuerySet[Activity]:
    return access.owned_by_visible(user, Activity.objects.all(), RecordKind.ACTIVITY, owner_field="customer__owner")


def _sees_every_activity(user: User) -> bool:
    """A seller who sees everyone's records sees every activity: counted and named from the activities' tally."""
    return can_sell(user) and access.sees_everyone(user)


def _activity_customers_seen(user: User) -> "QuerySet[Customer, Any] | None":
    """For a seller who does not see everyone, the keys of the customers whose activities they see (besides the
    next steps handed to them); None for whom the owners they see decide alone."""
    if not can_sell(user) or access.sees_everyone(user):
        return None
    return access.owned_by_visible(user, Customer.objects.all(), RecordKind.ACTIVITY).order_by().values("pk")


def with_contact_list(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    """Each activity's contacts as a list, `contact_list` (the visits list and the customer page's visits name them):
    prefetched as a list, not a queryset Django builds per activity."""
    return activities.prefetch_related(Prefetch("contacts", to_attr="contact_list"))


def activity_authors_visible_to(user: User) -> QuerySet[User]:
    """Who logged the activities the user sees: the activity list's "Logged by" choices. For a seller, the authors
    on the customers seen and those of the next steps handed to them, united: each part is read from an index alone
    (`activity_by_customer` carries the author), where the OR of the two read every activity's row (a manager's
    43,000: 16-19 -> 10-11 ms at the large size). The same people as the authors of `activities_visible_to(user)`
    (tests/test_activities.py holds the two together for every position). Whoever sees every activity: the authors
    in the activities' tally (ActivityTally), not the million activities'."""
    customers = _activity_customers_seen(user)
    if customers is None:
        if _sees_every_activity(user):
            return User.objects.filter(Exists(ActivityTally.objects.filter(author=OuterRef("pk"), activities__gt=0)))
        return User.objects.filter(pk__in=_activities_owned_by_visible(user).values("owner"))
    on_customers_seen = Activity.objects.filter(InFirstRead("customer_id", customers)).order_by().values("owner")
    handed_over = Activity.objects.filter(next_step_owner=user).order_by().values("owner")
    return User.objects.filter(pk__in=on_customers_seen.union(handed_over, all=True))


def activities_seen_by_author(user: User) -> dict[int, int] | None:
    """For a seller who does not see everyone, how many of the activities they see each author logged: the activity
    list's "Logged by" choices and its heading's count from one read in two parts: the activities on the customers
    seen, from the activities' tally (ActivityTally: a manager's 43,000 activities are some 1,600 rows there; 9 ms
    of grouping the activities' index became under 1), then the next steps handed to the user on any other
    customer, counted. None for whom the owners they see decide alone (`count_activities_visible_to`).
    tests/test_activities.py holds it to `activities_visible_to(user)` for every position."""
    customers = _activity_customers_seen(user)
    if customers is None:
        return None
    on_customers_seen = (ActivityTally.objects.filter(InFirstRead("customer_id", customers), activities__gt=0)
                         .order_by().values_list("author").annotate(n=Sum("activities")))
    handed_over = (Activity.objects.filter(next_step_owner=user).exclude(customer__in=customers)
                   .order_by().values_list("owner").annotate(n=Count("*")))
    # Each part grouped on its own and the few rows added up here: an author may be in both.
    by_author: dict[int, int] = defaultdict(int)
    for author, activities in on_customers_seen.union(handed_over, all=True):
        by_author[author] += activities
    return dict(by_author)


def count_activities_visible_to(user: User) -> int:
    """`activities_visible_to(user).count()`, the activity list's heading, from the activities' tally (see
    `activities_seen_by_author`; whoever sees every activity, its sum: the director's million were 28 ms to count)."""
    by_author = activities_seen_by_author(user)
    if by_author is not None:
        return sum(by_author.values())
    if _sees_every_activity(user):
        return ActivityTally.objects.aggregate(n=Sum("activities"))["n"] or 0
    return _activities_owned_by_visible(user).count()


def research_visible_to(user: User) -> QuerySet[MarketResearch]:
    return access.owned_by_visible(user, MarketResearch.objects.all(), RecordKind.MARKET_RESEARCH,
                                   owner_field="author")


# How many pieces of market research a deal's form offers: the latest (a large company records thousands).
LISTED_RESEARCH = 100


def research_to_offer(user: User, deal: Deal | None = None) -> QuerySet[MarketResearch]:
    """The research a deal may name: the latest LISTED_RESEARCH the user sees, and the deal's own (however old) so
    that saving a deal never drops what it named."""
    visible = research_visible_to(user)
    offered = Q(pk__in=visible.order_by("-researched_on", "-pk").values("pk")[:LISTED_RESEARCH])
    if deal is not None and deal.pk:
        offered |= Q(pk__in=deal.research.values("pk"))
    return visible.filter(offered)


def reminders_for(user: User) -> QuerySet[Reminder]:
    """A person's own inbox; nobody reads another's."""
    if not user.is_authenticated:
        return Reminder.objects.none()
    return Reminder.objects.filter(recipient=user)


def reassign_candidates(user: User) -> QuerySet[User]:
    """Whom `user` may hand a follow-up to: the active sellers they manage, not themselves."""
    return access.transfer_candidates(user).exclude(pk=user.pk)


def can_sell(user: User) -> bool:
    """Deals and activities are the sellers' (customer service and marketing do not sell)."""
    return access.can_sell(user)


def can_change_deal(user: User, deal: Deal) -> bool:
    return access.can_change_owned(user, deal.owner_id)


def possible_owners(user: User) -> QuerySet[User]:
    return customer_selectors.possible_owners(user)


def can_research(user: User) -> bool:
    return access.can_research(user)


def can_run_pipeline_settings(user: User) -> bool:
    """Ports, exchange rates and reasons for losing are the director's lists."""
    return access.can_run_organisation(user)


class LaycanSpan(TypedDict):
    """What `laycans_in` adds to each deal: its laycan, a single day when only one of its dates is set."""

    laycan_from: date
    laycan_to: date


if TYPE_CHECKING:
    LaycanDeal = WithAnnotations[Deal, LaycanSpan]


def laycans_in(deals: QuerySet[Deal], first: date, last: date) -> "QuerySet[LaycanDeal]":
    """Signed deals and open deals in negotiation whose laycan overlaps [first, last].

    A laycan with only one of its dates set is taken as that single day."""
    return (
        deals.filter(Q(outcome=Outcome.WON) | Q(outcome=Outcome.OPEN, stage=Stage.NEGOTIATION))
        .annotate(laycan_from=Coalesce("laycan_start", "laycan_end"), laycan_to=Coalesce("laycan_end", "laycan_start"))
        .filter(laycan_from__lte=last, laycan_to__gte=first)
        .select_related("customer", "commodity", "discharge_port")
        .order_by("laycan_from", "laycan_to", "pk")
    )


def can_change_activity(user: User, activity: Activity) -> bool:
    """The person who logged it, their manager and the director (it must be in the user's scope too)."""
    return access.can_change_owned(user, activity.owner_id)


def can_take_next_step(user: User, activity: Activity) -> bool:
    """Whoever may change the activity, and the person its next step was handed to."""
    return can_change_activity(user, activity) or (can_sell(user) and activity.next_step_owner_id == user.pk)


def changeable_owner_ids(user: User, activities: Iterable[Activity]) -> set[int]:
    """Of the people who logged `activities`, those whose activities `user` may change: one query for a page."""
    if not can_sell(user):
        return set()
    return access.visible_user_ids(user, {activity.owner_id for activity in activities})


def can_change_research(user: User, research: MarketResearch) -> bool:
    """Its author and the director: a record is someone's account of what they saw."""
    return can_research(user) and access.can_change_authored(user, research.author_id)


def stage_entries(deal: Any, stage: Any, before: Any = None) -> QuerySet[StageMove]:
    """The moves that took a deal into `stage`, latest first (those `before` a time, when given); a move within
    one stage (a signing, a loss, a reopening) enters none. The arguments may be OuterRefs."""
    moves = StageMove.objects.filter(deal=deal, to_stage=stage).exclude(from_stage=F("to_stage"))
    return (moves if before is None else moves.filter(at__lt=before)).order_by("-at")


def transfers_of(*, deal: Deal | None = None, customer: Customer | None = None) -> QuerySet[Transfer]:
    """A record's transfers, latest first, with the people named (by their names alone: a person's row is some
    twenty columns, three people a transfer)."""
    transfers = Transfer.objects.filter(deal=deal) if deal is not None else Transfer.objects.filter(customer=customer)
    return transfers.select_related("from_owner", "to_owner", "by").only(
        "at", "reason", *person_named("from_owner", "to_owner", "by"))


def describe_amendments(amendments: QuerySet[Amendment]) -> list[Amendment]:
    """The amendments with `rows` attached: each changed term's label and its old and new value as a
    reader sees them (ports and commodities by name: one query each, whatever the number)."""
    described = list(amendments.select_related("requested_by", "decided_by"))
    wanted: dict[type[Model], set[int]] = {Port: set(), Commodity: set()}
    for amendment in described:
        for name, change in amendment.changes.items():
            related = Deal.own_field(name).related_model
            if related is not None:
                wanted[related].update(value for value in change.values() if value is not None)
    named = {model: model._default_manager.in_bulk(ids) if ids else {} for model, ids in wanted.items()}

    def shown(field: "Field[Any, Any]", value: object) -> object:
        if value is None or value == "":
            return "—"
        if field.related_model is not None:
            return named[field.related_model].get(value, value)
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        return field.to_python(value)

    for amendment in described:
        amendment.rows = []
        for name in CONTRACT_TERMS:
            if name in amendment.changes:
                field, change = Deal.own_field(name), amendment.changes[name]
                amendment.rows.append({"label": capfirst(field.verbose_name), "old": shown(field, change["old"]),
                                       "new": shown(field, change["new"])})
    return described


# --- Amounts: exchange rates and the weighted pipeline ---------------------------------------------


def counted_for(deal: Deal) -> list[int | None]:
    """Whose figures a deal counts in (accounts.changes): its owner's, the credited seller's, the second
    seller's (signings, cargoes lifted, invoices, cash collected), and its customer's owner's (a first signing
    is their new customer; a payment on account, a complaint are theirs)."""
    customer_owner = Customer.objects.filter(pk=deal.customer_id).values_list("owner_id", flat=True).first()
    return [deal.owner_id, deal.credited_to_id, deal.co_seller_id, customer_owner]


def rate_for(currency: str, on: date | None = None) -> Decimal:
    """Units of the base currency per unit of `currency`, in force on `on` (today by default)."""
    if currency == settings.BASE_CURRENCY:
        return Decimal(1)
    rate = (ExchangeRate.objects.filter(currency=currency, valid_from__lte=on or timezone.localdate())
            .order_by("-valid_from").values_list("rate", flat=True).first())
    if rate is None:
        raise RuleError(_("There is no exchange rate for %(currency)s: ask a director to add one.")
                        % {"currency": currency})
    return rate


@cache  # built once per process: the stages' probabilities are fixed, and a query resolves a copy
def probability_case() -> Case:
    """The stage's probability as an SQL expression (0 for lost deals)."""
    return Case(
        *[When(stage=stage, then=Value(probability)) for stage, probability in STAGE_PROBABILITY.items()],
        output_field=DecimalField(max_digits=4, decimal_places=2),
    )


class BoardFigures(TypedDict):
    group: int | None  # the owner's key, or with `by_team` their team's (None: people in no team)
    stage: str
    count: int
    total: Decimal | None  # None: the signed deals in follow-up, counted in their column alone
    weighted: Decimal | None


def board_figures(user: User, owner: int | None = None, *, by_team: bool = False) -> list[BoardFigures]:
    """In one query, the board's few rows to sum by column and by person (`owner`: of that person's deals only;
    `by_team`: by their owners' teams instead, for whoever sees everyone): the open deals per stage and owner, with
    their count and total amount (base currency), and the signed ones in follow-up per stage and owner, counted
    alone (their column shows no amount; `total` None). A group's weighted amount is its total times its stage's
    probability.

    The deals of the owners the user sees are counted from the tally the database keeps (PipelineTally: a few
    rows per person) instead of grouping them: the director's 68,000 open deals took 18 ms to group at the large
    size. Those the user sees only as their second seller's, a few, are grouped as they are, each from an index
    that holds what it reads."""
    money = DecimalField(max_digits=22, decimal_places=2)
    on_board = Q(outcome=Outcome.OPEN) | Q(outcome=Outcome.WON, stage=Stage.FOLLOW_UP)
    group = "owner__team" if by_team else "owner"
    tallies = access.owned_by_visible(user, PipelineTally.objects.filter(on_board, deals__gt=0), RecordKind.DEAL)
    shared = _seen_as_second_seller_only(user)
    if owner:
        tallies = tallies.filter(owner_id=owner)
        shared = shared.filter(owner_id=owner) if shared is not None else None
    rows: QuerySet[Any, Any] = tallies.values_list(group, "stage", "outcome").order_by().annotate(
        count=Sum("deals"), total=Sum("amount_base", output_field=money))
    if shared is not None:
        grouped = shared.filter(on_board).values_list(group, "stage", "outcome").order_by()
        rows = rows.union(grouped.annotate(count=Count("*"), total=Sum("amount_base", output_field=money)), all=True)
    figures = []
    for key, stage, outcome, count, total in rows:
        amount = Decimal(total or 0) if outcome == Outcome.OPEN else None  # the signed deals' column shows none
        figures.append(BoardFigures(group=key, stage=stage, count=count, total=amount,
                                    weighted=None if amount is None else amount * STAGE_PROBABILITY[Stage(stage)]))
    return figures


def weighted_pipeline(deals: QuerySet[Deal], *, by: str) -> QuerySet[Deal, dict[str, Any]]:
    """Open deals' total and weighted amounts (base currency) grouped by `by` ("stage" or "owner")."""
    money = DecimalField(max_digits=22, decimal_places=2)
    return (deals.filter(outcome=Outcome.OPEN).values(by).order_by(by)
            .annotate(total=Sum("amount_base", output_field=money),
                      weighted=Sum(F("amount_base") * probability_case(), output_field=money)))


# --- Reminders: a person's inbox and morning email -------------------------------------------------


def _open_on(reminders: QuerySet[Reminder], day: date) -> QuerySet[Reminder]:
    return reminders.filter(done_at__isnull=True).filter(Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=day))


def _latest(reminders: QuerySet[Reminder], day: date) -> QuerySet[Reminder]:
    newer = Reminder.objects.filter(
        recipient=OuterRef("recipient"), cause=OuterRef("cause"), day__gt=OuterRef("day"), day__lte=day
    )
    return reminders.filter(day__lte=day).exclude(Exists(newer))


def latest_open(reminders: QuerySet[Reminder], day: date) -> QuerySet[Reminder]:
    """Of `reminders`, those open on `day`: raised that day or before, one per person and cause (the
    latest), none done or snoozed past `day`. A cause still pending raises a fresh reminder each
    day; the older ones it supersedes stay out of sight rather than piling up."""
    return _open_on(_latest(reminders, day), day)


def latest_pending(reminders: QuerySet[Reminder], day: date) -> QuerySet[Reminder]:
    """`latest_open`, snoozed ones included: what a person still has in hand, shown today or later. An app
    whose inbox panel lists the same records leaves these out, so nothing shows twice."""
    return _latest(reminders, day).filter(done_at__isnull=True)


def open_reminders(user: User, day: date) -> QuerySet[Reminder]:
    """The inbox of one person."""
    return latest_open(reminders_for(user), day)


def with_subjects(reminders: QuerySet[Reminder]) -> QuerySet[Reminder]:
    """What a row shows: the customer, deal, activity or complaint, and whose it is. A deal is named by its
    specification's grade: read in one more query for all the rows (joined, it would be a twelfth join for
    PostgreSQL to plan; left out, a query per deal: 38 of a rep's 44 at the large size)."""
    return reminders.select_related(
        "customer__owner", "deal__customer", "deal__commodity", "deal__owner", "activity__owner",
        "complaint__assignee", "by",
    ).prefetch_related("deal__specification")


def digest_for(user: User, day: date) -> list[Reminder]:
    """The reminders raised for `user` on `day` that are still open: what their morning email lists."""
    return list(with_subjects(_open_on(reminders_for(user).filter(day=day), day)).order_by("due_on", "pk"))


def digests_for(day: date) -> dict[User, list[Reminder]]:
    """`digest_for` of every active person with open reminders on `day`, in one query."""
    reminders = with_subjects(
        _open_on(Reminder.objects.filter(day=day, recipient__is_active=True), day).select_related("recipient")
    ).order_by("recipient_id", "due_on", "pk")
    by_person: dict[User, list[Reminder]] = defaultdict(list)
    for reminder in reminders:
        by_person[reminder.recipient].append(reminder)
    return dict(by_person)
