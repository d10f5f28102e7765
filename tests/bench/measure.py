"""In-process measurements of one database for `make bench` (run by tests/bench/run.py, one process per size,
with DATABASE_URL and REDIS_URL already pointing at that size's database).

    python tests/bench/measure.py recompute --out FILE   # time the recomputation of the current quarter
    python tests/bench/measure.py queries --out FILE     # SQL queries per page and per API list, alone
    python tests/bench/measure.py search --out FILE      # the search box's median time, as the director
    python tests/bench/measure.py plan --out FILE        # the paths of the load and capacity tests
    python tests/bench/measure.py page --user rep1 --path /customers/ [--repeat 20] --out FILE
                                                         # one page's median time, its SQL's and its Python
                                                         # calls, to compare a change with the code before
                                                         # it (git stash); and apart, its time split into
                                                         # SQL, compiling SQL, rendering and the rest
    python tests/bench/measure.py sweep [--repeat 20] --out FILE
                                                         # every page without an id in its address as each
                                                         # position, the slowest listed: what grows with data

Every output also holds the numbers of rows ("rows"). Not a test: nothing here is collected by pytest (no
test_*.py), and it only reads the database, except `recompute`, which writes the current quarter's
scorecards exactly as the scheduled task does, and `queries`, which makes an API token for rep1 and one for
the director and deletes them when done.
"""

import argparse
import cProfile
import datetime
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bulksales.settings")

import django

django.setup()

from django.db import connection
from django.db.models import Count, Exists, OuterRef
from django.db.models.sql.compiler import SQLAggregateCompiler, SQLCompiler
from django.template.base import Template
from django.template.context import Context
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.models import User
from customers import selectors as customer_selectors
from customers.models import Complaint, SatisfactionSurvey
from pipeline import selectors as pipeline_selectors
from pipeline.execution.selectors import shipments_visible_to
from pipeline.models import Outcome, Stage
from pipeline.receivables.selectors import invoices_visible_to
from pipeline.views.deals import BOARD_CARDS, CARD_ORDER, column_after
from targets.incentives.selectors import statements_visible_to
from tests.test_url_walk import url_patterns

# Who does what in the load test. Each locust user signs in as one of these, in order (see locustfile.py);
# the rows of the report, with the user each row's query count is measured as.
ROSTER = {
    "rep": [f"rep{n}" for n in range(1, 13)],
    "account_manager": ["am1", "am2", "am3"],
    "manager": ["manager1", "manager2", "manager3"],
    "director": ["director"],
}
# (row name, user whose query count is reported, page kind)
ROWS = [
    ("customers list", "rep1", "customers_list"),
    ("deals list (filtered)", "rep1", "deals_list"),
    ("customer page", "rep1", "customer"),
    # The customer page's other tabs (2026-12-03: the page was one column of every card; now an overview and
    # these, each its own address).
    ("customer page: complaints and satisfaction", "rep1", "customer_service"),
    ("customer page: invoices and payments", "rep1", "customer_receivables"),
    ("customer page: history", "rep1", "customer_history"),
    ("deal page", "rep1", "deal"),
    ("rep dashboard", "rep1", "rep_dashboard"),
    ("board", "manager1", "board"),
    # A column's next cards (2026-12-04: the board drew 30 a column, 120 for a manager; now 15 and "Show more").
    ("board: show more", "manager1", "board_more"),
    # The director's: every open deal of the organisation summed by person and stage (its query reads the 146,000
    # deals on the board from an index alone), which the load test's director opens too.
    ("board (director)", "director", "board"),
    ("deals list (filtered, manager)", "manager1", "deals_list"),
    ("team dashboard", "manager1", "team_dashboard"),
    # Its other tabs (2026-12-04: the page was one column of everything, 43 ms alone at the large size).
    ("team dashboard: pipeline and visits", "manager1", "team_dashboard_pipeline"),
    ("team dashboard: open items", "manager1", "team_dashboard_open-items"),
    ("customers list (director)", "director", "customers_list"),
    ("deals list (filtered, director)", "director", "deals_list"),
    ("director dashboard", "director", "director_dashboard"),
    ("search 煤 (director)", "director", "search"),
    # The pages of later issues, as who uses them: every seller opens a contract's shipments and invoices, and
    # their own commission statements; a manager submits the team's, the director approves everyone's.
    ("shipment page", "rep1", "shipment"),
    ("invoice page", "rep1", "invoice"),
    ("commission statements", "rep1", "statements"),
    ("commission statement", "rep1", "statement"),
    ("commission statements (manager)", "manager1", "statements"),
    ("commission statements (director)", "director", "statements"),
    # Found slow at the large size by opening every page as each position (2026-12-02): the visits list counted
    # all million activities, the laycan calendar drew every contract of the month, the forms listed every
    # customer, deal or piece of research in their drop-downs.
    ("activity list", "rep1", "activities_list"),
    ("activity list (manager)", "manager1", "activities_list"),
    ("activity list (director)", "director", "activities_list"),
    ("laycan calendar (manager)", "manager1", "laycans"),
    ("laycan calendar (director)", "director", "laycans"),
    ("new deal", "rep1", "deal_new"),
    ("record a complaint (customer service)", "service1", "complaint_new"),
    ("new coaching note (director)", "director", "coaching_new"),
    # Found slow by the same sweep (2026-12-03): the reminders the bell leads to, which everyone opens daily.
    ("reminders", "rep1", "reminders"),
    ("reminders (manager)", "manager1", "reminders"),
]
# Detail pages whose records a size may lack (a seed without them): their row says so instead of failing.
OPTIONAL_KINDS = {"shipment", "invoice", "statement"}
# The API's list endpoints (bulksales/api/urls.py), first page at the default page size, with a token of
# each of these users.
API_LISTS = [("customers", "api:customer-list"), ("deals", "api:deal-list"), ("activities", "api:activity-list"),
             ("reminders", "api:reminder-list"), ("scorecards", "api:scorecard-list"),
             ("shipments", "api:shipment-list"), ("letters of credit", "api:letter_of_credit-list"),
             ("invoices", "api:invoice-list"), ("payments", "api:payment-list")]
