"""Every URL of the project, opened as every position and as an anonymous visitor, about a record inside
and a record outside the user's scope, with GET and with POST: each answer must be one the policy allows.

The walk lists the URL patterns from the resolver itself, so a new page is covered the day it is added:
`URL_KWARGS` says how to fill each URL argument from the world built below, and a pattern it cannot
fill fails `test_every_url_pattern_can_be_filled`, which names the line to add.

What an answer may be:
- anonymous: the sign-in redirect; or 405 where the method is refused before anything else runs (a
  POST-only URL opened with GET), which shows and does nothing. Only the pages in PUBLIC answer an
  anonymous visitor themselves.
- signed in: 200, 302, 403, 404 or 405; never a 5xx or an exception.
- a record outside the user's scope (team B's to team A and back; a rep's to a teammate who is not
  their manager; team B's contact under team A's customer to anyone): 404, or 403 for a page the
  position may not use at all, for GET and POST alike (405 for a GET to a POST-only URL); never a
  page, and never a redirect after a change.
- the director sees every record: a GET refused to the director means the URL was filled wrongly.
- a refused request (sign-in redirect, 403, 404, 405) writes nothing to the database.
The POSTs are empty: a page that fetches its record through the access policy refuses before it
reads the form, and an empty POST is also the one that may pass unnoticed (a "mark done" button).
Each request runs in a savepoint rolled back afterwards, so every request meets the same world.
"""

import itertools
import logging
import re
from dataclasses import dataclass, fields
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.contrib import admin
from django.db import connection, models, transaction
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from accounts.models import Department, Team, Training, User
from customers.models import Commodity, Complaint, Contact, Customer, ImportJob, SatisfactionSurvey, TierPolicy
from pipeline.execution.models import Shipment
from pipeline.letters_of_credit.models import Discrepancy, LetterOfCredit, Presentation
from pipeline.models import (
    Activity,
    Amendment,
    Deal,
    LostReason,
    MarketResearch,
    Port,
    Reminder,
    Repricing,
    Specification,
)
from pipeline.receivables.models import Invoice, Payment
from targets.coaching.models import CoachingAction, CoachingNote
from targets.incentives.models import IncentivePlan, PlanRun, Statement
from targets.models import Scorecard, ScorecardRun, TeamTarget

from .conftest import ROLES
from .factories import (
    ActivityFactory,
    AttendanceFactory,
    CommodityFactory,
    ComplaintFactory,
    ContactFactory,
    CustomerFactory,
    DealFactory,
    IncentivePlanFactory,
    InvoiceFactory,
    MarketResearchFactory,
    PaymentFactory,
    PortFactory,
    RepTargetFactory,
    StatementFactory,
    StatementLineFactory,
    SurveyFactory,
    TeamTargetFactory,
    TrainingFactory,
)
from .factories.execution import coal_nar_5500

# Every form field these pages render is compared with crispy's markup (conftest).
pytestmark = pytest.mark.usefixtures("form_fields_checked")

OK, FOUND, UNAUTHORIZED, FORBIDDEN, MISSING, NOT_ALLOWED = 200, 302, 401, 403, 404, 405
BAD_REQUEST = 400
SIGNED_IN_ANSWERS = {OK, FOUND, FORBIDDEN, MISSING, NOT_ALLOWED}
YEAR, QUARTER = 2026, 4  # the quarter of the world's team targets

# Pages that answer an anonymous visitor themselves: signing in and out, getting back in without a
# password, and choosing the language of the sign-in page.
PUBLIC = {
    "accounts:login",
    "accounts:logout",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "accounts:language",
}
# Opened by a secret token in the URL instead of a session (a calendar app cannot sign in): the walk's
# unknown token answers 404 to everyone; tests/test_calendar_feeds.py opens it with a real one.
BY_TOKEN = {"calendar_feeds:feed"}
# Not walked: Django's admin is IT's, guarded by is_staff, and /healthz is public; each has its own
# test below. Static files are not served by the project's URLs (WhiteNoise serves them).
NOT_WALKED_NAMESPACES = {"admin"}
NOT_WALKED = {"healthz"}
# The REST API has no sign-in page: it answers an anonymous request 401 (tests/test_api.py).
API_NAMESPACES = {"api"}


