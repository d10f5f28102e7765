"""Heavy reads on a real PostgreSQL streaming replica (accounts/replica.py): the replica streams what the
primary commits; exports, the director's dashboard and the scorecards' aggregates are read there; a
person who has just written reads the primary; a replica that is down, or goes down during a read,
leaves every page answering from the primary.

Only CI's PostgreSQL pass runs it (.ci/replica starts the replica, DATABASE_REPLICA_URL names it);
elsewhere it is deselected (conftest.py). Replay is paused on the replica to tell which server a page
read: while paused, the primary has rows the replica has not."""

import contextlib
import datetime
from decimal import Decimal

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import replica
from accounts.replica import REPLICA, WROTE_COOKIE
from pipeline.models import Deal
from targets.kpis import compute_scorecards
from targets.models import Scorecard
from targets.periods import quarter_bounds, quarter_of

from .factories import CommodityFactory, CustomerFactory, DealFactory, ExchangeRateFactory
from .fullstack_support import Page, free_port, wait_until

# Committed, for the replica to receive; the serialized rollback brings back what the migrations seed.
pytestmark = [pytest.mark.replica,
              pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", REPLICA])]

DEALS_EXPORT = "/deals/list/export.csv"
DIRECTORS_DASHBOARD = "/dashboard/department/"


@pytest.fixture
def streaming_replica(settings):
    """The replica alias on the streaming replica, reading its copy of the test database (Django's test
    setup made the alias a mirror: another connection to the primary's test database)."""
    connection = connections[REPLICA]
    mirror = connection.settings_dict
    connection.close()
    streaming = settings.DATABASES[REPLICA] | {"NAME": connections["default"].settings_dict["NAME"]}
    connection.settings_dict = streaming
    assert wait_until(lambda: _in_recovery(connection), 30), "the replica has no copy of the test database"
    assert replica.caught_up(within=30)
    yield connection
    connection.close()
    connection.settings_dict = streaming  # a test may have pointed it elsewhere
    _run(connection, "SELECT pg_is_wal_replay_paused() AND pg_wal_replay_resume() IS NULL")
    connection.close()
    connection.settings_dict = mirror


def _run(connection, sql: str):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def _in_recovery(connection) -> bool:
    try:
        return _run(connection, "SELECT pg_is_in_recovery()")
    except Exception:  # the test database not yet replayed: no such database
        connection.close()
        return False


@contextlib.contextmanager
def replay_paused(connection):
    """The replica keeps receiving the primary's WAL but applies none of it."""
    _run(connection, "SELECT pg_wal_replay_pause()")
    assert wait_until(lambda: _run(connection, "SELECT pg_get_wal_replay_pause_state()") == "paused", 10)
    try:
        yield
    finally:
        _run(connection, "SELECT pg_wal_replay_resume()")


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)  # not a POST: the browser has written nothing yet
    return client


def _tables(queries) -> str:
    return " ".join(query["sql"] for query in queries)


def test_the_replica_streams_what_the_primary_commits(streaming_replica):
    customer = CustomerFactory(name="Qinhuangdao Port Power")
    assert _run(streaming_replica, "SELECT pg_is_in_recovery()") is True
    assert streaming_replica.settings_dict["PORT"] != connections["default"].settings_dict["PORT"]
    assert wait_until(lambda: customer.__class__.objects.using(REPLICA).filter(name=customer.name).exists(), 10)


def test_the_directors_dashboard_is_read_on_the_replica(cast, streaming_replica):
    director = _signed_in(cast.director)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica, \
            CaptureQueriesContext(connections["default"]) as on_primary:
        page = director.get(DIRECTORS_DASHBOARD)
    assert page.status_code == 200
    # The tier mix and the receivables' ageing (their tallies) come from the replica; the primary only knows who asks.
    assert "customers_customertally" in _tables(on_replica) and "receivables_owedtally" in _tables(on_replica)
    assert "customers_customertally" not in _tables(on_primary) and "receivables_owedtally" not in _tables(on_primary)