API_USERS = ["rep1", "director"]
# The capacity test's user (run.py): 20 clients signed in as this rep, on the rep's own records.
CAPACITY_USER = "rep1"
# The pages each role opens in the load test, with their weights (how often, relative to each other), and
# the row name they are reported under.
ROLE_PAGES = {
    "rep": [("rep dashboard", "rep_dashboard", 2), ("customers list", "customers_list", 3),
            ("deals list (filtered)", "deals_list", 3), ("customer page", "customer", 4), ("deal page", "deal", 4),
            ("customer page: complaints and satisfaction", "customer_service", 1),
            ("customer page: invoices and payments", "customer_receivables", 1)],
    "account_manager": [("rep dashboard", "rep_dashboard", 2), ("customers list", "customers_list", 3),
                        ("deals list (filtered)", "deals_list", 2), ("customer page", "customer", 4),
                        ("deal page", "deal", 3)],
    "manager": [("team dashboard", "team_dashboard", 2),
                ("team dashboard: pipeline and visits", "team_dashboard_pipeline", 1),
                ("team dashboard: open items", "team_dashboard_open-items", 1), ("board", "board", 3),
                ("deals list (filtered, manager)", "deals_list", 2), ("customer page", "customer", 2),
                ("deal page", "deal", 2)],
    "director": [("director dashboard", "director_dashboard", 3), ("board", "board", 1),
                 ("customers list (director)", "customers_list", 2),
                 ("deals list (filtered, director)", "deals_list", 2)],
}
DETAIL_CHOICES = 25  # customers and deals each locust user cycles through


def _user(username: str) -> User:
    try:
        return User.objects.select_related("team").get(username=username, is_active=True)
    except User.DoesNotExist:
        sys.exit(f"bench: the seeded database has no active user {username!r}: is it seeded by seed_demo?")


def _busiest(queryset, related: str, limit: int) -> list[int]:
    """Deterministic picks among what the user sees: the records with the most `related` rows, then by pk."""
    return list(queryset.annotate(n=Count(related)).order_by("-n", "pk").values_list("pk", flat=True)[:limit])


