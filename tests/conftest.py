"""The fixed cast of the organisation tests: two teams, their people, and the other departments."""

from dataclasses import dataclass

import pytest

from accounts.models import Position, User

from .factories import DepartmentFactory, TeamFactory, UserFactory


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
    other_manager = UserFactory(username="manager_b", full_name="Manager B", position=Position.MANAGER, department=sales)
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


# Tests that need PostgreSQL (and Redis) run where those are: CI's second pass. Elsewhere they are
# deselected, not skipped, and the summary says so in one line.
_NEEDS = {
    "full_stack": ("full-stack", "DATABASE_URL=postgres://… and REDIS_URL"),
    "postgres": ("PostgreSQL", "DATABASE_URL=postgres://…"),
}
_deselected = pytest.StashKey[dict]()


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    available = {"full_stack": postgres and bool(settings.REDIS_URL), "postgres": postgres}
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


@pytest.fixture(autouse=True)
def fresh_throttles(settings):
    """Request counters of a private store per test: the shared cache outlives tests and runs, and every
    test client asks from 127.0.0.1."""
    settings.CACHES = settings.CACHES | {"throttle": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                                      "LOCATION": "throttle-per-test"}}
    from django.core.cache import caches

    caches["throttle"].clear()
