"""The WSGI entry point gunicorn loads: the application, and what was loaded with it set aside from the garbage
collector's passes (bulksales/wsgi.py)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_entry_point_loads_the_views_and_freezes_what_it_loaded() -> None:
    probe = ("import gc, sys; import bulksales.wsgi as entry; "
             "print(callable(entry.application), gc.get_freeze_count(), 'pipeline.views.deals' in sys.modules)")
    # Its own process: freezing the test run's objects would change the run, not test the entry point.
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          check=True)
    is_callable, frozen, views_loaded = done.stdout.split()
    assert is_callable == "True"
    assert views_loaded == "True"  # the URLs (and so the views) are loaded before the freeze, not at the first request
    assert int(frozen) > 50_000  # Django, the apps and the views: some 150,000 objects here


# A worker's first page, in a process of its own: what it compiled, read and reversed from scratch to answer it.
FIRST_PAGE_PROBE = """
import collections, json, sys
{entry}
from django.db import connection
from django.template.base import Template
from django.test import Client
from django.test.utils import setup_test_environment
from django.urls.resolvers import URLResolver
from django.utils.translation.trans_real import DjangoTranslation

connected_before = connection.connection is not None
setup_test_environment()  # the test client's host allowed, as in the tests themselves
counts = collections.Counter()

def counted(cls, name):
    original = getattr(cls, name)
    def wrapper(*args, **kwargs):
        counts[cls.__name__] += 1
        return original(*args, **kwargs)
    setattr(cls, name, wrapper)

counted(Template, "compile_nodelist")  # a template compiled
counted(DjangoTranslation, "__init__")  # a language's catalogues read
counted(URLResolver, "_populate")  # URL patterns reversed
client = Client()
statuses = [client.get("/accounts/login/", headers={{"accept-language": language}}).status_code
            for language in ("en", "zh-hans")]
print(json.dumps({{"statuses": statuses, "counts": counts, "connected_before": connected_before}}))
"""


def _first_pages(entry: str) -> dict:
    done = subprocess.run([sys.executable, "-c", FIRST_PAGE_PROBE.format(entry=entry)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def test_a_worker_has_compiled_its_templates_and_read_both_languages_before_its_first_page() -> None:
    warm = _first_pages("import bulksales.wsgi")
    # Without the warm-up, the same first pages compile templates, read catalogues and reverse URLs: what a
    # worker's first visitors waited for (a worker's first page 120-170 ms instead of 20).
    cold = _first_pages("import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'bulksales.settings'); "
                        "django.setup()")
    assert warm["statuses"] == cold["statuses"] == [200, 200]
    assert cold["counts"]["Template"] > 0 and cold["counts"]["DjangoTranslation"] > 0
    assert cold["counts"]["URLResolver"] > 0
    assert warm["counts"] == {}
    assert warm["connected_before"] is False  # read from disk only: a worker starts with the database down