def _deal_filters(user: User) -> dict[str, str]:
    """Realistic filters of the deal list, as each position uses them; values picked among the user's own deals
    (the most common commodity and stage of what they see), so the filter finds something at every size."""
    deals = pipeline_selectors.deals_visible_to(user).filter(outcome=Outcome.OPEN)
    commodity = (deals.exclude(commodity=None).values("commodity").annotate(n=Count("pk"))
                 .order_by("-n", "commodity").values_list("commodity", flat=True).first())
    params = {"outcome": Outcome.OPEN}
    if user.is_manager:
        # A manager looks at one rep's deals in negotiation, biggest first.
        rep = (deals.filter(owner__team__manager=user).values("owner").annotate(n=Count("pk"))
               .order_by("-n", "owner").values_list("owner", flat=True).first())
        params |= {"stage": Stage.NEGOTIATION, "sort": "-amount"}
        if rep:
            params["owner"] = str(rep)
    elif access.sees_everyone(user):
        # The director: one team's deals in one commodity, biggest first.
        team = (deals.exclude(owner__team=None).values("owner__team").annotate(n=Count("pk"))
                .order_by("-n", "owner__team").values_list("owner__team", flat=True).first())
        params |= {"sort": "-amount"}
        if team:
            params["team"] = str(team)
        if commodity:
            params["commodity"] = str(commodity)
    else:
        # A rep: their own deals of their main commodity, by laycan.
        params |= {"owner": str(user.pk), "sort": "laycan"}
        if commodity:
            params["commodity"] = str(commodity)
    return params


