"""Reads of the customers app, each starting from the access policy in accounts.access."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypedDict

from django.db.models import (
    Avg,
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from rapidfuzz import fuzz, process

from accounts import access
from accounts.access import RecordKind
from accounts.models import User, person_named
from accounts.sql import more_than

from . import search
from .models import Complaint, Contact, Customer, ImportJob, SatisfactionSurvey, TierPolicy
from .services import name_key

if TYPE_CHECKING:  # django-stubs' helper, a development dependency
    from django_stubs_ext import WithAnnotations


class OverdueFlags(TypedDict):
    """What `with_overdue` adds to each complaint."""

    is_overdue: bool
    response_overdue: bool
    resolution_overdue: bool
    responded_late: bool
    resolved_late: bool


# A survey the customer's own owner recorded (judged against today's owner): shown as self-reported
# and left out of the scorecards, which count only surveys by someone else (customer service, marketing).
SELF_REPORTED = Q(recorded_by=F("customer__owner"))
# How close (0-100) a name must be to an existing customer's to be shown before saving.
SIMILAR_NAME_SCORE = 90


def overdue_for_contact_q(now: datetime) -> Q:
    """Customers not contacted within their tier's cadence (never contacted counts from creation)."""
    condition = Q(pk__in=[])
    for tier, gap in TierPolicy.objects.values_list("tier", "max_contact_gap_days"):
        since = now - timedelta(days=gap)
        condition |= Q(tier=tier) & (Q(last_contacted_at__lt=since)
                                     | Q(last_contacted_at__isnull=True, created_at__lt=since))
    return condition & ~Q(status=Customer.Status.LOST)


def customers_visible_to(user: User) -> QuerySet[Customer]:
    return access.owned_by_visible(user, Customer.objects.all(), RecordKind.CUSTOMER)


# Past this many customers in sight, a form that records something of a customer asks which by a search
# instead of listing them all in a drop-down (customer service sees twenty thousand: a 3 MB page).
LISTED_CUSTOMERS = 200
PICK_RESULTS = 20  # the search's matches listed, best first


def few_enough_to_list(customers: QuerySet[Customer]) -> bool:
    """Whether `customers` fit a drop-down: one query that stops counting past the limit."""
    return not more_than(customers, LISTED_CUSTOMERS)


def customers_matching(customers: QuerySet[Customer], text: str) -> QuerySet[Customer]:
    """Of `customers`, those whose name, short name, registration number or commodities bought ("煤" finds the
    coal buyers), or a contact's name, mobile, email or WeChat ID, match `text`: the customer list's search box;
    all of them for an empty text."""
    text = search.cleaned(text)
    if not text:
        return customers
    contact_matches = Contact.objects.filter(search.contact_matches(text), customer=OuterRef("pk"))
    return customers.filter(search.customer_matches(text) | Q(Exists(contact_matches)))


def contacts_visible_to(user: User) -> QuerySet[Contact]:
    return access.owned_by_visible(user, Contact.objects.all(), RecordKind.CUSTOMER, owner_field="customer__owner")


def complaints_visible_to(user: User) -> QuerySet[Complaint]:
    return access.owned_by_visible(user, Complaint.objects.all(), RecordKind.COMPLAINT, owner_field="customer__owner")


def with_self_reported(surveys: QuerySet[SatisfactionSurvey]) -> QuerySet[SatisfactionSurvey]:
    return surveys.annotate(self_reported=ExpressionWrapper(SELF_REPORTED, output_field=BooleanField()))


class SurveySummary(TypedDict):
    count: int
    quality: float | None
    delivery: float | None
    service: float | None
    recommend: float | None


def latest_surveys_and_summary(surveys: QuerySet[SatisfactionSurvey], limit: int,
                               ) -> tuple[Sequence[SatisfactionSurvey], SurveySummary]:
    """The latest `limit` of `surveys` (with `self_reported`) and the averages of them all, in one query: each row
    carries the whole set's count and averages (window aggregates, computed before the limit)."""
    latest = list(with_self_reported(surveys).annotate(
        surveys_in_all=Window(Count("*")), quality_average=Window(Avg("product_quality")),
        delivery_average=Window(Avg("delivery")), service_average=Window(Avg("service")),
        recommend_average=Window(Avg("recommend")))[:limit])
    if not latest:
        return [], {"count": 0, "quality": None, "delivery": None, "service": None, "recommend": None}
    first = latest[0]
    return latest, {"count": first.surveys_in_all, "quality": first.quality_average,
                    "delivery": first.delivery_average, "service": first.service_average,
                    "recommend": first.recommend_average}


def surveys_visible_to(user: User) -> QuerySet[SatisfactionSurvey]:
    return access.owned_by_visible(
        user, SatisfactionSurvey.objects.all(), RecordKind.CUSTOMER, owner_field="customer__owner"
    )


def tier_policies_with_customer_count(user: User) -> QuerySet[TierPolicy]:
    """The tier policies, each with `customer_count`: how many of the customers the user sees are in its tier."""
    in_tier = (customers_visible_to(user).filter(tier=OuterRef("tier")).order_by().values("tier")
               .annotate(count=Count("pk")).values("count"))
    return TierPolicy.objects.annotate(customer_count=Coalesce(Subquery(in_tier), 0))


