"""The fixed cast of the organisation tests: two teams, their people, and the other departments."""

import itertools
from dataclasses import dataclass

import pytest
from asgiref.local import Local

from accounts.models import Position, User

from .factories import CustomerFactory, DepartmentFactory, TeamFactory, UserFactory


@dataclass
class Cast:
    director: User
    manager: User  # manages team A
    rep: User  # in team A
    account_manager: User  # in team A
    other_manager: User  # manages team B
    other_rep: User  # in team B
    service: User
    marketing: User

    def by_role(self, role: str) -> User | None:
        return None if role == "anonymous" else getattr(self, role)


ROLES = [
    "anonymous", "director", "manager", "rep", "account_manager", "other_manager", "other_rep", "service", "marketing",
]


@pytest.fixture
def cast(db) -> Cast:
    sales = DepartmentFactory(name="Sales", name_zh="销售部")
    director = UserFactory(username="director", full_name="Director", position=Position.DIRECTOR, department=sales)
    manager = UserFactory(username="manager", full_name="Manager A", position=Position.MANAGER, department=sales)
    other_manager = UserFactory(username="manager_b", full_name="Manager B", position=Position.MANAGER,
                                department=sales)
    team_a = TeamFactory(name="Coal team", name_zh="煤炭组", department=sales, manager=manager)
    team_b = TeamFactory(name="Ore team", name_zh="铁矿石组", department=sales, manager=other_manager)
    return Cast(
        director=director,
        manager=manager,
        rep=UserFactory(username="rep", full_name="Rep A", team=team_a, department=sales),
        account_manager=UserFactory(
            username="am", full_name="AM A", position=Position.ACCOUNT_MANAGER, team=team_a, department=sales
        ),
        other_manager=other_manager,
        other_rep=UserFactory(username="rep_b", full_name="Rep B", team=team_b, department=sales),
        service=UserFactory(
            username="service",
            position=Position.CUSTOMER_SERVICE,
            department=DepartmentFactory(name="Customer Service", name_zh="客户服务部"),
        ),
        marketing=UserFactory(
            username="marketing",
            position=Position.MARKETING,
            department=DepartmentFactory(name="Marketing", name_zh="市场部"),
        ),
    )


@pytest.fixture
def customer(cast):
    """A customer of the rep in team A (a module may define its own `customer` instead)."""
    return CustomerFactory(owner=cast.rep, name="Rizhao Steel Co., Ltd.")


@pytest.fixture
def other_customer(cast):
    """A customer of the rep in team B."""
    return CustomerFactory(owner=cast.other_rep, name="Tangshan Power Plant")


@pytest.fixture
def client_as(client):
    """A test client signed in as the given user (or anonymous for None)."""

    def sign_in(user: User | None):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return sign_in


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Real hashing costs ~0.3 s a user; the suite creates hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def eager_celery():
    """Tasks run in the test's process; tests/test_worker.py uses a real worker instead."""
    from bulksales.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield app
    app.conf.task_always_eager = False


def pytest_sessionfinish(session, exitstatus):
    """In CI's PostgreSQL-and-Redis pass every service is there, so a skipped test is a failure."""
    import os

    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("BULKSALES_FORBID_SKIPS") and reporter and reporter.stats.get("skipped"):
        reporter.write_line("BULKSALES_FORBID_SKIPS: tests were skipped; failing the run.", red=True)
        session.exitstatus = 1
    if os.environ.get("BULKSALES_FORBID_SKIPS") and reporter and session.config.stash.get(_deselected, {}):
        reporter.write_line("BULKSALES_FORBID_SKIPS: tests were deselected for a missing service; failing the run.",
                            red=True)
        session.exitstatus = 1


# Tests that need PostgreSQL (and Redis) run where those are: CI's second pass. Elsewhere they are
# deselected, not skipped, and the summary says so in one line.
_NEEDS = {
    "full_stack": ("full-stack", "DATABASE_URL=postgres://… and REDIS_URL"),
    "postgres": ("PostgreSQL", "DATABASE_URL=postgres://…"),
    "replica": ("replica", "DATABASE_REPLICA_URL=postgres://… naming a streaming replica, see .ci/replica"),
}
_deselected = pytest.StashKey[dict]()


@pytest.hookimpl(tryfirst=True)  # before pytest-django sorts the tests by their use of the database
def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    for item in items:
        # A test on a shared seed asks for `db` itself, after the seed (see `seed_once_per_module`); said
        # here, it is sorted with the other `db` tests, before the transactional ones that flush the
        # migrations' data.
        if "shared_seed" in item.fixturenames and "db" not in item.fixturenames:
            item.fixturenames.append("db")

    postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    available = {"full_stack": postgres and bool(settings.REDIS_URL), "postgres": postgres,
                 "replica": "replica" in settings.DATABASES}
    kept, deselected, counts = [], [], {}
    for item in items:
        missing = next((name for name in _NEEDS if item.get_closest_marker(name) and not available[name]), None)
        if missing is None:
            kept.append(item)
        else:
            deselected.append(item)
            counts[missing] = counts.get(missing, 0) + 1
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept
    config.stash[_deselected] = counts


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    counts = config.stash.get(_deselected, {})
    if counts:
        kinds = " and ".join(f"{count} {_NEEDS[name][0]} test{'s' if count > 1 else ''} (need {_NEEDS[name][1]})"
                             for name, count in counts.items())
        terminalreporter.write_line(f"Deselected {kinds}: CI's second pass runs them.", yellow=True)