def _query_string(params: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return "?" + urlencode(params) if params else ""


def _customers(user: User, limit: int) -> list[int]:
    # Customers with surveys and complaints first (the page queries their lists only when there are some), so
    # the page has the same shape at every size; then the most deals.
    return list(
        customer_selectors.customers_visible_to(user)
        .annotate(has_surveys=Exists(SatisfactionSurvey.objects.filter(customer=OuterRef("pk"))),
                  has_complaints=Exists(Complaint.objects.filter(customer=OuterRef("pk"))), n=Count("deals"))
        .order_by("-has_surveys", "-has_complaints", "-n", "pk").values_list("pk", flat=True)[:limit])


def _first_team(user: User) -> int:
    """The team a manager's dashboard opens on: the first by name of those they see."""
    return access.teams_visible_to(user).order_by("name").values_list("pk", flat=True)[0]


def pages_for(user: User, limit: int = DETAIL_CHOICES, kinds: set[str] | None = None) -> dict[str, list[str]]:
    """Each page kind (or only `kinds`) as paths for this user (detail pages: several records, the first one
    is the canonical)."""
    finders = {
        "customers_list": lambda: [reverse("customers:list")],
        "deals_list": lambda: [reverse("deals:list") + _query_string(_deal_filters(user))],
        "board": lambda: [reverse("deals:board")],
        "board_more": lambda: [reverse("deals:board_column", args=[Stage.NEGOTIATION]) + "?" + column_after(
            pipeline_selectors.deals_visible_to(user).filter(stage=Stage.NEGOTIATION, outcome=Outcome.OPEN)
            .order_by(*CARD_ORDER)[BOARD_CARDS - 1])],
        "customer": lambda: [reverse("customers:detail", args=[pk]) for pk in _customers(user, limit)],
        **{f"customer_{tab}": (lambda tab=tab: [reverse("customers:section", args=[pk, tab])
                                                for pk in _customers(user, limit)])
           for tab in ("service", "receivables", "history")},
        # Open deals: their page shows every form (move, lose), so the same shape of page at every size.
        "deal": lambda: [reverse("deals:detail", args=[pk]) for pk in _busiest(
            pipeline_selectors.deals_visible_to(user).filter(outcome=Outcome.OPEN), "activities", limit)],
        "rep_dashboard": lambda: [reverse("dashboards:rep")],
        "team_dashboard": lambda: [reverse("dashboards:manager")],
        **{f"team_dashboard_{tab}": (lambda tab=tab: [reverse("dashboards:manager", args=[_first_team(user), tab])])
           for tab in ("pipeline", "open-items")},
        "director_dashboard": lambda: [reverse("dashboards:director")],
        "search": lambda: [reverse("search:results") + _query_string({"q": "煤"})],
        # The records of later issues with the most behind them (assays, payments, lines): the fullest page.
        "shipment": lambda: [reverse("shipments:detail", args=[pk])
                             for pk in _busiest(shipments_visible_to(user), "assays", limit)],
        "invoice": lambda: [reverse("receivables:invoice", args=[pk])
                            for pk in _busiest(invoices_visible_to(user), "allocations", limit)],
        "statements": lambda: [reverse("incentives:statements")],
        "activities_list": lambda: [reverse("activities:list")],
        "laycans": lambda: [reverse("laycans:calendar")],
        "deal_new": lambda: [reverse("deals:create")],
        "complaint_new": lambda: [reverse("complaints:create")],
        "coaching_new": lambda: [reverse("coaching:create")],
        "reminders": lambda: [reverse("reminders:inbox")],
        "statement": lambda: [reverse("incentives:statement", args=[pk])
                              for pk in _busiest(statements_visible_to(user), "lines", limit)],
    }
    return {kind: find() for kind, find in finders.items() if kinds is None or kind in kinds}


ALONE_REPEATS = 5  # timed requests of each page alone; the fastest is reported


class SqlTimer:
    """The time a request's queries take, to the microsecond (a connection's execute wrapper):
    CaptureQueriesContext rounds each query to the millisecond, and most of a page's take less."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - began


class Breakdown:
    """Where a request's time goes besides its SQL: compiling querysets into SQL (the outermost
    `SQLCompiler.as_sql`, or `SQLAggregateCompiler.as_sql` for a count over a query) and rendering templates (the
    outermost `Template.render`, less the SQL and the compiling a template sets off, e.g. a queryset it iterates);
    the rest is the views' own Python, building querysets, the middleware. Its wrappers cost a little time
    themselves: `page_times` measures with them in a pass of its own, after the plain one."""

    def __init__(self) -> None:
        self.sql = SqlTimer()
        self.compiling = 0.0
        self.rendering = 0.0

    def __enter__(self) -> "Breakdown":
        breakdown, render = self, Template.render
        depth = {"compile": 0, "render": 0}

        def timed(compile_sql: Any) -> Any:
            def timed_compile(compiler: Any, *args: Any, **kwargs: Any) -> Any:
                if depth["compile"]:
                    return compile_sql(compiler, *args, **kwargs)
                depth["compile"] += 1
                began = time.perf_counter()
                try:
                    return compile_sql(compiler, *args, **kwargs)
                finally:
                    depth["compile"] -= 1
                    breakdown.compiling += time.perf_counter() - began
            return timed_compile

        def timed_render(template: Template, context: Any) -> Any:
            if depth["render"]:
                return render(template, context)
            depth["render"] += 1
            began, sql_before, compiling_before = time.perf_counter(), breakdown.sql.seconds, breakdown.compiling
            try:
                return render(template, context)
            finally:
                depth["render"] -= 1
                breakdown.rendering += (time.perf_counter() - began - (breakdown.sql.seconds - sql_before)
                                        - (breakdown.compiling - compiling_before))

        # A count over a grouped or sliced query (a page's total) is compiled by SQLAggregateCompiler's own as_sql.
        self._restore = (SQLCompiler.as_sql, SQLAggregateCompiler.as_sql, render)
        SQLCompiler.as_sql = timed(SQLCompiler.as_sql)  # type: ignore[method-assign]
        SQLAggregateCompiler.as_sql = timed(SQLAggregateCompiler.as_sql)  # type: ignore[method-assign]
        Template.render = timed_render  # type: ignore[method-assign]
        self._wrapper = connection.execute_wrapper(self.sql)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._wrapper.__exit__(*exc)
        SQLCompiler.as_sql, SQLAggregateCompiler.as_sql, Template.render = self._restore  # type: ignore[method-assign]


def split_times(client: Client, path: str, repeat: int) -> dict:
    """The median milliseconds of a request's SQL, compiling, rendering and the rest, over `repeat` GETs."""
    parts: dict[str, list[float]] = {"sql": [], "compiling": [], "rendering": [], "rest": []}
    for _attempt in range(repeat):
        with Breakdown() as breakdown:
            began = time.perf_counter()
            client.get(path)
            took = time.perf_counter() - began
        parts["sql"].append(breakdown.sql.seconds)
        parts["compiling"].append(breakdown.compiling)
        parts["rendering"].append(breakdown.rendering)
        parts["rest"].append(took - breakdown.sql.seconds - breakdown.compiling - breakdown.rendering)
    return {f"{part}_ms": round(statistics.median(values) * 1000, 1) for part, values in parts.items()}


def _timed_get(client: Client, path: str, **headers: str) -> tuple[float, float, list[dict], Any]:
    """One GET: its wall-clock milliseconds, its SQL's milliseconds, its queries and the response."""
    timer = SqlTimer()
    began = time.perf_counter()
    with connection.execute_wrapper(timer), CaptureQueriesContext(connection) as captured:
        response = client.get(path, **headers)
    return (time.perf_counter() - began) * 1000, timer.seconds * 1000, captured.captured_queries, response


def _client() -> Client:
    # The host the bench's settings allow (run.py's ALLOWED_HOSTS). Not setup_test_environment(): its
    # instrumented rendering signals every template rendered, which would count against the rest.
    return Client(raise_request_exception=False, HTTP_HOST="127.0.0.1")