def can_add_customers(user: User) -> bool:
    return access.can_sell(user)


def possible_owners(user: User) -> QuerySet[User]:
    """Whom a user may make a customer's owner: themselves, or the sellers they manage."""
    return access.transfer_candidates(user)  # the same people as a transfer's: active sellers one sees


def owner_choices(user: User) -> QuerySet[User]:
    """`possible_owners` as a list's owner filter offers them: by their names alone, which is all a choice shows
    (the director's 300 people, read whole, were a tenth of a list's time)."""
    return possible_owners(user).only(*User.NAME_COLUMNS)


def can_change_customer(user: User, customer: Customer) -> bool:
    """The owner, the owner's manager and the director; customer service only reads."""
    return access.can_change_owned(user, customer.owner_id)


def can_pin_tier(user: User, customer: Customer) -> bool:
    return access.manages_or_directs(user) and can_change_customer(user, customer)


def can_handle_complaints(user: User) -> bool:
    """Who may be given a complaint (customer service)."""
    return access.handles_complaints(user)


def counts_as_response(user: User, complaint: Complaint) -> bool:
    """Whether the user's comment is the complaint's first response, when none came yet."""
    return access.answers_complaint(user, complaint.assignee_id)


def can_record_complaint(user: User) -> bool:
    return access.can_record_complaint(user)


def can_work_complaint(user: User, complaint: Complaint) -> bool:
    return access.can_work_assigned(user, complaint.assignee_id)


def can_run_customer_settings(user: User) -> bool:
    """Tier policies and the commodity list are the director's."""
    return access.can_run_organisation(user)


def possible_assignees() -> QuerySet[User]:
    """Complaints are handled by customer service: its active staff are the possible assignees."""
    return access.complaint_handlers()


def can_reassign_complaint(user: User) -> bool:
    return access.can_assign_complaints(user)


# --- Overdue complaints ---------------------------------------------------------------------------

# Complaint statuses in which the complaint is still being worked on, so its deadlines still run.
ACTIVE = (Complaint.Status.OPEN, Complaint.Status.INVESTIGATING)


def response_overdue_q(now: datetime) -> Q:
    """Still unanswered after `respond_by`."""
    return Q(status=Complaint.Status.OPEN, responded_at__isnull=True, respond_by__lt=now)


def resolution_overdue_q(now: datetime) -> Q:
    """Still unresolved after `resolve_by`."""
    return Q(status__in=ACTIVE, resolve_by__lt=now)


def overdue_q(now: datetime) -> Q:
    """Complaints past a deadline: unresolved after `resolve_by`, or unanswered after `respond_by`."""
    return resolution_overdue_q(now) | response_overdue_q(now)


# What a page's table of complaints shows of each (customers/_complaints.html, on the customer and deal pages):
# their row is some forty columns with the assignee's.
COMPLAINT_ROW = ("category", "severity", "status", "received_at", *person_named("assignee"))


def complaint_rows(complaints: QuerySet[Complaint]) -> "QuerySet[WithAnnotations[Complaint, OverdueFlags]]":
    """`complaints` as customers/_complaints.html lists them: late ones flagged, only the columns it shows."""
    return with_overdue(complaints.select_related("assignee").only(*COMPLAINT_ROW))


def with_overdue(complaints: QuerySet[Complaint], now: datetime | None = None,
                 ) -> "QuerySet[WithAnnotations[Complaint, OverdueFlags]]":
    """Annotate `is_overdue` in the database, for lists that highlight late complaints, and which
    deadline is missed (`response_overdue`, `resolution_overdue`) or was met late (`responded_late`,
    `resolved_late`), so a list marks the deadline itself."""
    now = now or timezone.now()

    def flag(condition: Q) -> ExpressionWrapper:
        return ExpressionWrapper(condition, output_field=BooleanField())

    return complaints.annotate(
        is_overdue=flag(overdue_q(now)),
        response_overdue=flag(response_overdue_q(now)),
        resolution_overdue=flag(resolution_overdue_q(now)),
        responded_late=flag(Q(responded_at__gt=F("respond_by"))),
        resolved_late=flag(Q(resolved_at__gt=F("resolve_by"))),
    )


# --- Imports -------------------------------------------------------------------------------------


def import_jobs_of(user: User) -> QuerySet[ImportJob]:
    """A person's own imports: an upload is seen by the one who made it, nobody else."""
    return ImportJob.objects.filter(owner=user) if user.is_authenticated else ImportJob.objects.none()


def similar_customers(name: str, *, exclude_pk: int | None = None, limit: int = 5) -> list[Customer]:
    """Customers whose names are very close to `name`, across the whole company: two reps must not
    chase the same buyer unknowingly. Only names and owners are shown from outside one's scope."""
    key = name_key(name)
    if not key:
        return []
    others = Customer.objects.all() if exclude_pk is None else Customer.objects.exclude(pk=exclude_pk)
    keys = dict(others.values_list("pk", "name_key"))
    matches = process.extract(key, keys, scorer=fuzz.ratio, score_cutoff=SIMILAR_NAME_SCORE, limit=limit)
    ids = [pk for _key, _score, pk in matches]
    found = Customer.objects.select_related("owner").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]