@pytest.fixture(autouse=True)
def language_of_the_test():
    """Each test starts in English: a request by a user who reads Chinese activates zh-hans for the
    thread (accounts.middleware), which would otherwise carry over into the next test's services."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


# Tests whose cache is read by another process (a real worker, the full stack) keep the configured one.
_REAL_CACHE_MARKERS = ("real_cache", "worker", "full_stack")
_cache_serial = itertools.count()


@pytest.fixture(autouse=True)
def fresh_caches(request, settings):
    """Every cache is a private in-memory store per test: the configured one (files, or Redis in CI's
    second pass) outlives tests and runs, and every test client asks from 127.0.0.1, which the throttle
    counts. A test marked real_cache (or worker, full_stack) keeps the configured default cache; its
    request counters stay private."""
    from django.core.cache import caches

    serial = next(_cache_serial)
    real = any(request.node.get_closest_marker(name) for name in _REAL_CACHE_MARKERS)
    names = ["throttle"] if real else list(settings.CACHES)
    settings.CACHES = settings.CACHES | {
        name: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"test-{serial}-{name}"}
        for name in names
    }
    caches.close_all()  # the setting_changed receiver resets the handler too; this makes it explicit
    caches._connections = Local()
    # The bell is counted on every page: a test's writes never commit, so the cache's invalidation on commit
    # would not run. tests/test_bell.py turns the cache on, and commits its writes' callbacks.
    if not real:
        settings.INBOX_COUNT_CACHE_SECONDS = 0
    yield
    for name in names:
        caches[name].clear()  # unique locations: free the test's entries instead of keeping them all


@pytest.fixture(scope="session", autouse=True)
def children_without_the_replica():
    """The processes the tests start (workers, gunicorn, manage.py) get the test database as DATABASE_URL;
    DATABASE_REPLICA_URL names the database the run was configured with, so it is theirs only where a test
    names the replica's copy of the test database (tests/fullstack_support.child_env)."""
    import os

    from django.conf import settings

    assert settings.DATABASES  # read before the variable goes
    os.environ.pop("DATABASE_REPLICA_URL", None)


@pytest.fixture(autouse=True)
def reads_on_the_primary(request, settings):
    """Heavy reads stay on the primary unless a test is marked `replica`: the tests' replica is another
    connection to the test database, which cannot see the uncommitted rows of a test in a transaction."""
    from accounts import replica

    settings.REPLICA_READS = settings.REPLICA_READS and bool(request.node.get_closest_marker("replica"))
    replica.forget_health()
    yield
    replica.forget_health()


# --- The demo, seeded once for the tests of a module ----------------------------------------------------


@dataclass
class _Seed:
    """The seed held open: the arguments of `seed_demo`, its output, and the transaction that holds it."""

    args: tuple[str, ...] | None = None
    output: str = ""
    atomic: object = None
    blocker: object = None


_seed = _Seed()


def _release_seed() -> None:
    """Roll the held seed back: the next test starts from the empty test database."""
    if _seed.atomic is None:
        return
    from django.db import transaction

    with _seed.blocker.unblock():
        transaction.set_rollback(True)
        _seed.atomic.__exit__(None, None, None)
    _seed.args, _seed.output, _seed.atomic = None, "", None


def pytest_runtest_setup(item):
    # Before any fixture of the test: one that uses the database without asking for the seed must not see it.
    uses_database = item.get_closest_marker("django_db") or any(
        name in item.fixturenames for name in ("db", "transactional_db", "live_server"))
    if uses_database and "shared_seed" not in item.fixturenames:
        _release_seed()


@pytest.fixture(scope="module")
def shared_seed(django_db_setup, django_db_blocker):
    """Asked for by the fixtures of a seed (`demo`): the seed they hold is rolled back at the module's end."""
    _seed.blocker = django_db_blocker
    yield _seed
    _release_seed()


def seed_once_per_module(request, *args: str) -> str:
    """Seed the database with `manage.py seed_demo *args` for a fixture that asks for
    `shared_seed`, and return what the command printed.

    The seed (5-15 s) is made once for the tests of a module that ask for the same one in a row, and
    held in a transaction; each test then runs inside it in its own savepoint, rolled back at its end as
    with `db`, so what one test changes is gone for the next."""
    import io

    from django.core.management import call_command
    from django.db import transaction

    if _seed.args != args:
        _release_seed()
        with _seed.blocker.unblock():
            atomic = transaction.atomic()
            atomic.__enter__()
            output = io.StringIO()
            try:
                call_command("seed_demo", *args, stdout=output)
            except BaseException:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)
                raise
        _seed.args, _seed.output, _seed.atomic = args, output.getvalue(), atomic
    request.getfixturevalue("db")  # the test's own savepoint, inside the seed's transaction
    return _seed.output


@pytest.fixture
def demo(request, shared_seed) -> str:
    """The regular demo (`manage.py seed_demo`), seeded once for the tests of a module that use it."""
    return seed_once_per_module(request)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """The test databases, their migrated rows kept for the tests with `serialized_rollback` on every
    connection object. Playwright's sync API keeps an asyncio loop running in the test's thread (browser.py),
    and while it runs Django's per-context connection handler hands out new connection objects, without the
    rows Django kept on the first: a browser test's setup then skipped restoring them and its flush re-made
    the content types under new ids, which broke the next test that restores them (ids taken)."""
    from django.db import connections

    for alias in connections:
        kept = getattr(connections[alias], "_test_serialized_contents", None)
        if kept is not None:
            type(connections[alias])._test_serialized_contents = kept  # every connection of that backend
    yield


@pytest.fixture
def form_fields_checked(monkeypatch):
    """Every field a page renders through `form_field` is also rendered by crispy and the two compared: a
    difference fails the request (accounts/templatetags/form_fields.py). For the tests that walk every page."""
    from accounts.templatetags import form_fields

    monkeypatch.setattr(form_fields, "CHECK_AGAINST_CRISPY", True)

