"""A real Celery worker process, on the configured broker (the file broker by default, Redis
when REDIS_URL is set), runs what the web process and beat enqueue."""

import contextlib
import datetime
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.urls import reverse

from .factories import ActivityFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def real_worker(celery_app, log_path: Path, **env):
    """A worker on a queue of its own, so a developer's running worker cannot take the tasks."""
    queue = f"test-{uuid.uuid4().hex[:10]}"
    celery_app.conf.task_always_eager = False
    log = open(log_path, "w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "bulksales", "worker", "-Q", queue, "--pool", "solo",
         "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
        cwd=ROOT, env=os.environ | env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        yield queue
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.seek(0)
        print(log.read())  # shown by pytest when the test failed


@contextlib.contextmanager
def routed(celery_app, pattern: str, queue: str):
    """Send the tasks whose names match `pattern` to `queue`. Celery builds its router once, at the first
    task sent (maybe by an earlier test), so the router is rebuilt on the way in and out."""
    def rebuild() -> None:
        celery_app.amqp.flush_routes()
        celery_app.amqp.__dict__.pop("router", None)

    celery_app.conf.task_routes = {pattern: {"queue": queue}}
    rebuild()
    try:
        yield
    finally:
        celery_app.conf.task_routes = {}
        rebuild()


def wait_for(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.25)


@pytest.mark.worker
def test_a_real_worker_delivers_the_password_reset_email(client, db, tmp_path, eager_celery,
                                                         django_capture_on_commit_callbacks):
    UserFactory(username="zhaolei", email="zhaolei@example.com")
    outbox = tmp_path / "outbox"
    with real_worker(eager_celery, tmp_path / "worker.log", EMAIL_FILE_PATH=str(outbox),
                     EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend") as queue:
        with routed(eager_celery, "accounts.tasks.*", queue):
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(reverse("accounts:password_reset"), {"email": "zhaolei@example.com"})
            wait_for(lambda: outbox.exists() and any(outbox.iterdir()))
    assert response.status_code == 302
    messages = list(outbox.iterdir()) if outbox.exists() else []
    assert len(messages) == 1, "the worker did not deliver the email within a minute"
    text = messages[0].read_text()
    assert "To: zhaolei@example.com" in text
    assert "/accounts/password/reset/" in text


def _database_url_for_worker(db: dict | None = None) -> str:
    """The test database (or the given connection settings), as a URL the worker process can open."""
    from django.db import connection

    db = connection.settings_dict if db is None else db
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_raises_follow_up_reminders_through_the_broker(tmp_path, eager_celery):
    """The hourly job, sent through the broker as beat sends it, runs in a separate worker process
    on the same database; sent twice, it leaves one reminder."""
    from pipeline.models import Reminder
    from pipeline.tasks import raise_follow_up_reminders

    overdue = ActivityFactory(next_step="Send the offer", next_step_due=datetime.date(2026, 1, 5),
                              happened_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    log = tmp_path / "worker.log"
    with real_worker(eager_celery, log, DATABASE_URL=_database_url_for_worker()) as queue:
        for _ in range(2):
            raise_follow_up_reminders.apply_async(queue=queue)
        wait_for(lambda: log.read_text().count("succeeded") >= 2)
    assert list(Reminder.objects.values_list("recipient", "kind")) == [(overdue.owner_id, "next_step")]
