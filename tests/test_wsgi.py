"""The WSGI entry point gunicorn loads: the application, and what was loaded with it set aside from the garbage
collector's passes (bulksales/wsgi.py)."""

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
