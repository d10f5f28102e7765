"""The organisation's periodic jobs."""

from datetime import timedelta

from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.tasks import purge_expired_sessions
from bulksales.celery import app


def test_purging_sessions_removes_expired_ones_only_and_is_idempotent(db):
    live = SessionStore()
    live.create()
    expired = SessionStore()
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(expire_date=timezone.now() - timedelta(days=1))

    assert purge_expired_sessions.delay().get() == 1
    assert purge_expired_sessions.delay().get() == 0
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]


def test_every_scheduled_job_names_a_registered_task():
    app.loader.import_default_modules()
    for name, entry in app.conf.beat_schedule.items():
        assert entry["task"] in app.tasks, name