def time_alone(client: Client, path: str, **headers: str) -> dict:
    """A page's queries and its time alone: the first request warms what is cached on first use
    (ContentTypes, the cache); the next ALONE_REPEATS are counted and timed, the fastest kept (on a shared
    machine a slower one measures the neighbours), with the time its SQL took: the rest is Python, mostly
    rendering, so a regression shows where it is. A failing answer is recorded (and fails the bench at the
    end), not raised: the other pages are still measured."""
    with CaptureQueriesContext(connection) as warm_up:
        first = client.get(path, **headers)
    first_queries = len(warm_up.captured_queries)
    timed = [_timed_get(client, path, **headers) for _attempt in range(ALONE_REPEATS)]
    took_ms, db_ms, queries, response = min(timed, key=lambda attempt: attempt[0])
    status = next((answer.status_code for answer in (first, *(attempt[3] for attempt in timed))
                   if answer.status_code != 200), 200)
    slowest = max(queries, key=lambda q: float(q["time"]), default=None)
    return {
        "path": path, "status": status, "queries": len(queries), "queries_first_request": first_queries,
        "ms": round(took_ms, 1),
        "db_ms": round(db_ms, 1),
        "other_ms": round(took_ms - db_ms, 1),
        "sql": [{"ms": round(float(query["time"]) * 1000, 1), "sql": query["sql"]} for query in queries],
        "slowest_sql": slowest["sql"] if slowest else "", "slowest_ms": round(float(slowest["time"]) * 1000, 1)
        if slowest else 0.0, "bytes": len(response.content), "python_calls": python_calls(client, path, **headers),
    }


def count_queries() -> list[dict]:
    results = []
    clients: dict[str, Client] = {}
    for row, username, kind in ROWS:
        user = _user(username)
        paths = pages_for(user, limit=1, kinds={kind})[kind]
        if not paths and kind in OPTIONAL_KINDS:
            results.append({"row": row, "user": username, "path": None, "status": None, "queries": None,
                            "missing": f"{username} sees no record of this kind"})
            continue
        if not paths:
            sys.exit(f"bench: {username} sees no record for {row!r}: the database looks empty.")
        client = clients.get(username)
        if client is None:
            client = clients[username] = _client()
            client.force_login(user)
        measured = time_alone(client, paths[0])
        if kind == "statements" and not statements_visible_to(user).exists():
            # A seed without commission statements: the list renders without its rows' queries.
            measured["note"] = f"{username} sees no commission statement: the list is empty"
        if measured["status"] != 200:
            print(f"bench: GET {paths[0]} as {username} answered {measured['status']}, not 200.", file=sys.stderr)
        results.append({"row": row, "user": username, **measured})
    return results


def api_queries() -> list[dict]:
    """The API's list endpoints as pages: the first page at the default page size, each user with a token of
    their own (made here, deleted when done) and no session, as a script calls it."""
    from bulksales.api.models import ApiToken
    from bulksales.api.tokens import token_create

    keys, made = {}, []
    try:
        for username in API_USERS:
            token, keys[username] = token_create(user=_user(username), name="make bench")
            made.append(token.pk)
        client = _client()
        results = []
        for name, url_name in API_LISTS:
            for username in API_USERS:
                path = reverse(url_name)
                measured = time_alone(client, path, HTTP_AUTHORIZATION=f"Bearer {keys[username]}")
                if measured["status"] != 200:
                    print(f"bench: GET {path} as {username} answered {measured['status']}, not 200.",
                          file=sys.stderr)
                results.append({"row": f"API {name}", "user": username, **measured})
        return results
    finally:
        ApiToken.objects.filter(pk__in=made).delete()


def capacity_pages() -> list[list[str]]:
    """The capacity test's pages (issue 17), as CAPACITY_USER on the rep's own records: the open deals, the
    deal list searched for a grade, the customer list, and the deal and customer of the "alone" rows."""
    pages = pages_for(_user(CAPACITY_USER), limit=1, kinds={"customers_list", "deal", "customer"})
    deals = reverse("deals:list")
    return [["deals list (open)", deals + _query_string({"outcome": Outcome.OPEN})],
            ["deals list (q=NAR)", deals + _query_string({"q": "NAR"})],
            ["customers list", pages["customers_list"][0]],
            ["deal page", pages["deal"][0]],
            ["customer page", pages["customer"][0]]]