# --- Filling URL arguments ----------------------------------------------------------------------


@dataclass(frozen=True)
class Scoped:
    """A record owned inside one team: the page is walked with team A's and with team B's (a `Side` field).

    A seller's record is outside the scope of the other team and of the seller's peers; a team's own
    record (its page, its targets) only of the other team; a personal one of everyone but the seller."""

    record: str
    team_wide: bool = False
    personal: bool = False  # the seller's alone (an inbox): even their manager and the director answer 404


@dataclass(frozen=True)
class Shared:
    """A record of the whole company (a setting, shared research): one for everyone (a `World` field)."""

    record: str
    field: str = "pk"


# How to fill each URL argument. The most specific key wins: "<url name>/<argument>", then
# "<namespace>/<argument>", then "<argument>" alone for arguments that mean the same everywhere.
# A tuple of values walks the URL once with each.
URL_KWARGS = {
    "contact_pk": Scoped("contact"),
    "team_id": Scoped("team", team_wide=True),
    "user_id": Scoped("seller"),
    "year": YEAR,
    "quarter": QUARTER,
    "fmt": ("csv", "xlsx"),
    "scope": ("rep", "team", "department"),
    "tier": Shared("tier_policy", field="tier"),
    # A user id that decodes, with a token that does not check: the "invalid link" page.
    "uidb64": "MQ",
    "token": "no-such-token",
    "org/pk": Scoped("seller"),
    "org:department_edit/pk": Shared("department"),
    "org:team_detail/pk": Scoped("team", team_wide=True),
    "org:team_edit/pk": Scoped("team", team_wide=True),
    "training/pk": Scoped("training"),
    "customers/pk": Scoped("customer"),
    "customers:commodity_edit/pk": Shared("commodity"),
    "customers:section/section": ("service", "receivables", "history"),
    "dashboards:manager/section": ("pipeline", "open-items"),
    "deals:board_column/stage": ("research", "follow_up"),
    "complaints/pk": Scoped("complaint"),
    "deals/pk": Scoped("deal"),
    "api:customer-detail/pk": Scoped("customer"),
    "api:customer-contacts/pk": Scoped("customer"),
    "api:deal-detail/pk": Scoped("deal"),
    "api:deal-move/pk": Scoped("deal"),
    "api:activity-detail/pk": Scoped("activity"),
    "api:complaint-detail/pk": Scoped("complaint"),
    "api:research-detail/pk": Shared("research"),
    "api:deal-sign/pk": Scoped("deal"),
    "api:reminder-detail/pk": Scoped("reminder", personal=True),
    "api:target-detail/pk": Scoped("team_target", team_wide=True),
    "api:scorecard-detail/pk": Scoped("scorecard"),
    "api:shipment-detail/pk": Scoped("shipment"),
    "api:letter_of_credit-detail/pk": Scoped("letter_of_credit"),
    "api:invoice-detail/pk": Scoped("invoice"),
    "api:payment-detail/pk": Scoped("payment"),
    # Personal: nobody may revoke another's token, and tests/test_api.py revokes one's own.
    "api:token_revoke/pk": 999999,
    "deals:customer_transfer/pk": Scoped("customer"),
    "shipments/pk": Scoped("shipment"),
    "shipments:create/pk": Scoped("signed_deal"),
    "shipments/port": ("load", "discharge"),
    "shipments:tie/complaint_pk": Scoped("complaint"),
    "receivables:invoice/pk": Scoped("invoice"),
    "receivables:correct/pk": Scoped("invoice"),
    "receivables:shipment_invoice/pk": Scoped("shipment"),
    "receivables:shipment_invoice/kind": ("provisional", "final"),
    "receivables:prepayment/pk": Scoped("signed_deal"),
    "receivables:claim_credit_note/pk": Scoped("complaint"),
    "receivables:payment_create/pk": Scoped("customer"),
    "receivables:payment/pk": Scoped("payment"),
    "letters_of_credit/pk": Scoped("letter_of_credit"),
    "letters_of_credit:create/pk": Scoped("signed_deal"),
    "letters_of_credit/presentation_pk": Scoped("presentation"),
    "letters_of_credit/discrepancy_pk": Scoped("discrepancy"),
    "deals:amend/pk": Scoped("signed_deal"),
    "deals:cancel/pk": Scoped("signed_deal"),
    "coaching/pk": Scoped("coaching_note"),
    "coaching:action_mark/pk": Scoped("coaching_action"),
    "deals:amendment_approve/pk": Scoped("amendment"),
    "deals:amendment_reject/pk": Scoped("amendment"),
    "pipeline_settings:port_edit/pk": Shared("port"),
    "pipeline_settings:lost_reason_edit/pk": Shared("lost_reason"),
    "pipeline_settings:specification_edit/pk": Shared("specification"),
    "pipeline_settings:repricing_progress/pk": Shared("repricing"),
    "activities/pk": Scoped("activity"),
    "research/pk": Shared("research"),
    "reminders/pk": Scoped("reminder"),
    "scorecards/pk": Shared("scorecard_run"),
    "incentives:plan_recompute/pk": Shared("plan"),
    "incentives:run/pk": Shared("plan_run"),
    "incentives:run_progress/pk": Shared("plan_run"),
    "incentives/pk": Scoped("statement"),
    "incentives:plan/pk": Shared("plan"),
    "incentives:plan_edit/pk": Shared("plan"),
    "incentives:plan_copy/pk": Shared("plan"),
    # An import is its uploader's alone (their manager too answers 404): the director's own, so that the
    # director's GET must open it and everyone else's is refused.
    "customers:import_job/pk": Shared("import_job"),
    "customers:import_job_progress/pk": Shared("import_job"),
}


