"""`make run` on a fresh clone serves /healthz with its web, worker and beat processes alive, on the
embedded defaults (SQLite, file broker) and on PostgreSQL and Redis.

The clone is the working tree as git would check it out (tracked and new, not ignored files: no
`var/`, no compiled catalogues), with the project's `.venv` and `node_modules` linked in, their
timestamps kept, so that make reuses them instead of installing again. Every process started is
stopped at the end, the stragglers by id.
"""

import os
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

from .fullstack_support import ROOT, free_port

# Setting up (migrate, seed_demo) and starting everything takes ~35 s on an idle two-core machine;
# a machine busy with other work may allow more.
BOUND_SECONDS = float(os.environ.get("BULKSALES_MAKE_RUN_SECONDS", "240"))
# honcho prefixes each line with the process name; these say the worker and beat are up.
WORKER_READY = re.compile(r"^\S*\s*worker\.1\s+\|.*\bready\.", re.M)
BEAT_READY = re.compile(r"^\S*\s*beat\.1\s+\|.*beat: Starting", re.M)
STOPPED = re.compile(r"^\S*\s*(web|worker|beat)\.1\s+\|\s+(stopped|exited)", re.M)


def _fresh_clone(target: Path) -> Path:
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout.decode().split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)  # keep mtimes: make must not reinstall
    for installed in (".venv", "node_modules"):
        (target / installed).symlink_to(ROOT / installed)
    assert not (target / "var").exists()
    return target


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@contextmanager
def _make_run(clone: Path, env: dict, log: Path):
    with log.open("wb") as output:
        process = subprocess.Popen(["make", "run"], cwd=clone, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    started: set[int] = set()
    try:
        yield process, started
    finally:
        started |= _descendants(process.pid)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # make and honcho; honcho stops its processes
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in started) and time.monotonic() < deadline:
            time.sleep(0.2)
        for pid in started:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        assert not [pid for pid in started if _alive(pid)]


def _healthz(port: int) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def _serves_with_everything_alive(clone: Path, extra_env: dict, tmp_path: Path) -> None:
    port = free_port()
    env = {key: value for key, value in os.environ.items()
           if key not in ("BULKSALES_VAR_DIR", "DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "MAKEFLAGS",
                          "MAKELEVEL", "VIRTUAL_ENV")}
    env.update(WEB_PORT=str(port), PYTHONUNBUFFERED="1", **extra_env)
    log = tmp_path / "make-run.log"
    deadline = time.monotonic() + BOUND_SECONDS
    with _make_run(clone, env, log) as (process, started):
        status = None
        while time.monotonic() < deadline:
            started |= _descendants(process.pid)
            text = log.read_text(errors="replace")
            assert process.poll() is None, f"make run stopped:\n{text[-4000:]}"
            assert not STOPPED.search(text), f"a process stopped:\n{text[-4000:]}"
            status = _healthz(port)
            if status == 200 and WORKER_READY.search(text) and BEAT_READY.search(text):
                break
            time.sleep(0.5)
        text = log.read_text(errors="replace")
        assert status == 200, f"/healthz answered {status} on port {port}:\n{text[-4000:]}"
        assert WORKER_READY.search(text) and BEAT_READY.search(text), text[-4000:]
        time.sleep(1)  # beat writes its schedule as it starts; nothing may have stopped since
        text = log.read_text(errors="replace")
        assert process.poll() is None and not STOPPED.search(text), text[-4000:]
        assert (clone / "var" / "celerybeat-schedule").exists() or list((clone / "var").glob("celerybeat-schedule*"))


def test_make_run_on_a_fresh_clone_serves_with_worker_and_beat_on_the_defaults(tmp_path):
    clone = _fresh_clone(tmp_path / "clone")
    _serves_with_everything_alive(clone, {}, tmp_path)


@contextmanager
def _throwaway_database():
    import psycopg2

    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_make_run_{os.getpid()}"
    credentials = {"user": db["USER"], "password": db["PASSWORD"], "host": db["HOST"] or "localhost",
                   "port": db["PORT"] or 5432}
    connection = psycopg2.connect(dbname="postgres", **credentials)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        yield f"postgres://{db['USER']}{password}@{credentials['host']}:{credentials['port']}/{name}"
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.close()


@pytest.mark.full_stack
def test_make_run_on_a_fresh_clone_serves_with_worker_and_beat_on_postgresql_and_redis(tmp_path):
    clone = _fresh_clone(tmp_path / "clone")
    with _throwaway_database() as database_url:
        _serves_with_everything_alive(clone, {"DATABASE_URL": database_url, "REDIS_URL": settings.REDIS_URL},
                                      tmp_path)
