"""Backup and restore of the PostgreSQL database, by the README's procedure ("Backup and restore"):
`pg_dump --format=custom`, then `createdb` and `pg_restore --no-owner` into a fresh database, then
`migrate`. The restored database holds every row of every table, its sequences go on where the
original's were, and the app served from it shows the same pages to the same signed-in director.

PostgreSQL only (the dump tools are PostgreSQL's): deselected on SQLite (conftest.py).
"""

import datetime
import re
import subprocess
import sys
import uuid
from contextlib import closing

import psycopg2
import pytest
from django.apps import apps
from django.utils import timezone

from accounts.models import Position, User
from pipeline.reminders import raise_reminders
from pipeline.services import deal_sign
from targets.kpis import compute_scorecards
from targets.models import Scorecard

from .factories import (
    PASSWORD,
    ActivityFactory,
    ComplaintFactory,
    ContactFactory,
    CustomerFactory,
    DealFactory,
    MarketResearchFactory,
    SurveyFactory,
)
from .fullstack_support import ROOT, Browser, child_env, pbkdf2, services
from .test_worker import _database_url_for_worker

# Committed, for the other processes to see; the serialized rollback brings back what the migrations
# seed (the tier policies), which a transactional test's flush removes.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


# The README's commands, with its placeholders filled in.
def dump(database_url: str, path) -> list[str]:
    return ["pg_dump", "--format=custom", f"--file={path}", database_url]


def create(database_url: str, name: str) -> list[str]:
    return ["createdb", f"--maintenance-db={database_url}", "--template=template0", name]


def restore(restored_url: str, path) -> list[str]:
    return ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
            f"--dbname={restored_url}", str(path)]


def migrate() -> list[str]:
    return [sys.executable, "manage.py", "migrate", "--noinput"]


def _query(database_url: str, sql: str) -> list[tuple]:
    with closing(psycopg2.connect(database_url)) as connection, connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def row_counts(database_url: str) -> dict[str, int]:
    """Rows in every table of the database (the app's, Django's, history, sessions, axes)."""
    tables = [name for (name,) in _query(database_url, "SELECT table_name FROM information_schema.tables "
                                                       "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")]
    counts = _query(database_url, " UNION ALL ".join(f"SELECT '{name}', COUNT(*) FROM \"{name}\"" for name in tables))
    return dict(counts)


def sequences(database_url: str) -> dict[str, int | None]:
    return dict(_query(database_url, "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"))


def _same_for_every_request(html: str) -> str:
    """The page without what differs on every response: the masked CSRF token."""
    html = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+', r"\1…", html)
    return re.sub(r'("X-CSRFToken": ")[^"]+', r"\1…", html)


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=ROOT, env=child_env(**env), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{args[0]} failed:\n{result.stdout}\n{result.stderr}"
    return result


def _data(cast) -> dict:
    """Some of everything: customers with contacts, deals (one signed), activities, a complaint, a
    survey, market research, scorecards and reminders."""
    today = timezone.localdate()
    buyers = [CustomerFactory(owner=owner) for owner in (cast.rep, cast.rep, cast.other_rep)]
    contacts = [ContactFactory(customer=buyer) for buyer in buyers]
    deals = [DealFactory(customer=buyer) for buyer in buyers]
    deal_sign(deal=deals[0], terms=deals[0], contract_number="BS-2026-0042", signed_on=today, by=cast.rep,
              expected_version=deals[0].version)
    ActivityFactory(customer=buyers[0], deal=deals[0], next_step="Send the revised CFR offer",
                    next_step_due=today - datetime.timedelta(days=5))
    ActivityFactory(customer=buyers[2], kind="call")
    ComplaintFactory(customer=buyers[0], assignee=cast.service, contract_number="BS-2026-0042")
    SurveyFactory(customer=buyers[0])
    MarketResearchFactory(author=cast.marketing)
    for period in Scorecard.Period.values:
        compute_scorecards(period=period, start=today)
    raise_reminders()
    return {"customer": buyers[0], "contact": contacts[0]}


def test_a_dump_restored_into_a_fresh_database_has_every_row_and_serves_the_same_pages(cast, tmp_path):
    data = _data(cast)
    User.objects.filter(position=Position.DIRECTOR).update(password=pbkdf2(PASSWORD))
    original_url = _database_url_for_worker()
    restored_name = f"{original_url.rsplit('/', 1)[1]}_restored_{uuid.uuid4().hex[:8]}"
    restored_url = f"{original_url.rsplit('/', 1)[0]}/{restored_name}"
    dump_file = tmp_path / "bulksales.dump"
    pages = [f"/customers/{data['customer'].pk}/", "/deals/list/"]
    try:
        with services(tmp_path, child_env()) as stack:
            _web, original = stack.gunicorn("original")
            director = Browser(original)
            director.sign_in("director", PASSWORD)  # the session is in the database, and so in the dump
            before = [director.get(path) for path in pages]

            counts, numbers = row_counts(original_url), sequences(original_url)
            _run(dump(original_url, dump_file))
            _run(create(original_url, restored_name))
            _run(restore(restored_url, dump_file))
            migrated = _run(migrate(), DATABASE_URL=restored_url)
            # The tallies the triggers keep were restored as they were, not counted again by the restored rows.
            tally = _run([sys.executable, "manage.py", "pipeline_tally"], DATABASE_URL=restored_url)
            balances = _run([sys.executable, "manage.py", "invoice_balances"], DATABASE_URL=restored_url)
            restored_counts, restored_numbers = row_counts(restored_url), sequences(restored_url)

            _web, restored = stack.gunicorn("restored", DATABASE_URL=restored_url)
            director.base_url = restored
            after = [director.get(path) for path in pages]
    finally:
        subprocess.run(["dropdb", f"--maintenance-db={original_url}", "--if-exists", "--force", restored_name],
                       capture_output=True)

    assert "No migrations to apply." in migrated.stdout
    assert tally.stdout.splitlines() == ["The pipeline tally matches the deals.",
                                         "The activity tally matches the activities.",
                                         "The customer tally matches the customers.",
                                         "The shipments' copy of their contracts matches the contracts.",
                                         "The owed tally matches the open invoices."]
    assert balances.stdout.strip() == "Every invoice's balances match its payments and credit notes."
    project_tables = {model._meta.db_table for model in apps.get_models(include_auto_created=True)}
    assert project_tables <= counts.keys()
    assert counts["pipeline_deal"] == 3 and counts["customers_complaint"] == 1 and counts["pipeline_activity"] == 2
    assert counts["pipeline_pipelinetally"] == 3  # the rep's signed and open deals, the other rep's open one
    assert counts["pipeline_activitytally"] == 2  # one activity on each of two customers
    assert counts["django_session"] == 1 and counts["targets_scorecard"] > 0 and counts["pipeline_reminder"] > 0
    assert restored_counts == counts
    assert restored_numbers == numbers  # new rows get new ids, not the restored rows' ids
    for page_before, page_after in zip(before, after, strict=True):
        assert (page_before.status, page_after.status) == (200, 200)
        assert page_after.url.startswith(restored) and page_before.url.startswith(original)
        assert _same_for_every_request(page_after.html) == _same_for_every_request(page_before.html)
    customer_page, deals_list = (page.html for page in after)
    assert data["customer"].name in customer_page and data["contact"].name in customer_page
    assert "Send the revised CFR offer" in customer_page and "Won" in customer_page
    assert "3 deals" in deals_list