@dataclass(frozen=True)
class Pattern:
    name: str  # namespaced, e.g. "customers:detail"; "" when the pattern has no name
    route: str  # from the root, e.g. "customers/<int:pk>/"

    @property
    def namespace(self) -> str:
        return self.name.rpartition(":")[0]

    @property
    def kwargs(self) -> list[str]:
        return [path or regex for path, regex in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", self.route)]

    def key_for(self, kwarg: str) -> str | None:
        """The `URL_KWARGS` key that fills `kwarg` here, if any."""
        for key in (f"{self.name}/{kwarg}", f"{self.namespace}/{kwarg}", kwarg):
            if key in URL_KWARGS:
                return key
        return None


def _walk(entries, prefix: str = "", namespaces: tuple[str, ...] = ()):
    for entry in entries:
        if isinstance(entry, URLResolver):
            if entry.namespace in NOT_WALKED_NAMESPACES:
                continue
            inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif entry.callback.__module__ in ("django.views.static", "django.contrib.staticfiles.views"):
            continue
        else:
            name = ":".join((*namespaces, entry.name)) if entry.name else ""
            if name not in NOT_WALKED:
                yield Pattern(name, prefix + str(entry.pattern))


def url_patterns() -> list[Pattern]:
    return list(_walk(get_resolver().url_patterns))


def unfillable(pattern: Pattern) -> list[str]:
    """Why the walk cannot open `pattern`, as lines telling its author what to add."""
    if not pattern.name:
        return [f"{pattern.route!r} has no name: name it, so that it can be reversed and walked"]
    return [
        f"{pattern.name} ({pattern.route!r}): add URL_KWARGS[{pattern.name + '/' + kwarg!r}] "
        f"(or {pattern.namespace + '/' + kwarg!r}) saying which record of the world fills <{kwarg}>"
        for kwarg in pattern.kwargs
        if pattern.key_for(kwarg) is None
    ]


# --- The world: one record of every kind inside team A, the same in team B, and the shared ones -------


@dataclass
class Side:
    """One team's records, all owned by or about its seller (the rep of team A, or of team B)."""

    seller: User
    seller_role: str  # the seller's role in ROLES
    team: Team
    customer: Customer
    contact: Contact
    deal: Deal
    signed_deal: Deal
    amendment: Amendment  # asked for on the seller's signed contract
    shipment: Shipment  # of the signed contract
    invoice: Invoice  # of the signed contract
    payment: Payment  # from the customer
    letter_of_credit: LetterOfCredit  # of the signed contract, discrepant on the shipment's documents
    presentation: Presentation
    discrepancy: Discrepancy
    activity: Activity
    complaint: Complaint
    survey: SatisfactionSurvey
    reminder: Reminder
    training: Training
    team_target: TeamTarget
    coaching_note: CoachingNote  # by the seller's manager
    coaching_action: CoachingAction  # agreed in it
    statement: Statement  # the seller's commission statement, a line on the signed contract
    scorecard: Scorecard  # the seller's quarter
    other_team: frozenset[str]  # roles outside all of these records
    peers: frozenset[str]  # roles of the same team outside the seller's own records (not the manager)

    def records(self) -> list[models.Model]:
        found = [getattr(self, f.name) for f in fields(self)]
        found += [*self.training.attendances.all(), *self.team_target.shares.all(), *self.statement.lines.all()]
        return [record for record in found if isinstance(record, models.Model)]


@dataclass
class World:
    sides: dict[str, Side]  # "A" and "B"
    department: Department
    commodity: Commodity
    port: Port
    lost_reason: LostReason
    specification: Specification
    tier_policy: TierPolicy
    research: MarketResearch
    scorecard_run: ScorecardRun
    repricing: Repricing
    plan: IncentivePlan  # the quarter's plan for every team's sellers
    plan_run: PlanRun
    import_job: ImportJob
    people: list[User]

    def records(self) -> list[models.Model]:
        shared = [getattr(self, f.name) for f in fields(self) if f.name not in ("sides", "people")]
        return [*shared, *self.people, *(record for side in self.sides.values() for record in side.records())]


def _side(cast, seller_role: str, plan: IncentivePlan, *, other_team: set[str], peers: set[str]) -> Side:
    seller = cast.by_role(seller_role)
    today = timezone.localdate()
    customer = CustomerFactory(owner=seller)
    contact = ContactFactory(customer=customer, is_primary=True)
    activity = ActivityFactory(customer=customer, next_step="Send the Q1 offer",
                               next_step_due=today - timedelta(days=2))
    training = TrainingFactory(created_by=cast.director)
    AttendanceFactory(training=training, attendee=seller)
    team_target = TeamTargetFactory(team=seller.team, year=YEAR, quarter=QUARTER)
    RepTargetFactory(team_target=team_target, rep=seller)
    signed_deal = DealFactory(customer=customer, stage="follow_up", outcome="won", contract_number=f"C-{seller.pk}",
                              signed_on=today)
    shipment = Shipment.objects.create(deal=signed_deal, vessel_name="Pacific Glory", imo="9074729", bl_date=today,
                                       bl_tonnes=60000)
    letter_of_credit = LetterOfCredit.objects.create(
        deal=signed_deal, number=f"LC-{seller.pk}", issuing_bank="Bank of China", amount=1000000, currency="USD",
        latest_shipment_date=today, expiry_date=today + timedelta(days=30), status=LetterOfCredit.Status.DISCREPANT,
        created_by=seller)
    presentation = Presentation.objects.create(letter_of_credit=letter_of_credit, shipment=shipment,
                                               presented_on=today, documents=["invoice"], recorded_by=seller)
    coaching_note = CoachingNote.objects.create(rep=seller, coach=seller.team.manager, held_on=today,
                                                to_improve="Ask for the decision maker earlier")
    statement = StatementFactory(person=seller, plan=plan)
    StatementLineFactory(statement=statement, deal=signed_deal, contract_number=signed_deal.contract_number)
    return Side(
        coaching_note=coaching_note,
        coaching_action=CoachingAction.objects.create(note=coaching_note, text="Call the plant manager",
                                                      due_on=today + timedelta(days=7)),
        seller=seller,
        seller_role=seller_role,
        team=seller.team,
        customer=customer,
        contact=contact,
        deal=DealFactory(customer=customer),
        signed_deal=signed_deal,
        # Loaded, so that the side's complaint may be tied to it.
        shipment=shipment,
        letter_of_credit=letter_of_credit,
        presentation=presentation,
        discrepancy=Discrepancy.objects.create(presentation=presentation, description="Late", recorded_by=seller),
        invoice=InvoiceFactory(deal=signed_deal, issued_by=seller),
        payment=PaymentFactory(customer=customer),
        amendment=Amendment.objects.create(
            deal=signed_deal,
            changes={"price_per_tonne": {"old": "80.00", "new": "90"}}, reason="Freight fell", requested_by=seller,
        ),
        activity=activity,
        complaint=ComplaintFactory(customer=customer, contact=contact, assignee=cast.service,
                                   category=Complaint.Category.QUANTITY),
        survey=SurveyFactory(customer=customer, contact=contact),
        reminder=Reminder.objects.create(
            recipient=seller, kind=Reminder.Kind.NEXT_STEP, cause=f"activity:{activity.pk}", day=today,
            activity=activity, customer=customer, due_on=activity.next_step_due,
        ),
        training=training,
        team_target=team_target,
        statement=statement,
        scorecard=Scorecard.objects.create(subject=Scorecard.Subject.REP, subject_id=seller.pk,
                                           period=Scorecard.Period.QUARTER, period_start=date(YEAR, 10, 1),
                                           period_end=date(YEAR, 12, 31), team_id_at_time=seller.team_id),
        other_team=frozenset(other_team),
        peers=frozenset(peers),
    )


@pytest.fixture
def world(cast) -> World:
    plan = IncentivePlanFactory(year=YEAR, quarter=QUARTER, created_by=cast.director)
    return World(
        sides={
            "A": _side(cast, "rep", plan, other_team={"other_manager", "other_rep"}, peers={"account_manager"}),
            "B": _side(cast, "other_rep", plan, other_team={"manager", "rep", "account_manager"}, peers=set()),
        },
        department=cast.director.department,
        commodity=CommodityFactory(),
        port=PortFactory(),
        lost_reason=LostReason.objects.create(name="Price too high", name_zh="价格太高"),
        specification=coal_nar_5500(),
        tier_policy=TierPolicy.objects.get(tier="high"),
        research=MarketResearchFactory(author=cast.marketing),
        scorecard_run=ScorecardRun.objects.create(
            period_start=date(YEAR, 10, 1), requested_by=cast.director, finished_at=timezone.now(), progress=100
        ),
        repricing=Repricing.objects.create(currency="USD", total=10, done=10, requested_by=cast.director,
                                           finished_at=timezone.now()),
        plan=plan,
        plan_run=PlanRun.objects.create(plan=plan, requested_by=cast.director, finished_at=timezone.now(),
                                        progress=100),
        import_job=ImportJob.objects.create(owner=cast.director, file_name="customers.csv",
                                            status=ImportJob.Status.CHECKED,
                                            expires_at=timezone.now() + timedelta(hours=1)),
        people=[cast.by_role(role) for role in ROLES if role != "anonymous"],
    )


@dataclass(frozen=True)
class Visit:
    pattern: Pattern
    url: str
    # Whose records fill the URL: "A" or "B", one team's; "A+B", a record of team A's with one of team
    # B's under it (team B's contact through team A's customer), which no one may reach; "" for none.
    scope: str
    outsiders: frozenset[str]  # the roles who must be refused

    def __str__(self) -> str:
        first, _, second = self.scope.partition("+")
        whose = f", team {first}'s record" + (f" with team {second}'s" if second else "") if first else ""
        return f"{self.url} ({self.pattern.name}{whose})"


def _scopes(scoped: list[str]) -> list[tuple[str, dict[str, str]]]:
    """Each way to fill the scoped arguments: (the `Visit.scope`, the side filling each argument)."""
    if not scoped:
        return [("", {})]
    scopes = [(side, dict.fromkeys(scoped, side)) for side in "AB"]
    if len(scoped) > 1:
        first, rest = scoped[0], scoped[1:]
        scopes += [(f"{one}+{other}", {first: one, **dict.fromkeys(rest, other)}) for one, other in ("AB", "BA")]
    return scopes


def _values(fill, world: World, side: str | None) -> tuple:
    if isinstance(fill, Scoped):
        return (getattr(world.sides[side], fill.record).pk,)
    if isinstance(fill, Shared):
        return (getattr(getattr(world, fill.record), fill.field),)
    return fill if isinstance(fill, tuple) else (fill,)


def visits(world: World) -> list[Visit]:
    found = []
    for pattern in url_patterns():
        if problems := unfillable(pattern):
            pytest.fail("The walk cannot open a new URL:\n" + "\n".join(problems))
        fills = {kwarg: URL_KWARGS[pattern.key_for(kwarg)] for kwarg in pattern.kwargs}
        scoped = [kwarg for kwarg, fill in fills.items() if isinstance(fill, Scoped)]
        for scope, sides in _scopes(scoped):
            if "+" in scope:
                outsiders = frozenset(ROLES)
            elif scope and all(fills[k].personal for k in scoped):
                outsiders = frozenset(ROLES) - {world.sides[scope].seller_role}
            elif scope:
                side = world.sides[scope]
                outsiders = side.other_team | (frozenset() if all(fills[k].team_wide for k in scoped) else side.peers)
            else:
                outsiders = frozenset()
            choices = [_values(fill, world, sides.get(kwarg)) for kwarg, fill in fills.items()]
            for values in itertools.product(*choices):
                url = reverse(pattern.name, kwargs=dict(zip(fills, values, strict=True)))
                # Two patterns may share a name (a page with and without its argument): open the one meant.
                assert resolve(url).route == pattern.route, f"{url} opens {resolve(url).route!r}, not {pattern.route!r}"
                found.append(Visit(pattern, url, scope, outsiders))
    return found


# --- What a request may change: nothing, when it is refused ----------------------------------------

# Written by signing in, whoever may use the page.
NOT_FINGERPRINTED_TABLES = {"django_session"}
NOT_FINGERPRINTED_FIELDS = {"last_login"}


def snapshot(world: World) -> dict:
    """Every table's row count and every field of the world's records: one query a model."""
    tables = [
        name for name in connection.introspection.django_table_names(only_existing=True)
        if name not in NOT_FINGERPRINTED_TABLES and not name.startswith("axes_")
    ]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(name)})" for name in tables))
        state = {f"rows in {name}": count for name, count in zip(tables, cursor.fetchone(), strict=True)}
    by_model: dict[type[models.Model], list[int]] = {}
    for record in world.records():
        by_model.setdefault(type(record), []).append(record.pk)
    for model, pks in by_model.items():
        for row in model._base_manager.filter(pk__in=pks).values():
            key = f"{model._meta.label}#{row[model._meta.pk.attname]}"
            state |= {f"{key}.{name}": value for name, value in row.items() if name not in NOT_FINGERPRINTED_FIELDS}
    return state