def test_an_export_right_after_a_write_reads_the_primary_and_the_others_read_the_replica(cast, streaming_replica):
    customer = CustomerFactory(owner=cast.rep, name="Rizhao Steel Co., Ltd.")
    coal = CommodityFactory()
    ExchangeRateFactory(valid_from=datetime.date(timezone.localdate().year - 1, 1, 1))
    assert replica.caught_up(within=10)
    rep, manager = _signed_in(cast.rep), _signed_in(cast.manager)
    assert "NAR 5800" not in manager.get(DEALS_EXPORT).content.decode()

    with replay_paused(streaming_replica):
        new_deal = f"/deals/new/?customer={customer.pk}"
        form = Page(f"http://testserver{new_deal}", 200, rep.get(new_deal).content.decode()).form("/deals/new/")
        fields: dict[str, list[str]] = {}
        for name, value in form.values(commodity=coal.pk, grade="NAR 5800", quantity_tonnes="60000",
                                        price_per_tonne="82", currency="USD"):
            fields.setdefault(name, []).append(value)
        saved = rep.post("/deals/new/", fields)
        assert saved.status_code == 302 and Deal.objects.filter(grade="NAR 5800").exists()
        assert saved.cookies[WROTE_COOKIE]["max-age"] == 10
        # The rep, who has just written, reads the primary: the new deal is in the file.
        assert "NAR 5800" in rep.get(DEALS_EXPORT).content.decode()
        # The manager, who has written nothing, reads the replica, which has not applied it yet.
        assert "NAR 5800" not in manager.get(DEALS_EXPORT).content.decode()

    assert replica.caught_up(within=10)
    assert "NAR 5800" in manager.get(DEALS_EXPORT).content.decode()


def test_a_replica_that_is_down_leaves_the_pages_on_the_primary(cast, streaming_replica):
    DealFactory(customer=CustomerFactory(owner=cast.rep), grade="NAR 5200")
    streaming_replica.close()
    streaming_replica.settings_dict = streaming_replica.settings_dict | {"PORT": str(free_port())}  # nothing there
    manager, director = _signed_in(cast.manager), _signed_in(cast.director)
    started = timezone.now()
    assert "NAR 5200" in manager.get(DEALS_EXPORT).content.decode()
    assert director.get(DIRECTORS_DASHBOARD).status_code == 200
    assert not replica.replica_usable()  # left alone a while, not asked on every page
    assert timezone.now() - started < datetime.timedelta(seconds=5)


def test_a_replica_lost_during_a_read_is_read_again_on_the_primary(cast, streaming_replica):
    DealFactory(customer=CustomerFactory(owner=cast.rep), grade="NAR 5300")
    assert replica.caught_up(within=10)
    assert replica.replica_usable()  # answered: trusted for the next few seconds
    streaming_replica.close()
    streaming_replica.settings_dict = streaming_replica.settings_dict | {"PORT": str(free_port())}
    export = _signed_in(cast.manager).get(DEALS_EXPORT)
    assert export.status_code == 200 and "NAR 5300" in export.content.decode()
    assert not replica.replica_usable()


def test_the_scorecards_aggregates_are_read_on_the_replica_once_it_has_caught_up(cast, streaming_replica):
    today = timezone.localdate()
    quarter_start = quarter_bounds(*quarter_of(today))[0]

    def rep_card() -> Scorecard:
        return Scorecard.objects.get(subject="rep", subject_id=cast.rep.pk, period="quarter",
                                     period_start=quarter_start)

    def sign(tonnes: str) -> None:
        DealFactory(customer=CustomerFactory(owner=cast.rep), stage="follow_up", outcome="won", signed_on=today,
                    quantity_tonnes=Decimal(tonnes), contract_number=f"RP-{tonnes}")

    sign("50000")
    with CaptureQueriesContext(streaming_replica) as on_replica:
        compute_scorecards(period="quarter", start=quarter_start)
    assert "pipeline_deal" in _tables(on_replica)
    assert rep_card().tonnage == Decimal("50000")

    with replay_paused(streaming_replica):
        sign("20000")
        # The replica cannot catch up: after a short wait the aggregates are read on the primary.
        with CaptureQueriesContext(streaming_replica) as on_replica:
            compute_scorecards(period="quarter", start=quarter_start)
        assert "pipeline_deal" not in _tables(on_replica)
        assert rep_card().tonnage == Decimal("70000")