def locust_plan() -> dict:
    """What locustfile.py needs: for each role, its users and for each user the paths of each page it opens."""
    plan = {"roster": ROSTER, "role_pages": ROLE_PAGES, "users": {},
            "capacity": {"user": CAPACITY_USER, "pages": capacity_pages()}}
    for role, usernames in ROSTER.items():
        kinds = {kind for _row, kind, _weight in ROLE_PAGES[role]}
        for username in usernames:
            plan["users"][username] = pages_for(_user(username), kinds=kinds)
    return plan


def recompute() -> dict:
    from targets.models import ScorecardRun
    from targets.periods import quarter_start
    from targets.scorecards import recompute_run

    start = quarter_start(timezone.localdate())
    now = timezone.now()
    # An unfinished run of the quarter (a crashed earlier bench, a worker mid-run) would block the claim.
    ScorecardRun.objects.filter(period_start=start, finished_at__isnull=True).update(
        finished_at=now, error="abandoned (bench)")
    director = User.objects.filter(username="director").first()
    runs = []
    for _repeat in range(RECOMPUTE_REPEATS):
        run = ScorecardRun.objects.create(period_start=start, requested_by=director)
        began = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            written = recompute_run(run_id=run.pk)
        seconds = time.perf_counter() - began
        run.refresh_from_db()
        if run.error:
            sys.exit(f"bench: the recompute failed: {run.error}")
        runs.append((seconds, written, captured.captured_queries))
    # The first run reads the quarter's rows into PostgreSQL's buffers; the median is the job on a database in
    # use, as the pages' "alone" times are after a warm-up. Both are reported.
    seconds, written, captured_queries = sorted(runs, key=lambda run: run[0])[len(runs) // 2]
    queries = sorted(({"ms": round(float(query["time"]) * 1000, 1), "sql": query["sql"]}
                      for query in captured_queries), key=lambda query: -query["ms"])
    return {"seconds": round(seconds, 2), "first_seconds": round(runs[0][0], 2), "scorecards": written,
            "period_start": start.isoformat(), "queries": len(queries),
            "db_seconds": round(sum(query["ms"] for query in queries) / 1000, 2),
            "slowest": queries[:10], "after_signing": refresh_after_signing()}


RECOMPUTE_REPEATS = 3  # whole recomputes, one after the other (each writes the same rows); the median is the figure


REFRESH_REPEATS = 3  # timed refreshes; the median is reported


def refresh_after_signing() -> dict:
    """The refresh a signing today enqueues (targets.scorecards.refresh_soon): a real open deal in negotiation
    signed by its owner, then the refresh of the running month's and quarter's scorecards of the people it
    concerns (its seller, second seller and customer's owner), their teams' and department's, and of every row
    whose score or rank moved with them. Timed in-process REFRESH_REPEATS times, the median reported; each
    signing and its refresh are rolled back, so the database keeps what the recompute wrote."""
    from django.db import transaction

    from pipeline import services
    from pipeline.models import Deal
    from targets.models import ScorecardRefresh
    from targets.scorecards import periods_touched, refresh_run

    today = timezone.localdate()
    periods = [[period, start.isoformat()] for period, start in periods_touched([today], today)]
    deal = (Deal.objects.filter(outcome=Outcome.OPEN, stage=Stage.NEGOTIATION, owner__is_active=True,
                                owner__team__isnull=False).select_related("owner").order_by("pk").first())
    if deal is None:
        sys.exit("bench: no open deal in negotiation to sign")
    times, written, people = [], 0, 0
    for _repeat in range(REFRESH_REPEATS):
        with transaction.atomic():
            terms = Deal.objects.get(pk=deal.pk)
            services.deal_sign(deal=terms, terms=Deal.objects.get(pk=deal.pk), contract_number=f"BENCH-{deal.pk}",
                               signed_on=today, by=deal.owner, expected_version=terms.version)
            people = ScorecardRefresh.objects.values("person").distinct().count()
            began = time.perf_counter()
            written = refresh_run(periods)
            times.append(time.perf_counter() - began)
            transaction.set_rollback(True)  # nor is the refresh enqueued: it is sent only on commit
    return {"seconds": round(sorted(times)[len(times) // 2], 3), "scorecards": written,
            "periods": [period for period, _start in periods], "people": people}


SEARCH_REPEATS = 15  # timed requests of each search; the median is reported


def search_times() -> dict:
    """The search box as the director (who searches everything), for the texts the issue names: 煤 (one Chinese
    character), a grade (NAR), a contract number and a customer's short name; then the deal list's own search
    (which finds the commodity too, and counts every match for its pager) for 煤 and NAR. Each page timed
    SEARCH_REPEATS times in-process after a warm-up, the median reported with its SQL time."""
    from customers.models import Customer
    from pipeline.models import Deal

    director = _user("director")
    contract = (Deal.objects.exclude(contract_number="").order_by("pk")
                .values_list("contract_number", flat=True).first()) or "BS-"
    short_name = (Customer.objects.exclude(short_name="").order_by("pk")
                  .values_list("short_name", flat=True).first()) or "Coal"
    client = _client()
    client.force_login(director)
    results = []
    searches = [("search", "search:results", text) for text in ["煤", "NAR", contract, short_name]]
    searches += [("deal list", "deals:list", text) for text in ["煤", "NAR"]]
    for page, name, text in searches:
        path = reverse(name) + _query_string({"q": text})
        status = client.get(path).status_code
        took, db = [], []
        for _ in range(SEARCH_REPEATS):
            took_ms, db_ms, queries, response = _timed_get(client, path)
            took.append(took_ms)
            db.append(db_ms)
            status = status if status != 200 else response.status_code
        took.sort()
        db.sort()
        slowest = max(queries, key=lambda q: float(q["time"]), default=None)
        results.append({"page": page, "q": text, "path": path, "status": status,
                        "queries": len(queries),
                        "median_ms": round(took[len(took) // 2], 1), "db_median_ms": round(db[len(db) // 2], 1),
                        "slowest_sql": slowest["sql"] if slowest else "",
                        "slowest_ms": round(float(slowest["time"]) * 1000, 1) if slowest else 0.0})
    return {"searches": results}


def counts() -> dict:
    from customers.models import Customer
    from pipeline.models import Activity, Deal

    return {"users": User.objects.count(), "customers": Customer.objects.count(), "deals": Deal.objects.count(),
            "activities": Activity.objects.count()}


CALLS_COUNTED = 2  # requests whose Python calls are counted, after a page's timed ones


def python_calls(client: Client, path: str, **headers: str) -> int:
    """The Python function calls one request makes, counted under a profiler once the timed requests are done
    (it would slow them): the same from one run to the next whatever else the machine is doing, so a change's
    effect on Python's work shows, and two hosts' runs compare, where the clock cannot tell it from a neighbour's."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _attempt in range(CALLS_COUNTED):
        client.get(path, **headers)
    profiler.disable()
    return pstats.Stats(profiler).total_calls // CALLS_COUNTED


def page_times(username: str, path: str, repeat: int) -> dict:
    """One page as one user, `repeat` times after a warm-up: the median and fastest wall-clock time, the median
    time of its SQL, the fastest and median processor time of this process (Python's side of the request, which a
    neighbour on a shared host disturbs less than the clock), the Python calls it makes (which no neighbour
    disturbs), its queries. The before/after pairs of docs/benchmark.md's notes are measured so, one right after
    the other on the same machine: they compare code, where runs of `make bench` on a shared host differ by a
    fifth."""
    client = _client()
    client.force_login(_user(username))
    client.get(path)
    walls, sqls, processor, queries, status = [], [], [], 0, 200
    for _attempt in range(repeat):
        started = time.process_time()
        took_ms, db_ms, captured, response = _timed_get(client, path)
        processor.append((time.process_time() - started) * 1000)
        walls.append(took_ms)
        sqls.append(db_ms)
        queries, status = len(captured), response.status_code if status == 200 else status
    calls = python_calls(client, path)
    split = split_times(client, path, repeat)
    result = {"user": username, "path": path, "status": status, "repeat": repeat, "queries": queries,
              "median_ms": round(statistics.median(walls), 1), "fastest_ms": round(min(walls), 1),
              "sql_median_ms": round(statistics.median(sqls), 1),
              "processor_median_ms": round(statistics.median(processor), 1),
              "processor_fastest_ms": round(min(processor), 1), "python_calls": calls, "split": split}
    print(f"{path} as {username}: median {result['median_ms']} ms (fastest {result['fastest_ms']}), SQL "
          f"{result['sql_median_ms']} ms, processor {result['processor_median_ms']} ms (fastest "
          f"{result['processor_fastest_ms']}), {calls:,} Python calls, {queries} queries, status {status}; "
          f"apart, medians: SQL {split['sql_ms']} ms, compiling {split['compiling_ms']}, rendering "
          f"{split['rendering_ms']}, the rest {split['rest_ms']}")
    return result


# Who the sweep opens every page as: one of each position.
SWEEP_USERS = ["rep1", "am1", "manager1", "director", "service1", "analyst1"]
# Pages that only answer a form's post, stream a file or end the session: not opened by the sweep.
SWEEP_SKIPPED = ("logout", "export", "feed", "ics", "schema", "password", "language", "login", "bell", "template")


def _listed_routes() -> list[str]:
    """Every page whose address takes no record id, from the URL walk's patterns (tests/test_url_walk.py)."""
    return sorted({"/" + pattern.route for pattern in url_patterns()
                   if not pattern.kwargs and "^" not in pattern.route
                   and not any(word in pattern.route for word in SWEEP_SKIPPED)})


def sweep(slowest: int) -> dict:
    """Every page without a record id in its address, as each position that may open it (GET, fastest of three
    after a warm-up): the slowest of each. It found what the bench's fixed pages did not, pages listing something
    that grows with the data (2026-12-02: a laycan calendar of 25 s, forms of 20,000 customers)."""
    routes = _listed_routes()
    found = []
    for username in SWEEP_USERS:
        client = _client()
        client.force_login(_user(username))
        for path in routes:
            if client.get(path).status_code != 200:
                continue  # not theirs to open, or a form answering only a post
            walls = [_timed_get(client, path)[0] for _attempt in range(3)]
            response = client.get(path)
            found.append({"user": username, "path": path, "fastest_ms": round(min(walls), 1),
                          "kilobytes": round(len(response.content) / 1024)})
    found.sort(key=lambda page: -page["fastest_ms"])
    for page in found[:slowest]:
        print(f"{page['fastest_ms']:8.1f} ms {page['kilobytes']:6d} kB  {page['path']} as {page['user']}")
    return {"routes": len(routes), "opened": len(found), "slowest": found[:slowest]}


GAUGE_TEMPLATE = ("{% for row in rows %}<tr><td>{{ row.name|title }}</td><td>{{ row.amount|floatformat:2 }}</td>"
                  "<td>{% if row.flag %}{{ row.when|date:'Y-m-d' }}{% else %}–{% endif %}</td></tr>{% endfor %}")


def django_gauge() -> float:
    """Milliseconds Django itself takes for a fixed piece of a page's work, without the database or this
    project's code: building and compiling a query of its content types 300 times and rendering a fixed template
    of 2,000 rows, best of three. Beside run.py's CPU gauge (a tight loop of additions), which does not tell every
    host apart: an Intel host reading the same CPU gauge as an AMD one (50 and 51 ms) took about half as long
    again for most pages (docs/benchmark.md, 2026-12-05 late morning). Work like a page's (objects, dictionaries,
    strings) may follow the pages more closely; the reports from now on hold both."""
    from django.contrib.auth.models import Permission

    rows = [{"name": f"row {number}", "amount": number * 1.25, "flag": number % 2,
             "when": datetime.date(2026, 1, 1 + number % 28)} for number in range(2000)]
    template = Template(GAUGE_TEMPLATE)
    best = float("inf")
    for _attempt in range(3):
        began = time.perf_counter()
        for number in range(300):
            query = (Permission.objects.filter(content_type__app_label=f"app{number}", codename__startswith="view")
                     .select_related("content_type").order_by("name"))
            query.query.get_compiler(connection.alias).as_sql()
        template.render(Context({"rows": rows}))
        best = min(best, time.perf_counter() - began)
    return round(best * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["recompute", "queries", "search", "plan", "page", "sweep"])
    parser.add_argument("--out", required=True)
    parser.add_argument("--user", default="rep1", help="page: who opens it")
    parser.add_argument("--path", default="/customers/", help="page: what is opened")
    parser.add_argument("--repeat", type=int, default=20,
                        help="page: how many times, after a warm-up; sweep: how many of the slowest to list")
    args = parser.parse_args()
    if args.what == "page":
        Path(args.out).write_text(json.dumps(page_times(args.user, args.path, args.repeat), indent=1))
        return
    if args.what == "sweep":
        result = sweep(args.repeat)
    elif args.what == "recompute":
        result = recompute()
    elif args.what == "search":
        result = search_times()
    elif args.what == "plan":
        result = locust_plan()
    else:
        gauge = django_gauge()  # the host's speed just before the pages are timed
        result = {"pages": count_queries(), "api": api_queries(), "django_gauge_ms": gauge,
                  "database": connection.settings_dict["NAME"],
                  "postgres": connection.cursor().connection.server_version
                  if connection.vendor == "postgresql" else None}
    result["rows"] = counts()
    Path(args.out).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