def changes(before: dict, after: dict) -> list[str]:
    return [f"{key}: {before.get(key)!r} -> {after.get(key)!r}"
            for key in sorted(before.keys() | after.keys()) if before.get(key) != after.get(key)]


def rows_written() -> int | None:
    """Rows this connection has inserted, updated or deleted so far, where the database counts them.

    One query instead of a snapshot, so that every refused request can be checked: the snapshot is
    taken only when something was written (a session, or a real change)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT total_changes()")
        elif connection.vendor == "postgresql":
            # Counts attempted writes of the running transaction, rolled-back savepoints included.
            cursor.execute("SELECT COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_all_tables")
        else:
            return None
        return cursor.fetchone()[0]


# --- The walk ---------------------------------------------------------------------------------------


def _to_sign_in(response) -> bool:
    return response.status_code == FOUND and response["Location"].startswith(reverse("accounts:login"))


def _refused(response) -> bool:
    return response.status_code in (FORBIDDEN, MISSING, NOT_ALLOWED) or _to_sign_in(response)


def _wrong_answer(role: str, visit: Visit, method: str, response) -> list[str]:
    status = response.status_code
    shown = f"{status} {response.get('Location', '')}".strip()
    if visit.pattern.name in BY_TOKEN:
        return [] if status in (MISSING, NOT_ALLOWED) else [f"an unknown token answered {shown}"]
    if role == "anonymous":
        if visit.pattern.name in PUBLIC:
            return [] if status in (OK, FOUND, NOT_ALLOWED) else [f"a public page answered {shown}"]
        if _to_sign_in(response) or status == NOT_ALLOWED:
            return []
        if visit.pattern.name.split(":")[0] in API_NAMESPACES and status == UNAUTHORIZED:
            return []
        return [f"answered {shown} where an anonymous visitor must be sent to sign in"]
    wrong = []
    api = visit.pattern.name.split(":")[0] in API_NAMESPACES
    # An API write answers an empty POST 400 with what is missing, where a page shows its form again.
    if status not in SIGNED_IN_ANSWERS and not (status == BAD_REQUEST and api and method == "post"):
        wrong.append(f"answered {shown}")
    if role in visit.outsiders:
        # A read-only API endpoint refuses a POST before it looks the record up: 405 tells nothing.
        allowed = (FORBIDDEN, MISSING, NOT_ALLOWED) if method == "get" or api else (FORBIDDEN, MISSING)
        if status not in allowed:
            wrong.append(f"answered {shown} outside the user's scope (must be 404, or 403)")
    elif role == "director" and method == "get" and status in (FORBIDDEN, MISSING):
        wrong.append(f"answered {status} to the director, who sees every record: does URL_KWARGS fill it with "
                     "the right record? (A record personal to its seller would need its own rule here.)")
    return wrong


def _open(client, role: str, visit: Visit, method: str, world: World, pristine: dict) -> list[str]:
    where = f"{method.upper()} {visit} as {role}"
    with transaction.atomic():
        written = rows_written()
        try:
            response = getattr(client, method)(visit.url)
        except Exception as error:  # noqa: BLE001 -- any exception is a 500 in production: report it, walk on
            transaction.set_rollback(True)
            return [f"{where}: raised {type(error).__name__}: {error}"]
        wrong = [f"{where}: {problem}" for problem in _wrong_answer(role, visit, method, response)]
        wrote = written is None or rows_written() != written
        if _refused(response) and wrote and (changed := changes(pristine, snapshot(world))):
            wrong.append(f"{where}: refused with {response.status_code} but changed " + "; ".join(changed))
        transaction.set_rollback(True)  # the next request meets the same world
    return wrong


def _session_of(client) -> str | None:
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    return cookie.value if cookie else None


@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_every_position_as_the_policy_allows(client, caplog, cast, world, role):
    caplog.set_level(logging.ERROR, logger="django.request")  # hundreds of expected 403/404/405 warnings
    user = cast.by_role(role)
    if user is not None:
        client.force_login(user)
    session = _session_of(client)
    pristine = snapshot(world)
    wrong = []
    for visit in visits(world):
        for method in ("get", "post"):
            wrong += _open(client, role, visit, method, world, pristine)
            if user is not None and _session_of(client) != session:  # the visit signed out (logout)
                client.force_login(user)
                session = _session_of(client)
    assert not wrong, f"{len(wrong)} wrong answers as {role}:\n" + "\n".join(wrong)


# --- The walk's own upkeep ----------------------------------------------------------------------------


def test_every_url_pattern_can_be_filled():
    problems = [problem for pattern in url_patterns() for problem in unfillable(pattern)]
    assert not problems, "The walk cannot open these URLs:\n" + "\n".join(problems)


def test_every_line_of_url_kwargs_fills_some_url():
    used = {pattern.key_for(kwarg) for pattern in url_patterns() for kwarg in pattern.kwargs}
    assert set(URL_KWARGS) <= used, f"Lines of URL_KWARGS that fill no URL any more: {set(URL_KWARGS) - used}"


def test_the_walk_finds_the_pages_of_every_app():
    names = {pattern.name for pattern in url_patterns()}
    namespaces = {name.rpartition(":")[0] for name in names}
    assert {"accounts", "org", "training", "customers", "complaints", "deals", "laycans", "pipeline_settings",
            "activities", "research", "reminders", "search", "targets", "dashboards", "scorecards",
            "incentives"} <= namespaces
    assert "home" in names and not names & NOT_WALKED


# --- The pages not walked: the admin and the health check -------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_admin_sends_every_position_to_its_own_sign_in(client, cast, role):
    """No position is staff: the admin is IT's, and every one of its pages asks for a staff sign-in."""
    user = cast.by_role(role)
    if user is not None:
        client.force_login(user)
    pages = [reverse("admin:index")] + [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist") for model in admin.site._registry
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == FOUND, f"{page} as {role}"
        assert response["Location"].startswith(reverse("admin:login")), f"{page} as {role}"


@pytest.mark.parametrize("role", ROLES)
def test_healthz_answers_everyone(client, cast, role):
    user = cast.by_role(role)
    if user is not None:
        client.force_login(user)
    assert client.get(reverse("healthz")).status_code == OK
