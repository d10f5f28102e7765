"""A real Celery worker process, on the configured broker (the file broker by default, Redis
when REDIS_URL is set), delivers what the web process enqueues."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.urls import reverse

from .factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def worker(tmp_path, eager_celery):
    """Start a worker on a queue of its own, so a developer's running worker cannot take the task."""
    queue = f"test-{uuid.uuid4().hex[:10]}"
    eager_celery.conf.task_always_eager = False
    eager_celery.conf.task_routes = {"accounts.tasks.*": {"queue": queue}}
    outbox = tmp_path / "outbox"
    env = os.environ | {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(outbox),
    }
    log = open(tmp_path / "worker.log", "w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "bulksales", "worker", "-Q", queue, "--pool", "solo",
         "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    yield outbox
    eager_celery.conf.task_routes = {}
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.seek(0)
    print(log.read())  # shown by pytest when the test failed


@pytest.mark.worker
def test_a_real_worker_delivers_the_password_reset_email(client, db, worker, django_capture_on_commit_callbacks):
    UserFactory(username="zhaolei", email="zhaolei@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": "zhaolei@example.com"})
    assert response.status_code == 302

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (worker.exists() and any(worker.iterdir())):
        time.sleep(0.25)
    messages = list(worker.iterdir()) if worker.exists() else []
    assert len(messages) == 1, "the worker did not deliver the email within a minute"
    text = messages[0].read_text()
    assert "To: zhaolei@example.com" in text
    assert "/accounts/password/reset/" in text
