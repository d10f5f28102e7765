"""Heavy reads that tolerate a few seconds of lag (exports, the director's dashboard, the scorecards'
aggregates) on the PostgreSQL streaming replica of DATABASE_REPLICA_URL. Every write, every other read,
and every page of a browser that has just written go to the primary; so do the heavy reads whenever the
replica does not answer. Without a replica nothing changes (README: Scaling out)."""

import time
from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps
from typing import Any, ParamSpec, TypeVar, cast

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponseBase

REPLICA = "replica"
# Set on the answer to any write (POST…): for REPLICA_STICKY_SECONDS that browser's pages read the
# primary, so a person always sees what they have just done.
WROTE_COOKIE = "bulksales_wrote"
# A replica that answered is not asked again for this long; one that failed is left alone this long.
TRUSTED_SECONDS = 5.0
RETRY_SECONDS = 30.0
_FAILURES = (OperationalError, InterfaceError)

_reading_replica: ContextVar[bool] = ContextVar("reading_replica", default=False)
# Per process: monotonic times until which the replica is taken as up, or as down.
_health = {"up_until": 0.0, "down_until": 0.0}

T = TypeVar("T")
P = ParamSpec("P")


class ReplicaRouter:
    """Reads inside `on_replica` go to the replica; everything else, and every write, to the primary."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        return REPLICA if _reading_replica.get() else None

    def db_for_write(self, model: type, **hints: Any) -> str:
        # Also for an object that was read from the replica.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: object, obj2: object, **hints: Any) -> bool:
        return True  # the same rows on both

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == REPLICA else None  # the replica follows the primary's schema


def forget_health() -> None:
    """Ask the replica again on the next heavy read (tests)."""
    _health.update(up_until=0.0, down_until=0.0)


def _answers() -> bool:
    try:
        with connections[REPLICA].cursor() as cursor:  # connects if need be, within connect_timeout
            cursor.execute("SELECT 1")
        return True
    except _FAILURES:
        return False


def _mark_down() -> None:
    _health.update(up_until=0.0, down_until=time.monotonic() + RETRY_SECONDS)
    try:
        connections[REPLICA].close()
    except _FAILURES:
        pass  # already broken


def replica_usable() -> bool:
    """Whether heavy reads may go to the replica now: one is configured, and it answers."""
    if not settings.REPLICA_READS:
        return False
    now = time.monotonic()
    if now < _health["down_until"]:
        return False
    if now < _health["up_until"]:
        return True
    if not _answers():
        _mark_down()
        return False
    _health["up_until"] = now + TRUSTED_SECONDS
    return True


# On the replica: whether every transaction that had ended on the primary at its snapshot %(primary)s has
# ended here too (was replayed), i.e. is visible to a new query here. Transaction ids, not WAL positions:
# the primary's WAL position can stand past the last record the replica can replay, which an idle
# primary would never let it reach.
_REPLAYED = """
    SELECT NOT EXISTS (
        SELECT FROM generate_series(pg_snapshot_xmin(here)::text::bigint, pg_snapshot_xmax(primary_)::text::bigint - 1)
            AS xid
        WHERE pg_visible_in_snapshot(xid::text::xid8, primary_) AND NOT pg_visible_in_snapshot(xid::text::xid8, here))
    FROM pg_current_snapshot() AS here, CAST(%(primary)s AS pg_snapshot) AS primary_
"""


def caught_up(within: float) -> bool:
    """Whether the replica has replayed every transaction that had committed on the primary when asked,
    waiting at most `within` seconds for it."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_snapshot()::text")
        [snapshot] = cursor.fetchone()
    deadline = time.monotonic() + within
    with connections[REPLICA].cursor() as cursor:
        while True:
            cursor.execute(_REPLAYED, {"primary": snapshot})
            if cursor.fetchone()[0]:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)


def on_replica(read: Callable[[], T], *, caught_up_within: float | None = None) -> T:
    """`read()`, its queries on the replica when it is usable (and, given `caught_up_within`, once it has
    replayed every earlier commit, waiting that long at most), else on the primary. A read that fails
    on the way is done again on the primary, once: a reader gets a page, not an error."""
    if replica_usable():
        try:
            if caught_up_within is None or caught_up(caught_up_within):
                token = _reading_replica.set(True)
                try:
                    return read()
                finally:
                    _reading_replica.reset(token)
        except _FAILURES:
            if not _answers():
                _mark_down()
    return read()


def heavy_read(view: Callable[P, HttpResponseBase]) -> Callable[P, HttpResponseBase]:
    """A view served from the replica (see `on_replica`), except to a browser that has just written."""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        if WROTE_COOKIE in cast(HttpRequest, args[0]).COOKIES:
            return view(*args, **kwargs)
        return on_replica(lambda: view(*args, **kwargs))

    return wrapped


class RecentWriteMiddleware:
    """Mark a browser that has just written, so that its heavy pages read the primary a while."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if settings.REPLICA_READS and request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            response.set_cookie(WROTE_COOKIE, "1", max_age=settings.REPLICA_STICKY_SECONDS, httponly=True,
                                samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
        return response
