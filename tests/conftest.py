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
