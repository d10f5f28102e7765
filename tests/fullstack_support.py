"""What the PostgreSQL-and-Redis tests share: separate processes with their logs (gunicorn, Celery
worker and beat), and a small browser over real HTTP (a cookie jar and the page's own forms)."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, seconds: float, every: float = 0.1) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(every)


# --- Processes ---------------------------------------------------------------------------------


@dataclass
class Service:
    name: str
    process: subprocess.Popen
    log_path: Path

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.running():
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, nothing is acknowledged or restored."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


class Services:
    """The processes a test started; `stop_all` ends each one and prints its log (pytest shows it
    when the test fails)."""

    def __init__(self, log_dir: Path, env: dict[str, str]):
        self.log_dir, self.env, self.started = log_dir, env, []

    def start(self, name: str, *args: str, **env: str) -> Service:
        log_path = self.log_dir / f"{name}.log"
        with open(log_path, "w") as log:
            process = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=self.env | env,
                                       stdout=log, stderr=subprocess.STDOUT)
        service = Service(name, process, log_path)
        self.started.append(service)
        return service

    def gunicorn(self, name: str = "gunicorn", *extra: str, **env: str) -> tuple[Service, str]:
        """Production's WSGI app on a free port; returns once /healthz answers 200."""
        port = free_port()
        service = self.start(name, "-m", "gunicorn", "bulksales.wsgi", "--bind", f"127.0.0.1:{port}",
                             "--workers", "2", "--timeout", "60", "--access-logfile", "-",
                             # Not gunicorn's shared ~/.gunicorn/gunicorn.ctl: two test servers would fight for it.
                             "--no-control-socket", *extra, **env)
        base_url = f"http://127.0.0.1:{port}"
        assert wait_until(lambda: not service.running() or _answers(f"{base_url}/healthz"), 30), \
            f"{name} did not answer /healthz within 30 s"
        assert service.running(), f"{name} exited with {service.process.returncode}"
        return service, base_url

    def stop_all(self) -> None:
        for service in reversed(self.started):
            service.stop()
        for service in self.started:
            print(f"===== {service.name} (exit {service.process.returncode}) =====\n{service.log}")


@contextlib.contextmanager
def services(log_dir: Path, env: dict[str, str]):
    started = Services(log_dir, env)
    try:
        yield started
    finally:
        started.stop_all()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


# --- A browser ---------------------------------------------------------------------------------


@dataclass
class Form:
    action: str  # absolute URL
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)

    def values(self, **overrides) -> list[tuple[str, str]]:
        """What the browser would send, with the given fields filled in (a list for several values)."""
        pairs = [(name, value) for name, value in self.fields if name not in overrides]
        for name, value in overrides.items():
            pairs += [(name, str(each)) for each in (value if isinstance(value, list) else [value])]
        return pairs


class _FormParser(HTMLParser):
    """Each <form> with the values its controls would submit as the page stands."""

    def __init__(self, base_url: str):
        super().__init__(convert_charrefs=True)
        self.base_url, self.forms = base_url, []
        self._select: dict | None = None
        self._textarea: list | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            action = urllib.parse.urljoin(self.base_url, attributes.get("action") or self.base_url)
            self.forms.append(Form(action=action, method=(attributes.get("method") or "get").lower()))
            return
        if not self.forms:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = (attributes.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                return
            self.forms[-1].fields.append((name, attributes.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select = {"name": name, "multiple": "multiple" in attributes, "options": []}
        elif tag == "option" and self._select is not None:
            self._select["options"].append((attributes.get("value") or "", "selected" in attributes))
        elif tag == "textarea" and name:
            self._textarea = [name]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.append(data)

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._select["options"] if selected]
            if not chosen and not self._select["multiple"] and self._select["options"]:
                chosen = [self._select["options"][0][0]]
            self.forms[-1].fields += [(self._select["name"], value) for value in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, *text = self._textarea
            self.forms[-1].fields.append((name, "".join(text).removeprefix("\n")))
            self._textarea = None


@dataclass
class Page:
    url: str
    status: int
    html: str

    @property
    def path(self) -> str:
        return urllib.parse.urlsplit(self.url).path

    def form(self, action: str) -> Form:
        """The page's form that submits to `action` (a path; the page's own for a form without one)."""
        parser = _FormParser(self.url)
        parser.feed(self.html)
        found = [form for form in parser.forms if urllib.parse.urlsplit(form.action).path == action]
        assert len(found) == 1, f"{len(found)} forms post to {action} on {self.url}"
        return found[0]


class Browser:
    """A person at a browser: cookies kept, redirects followed, forms submitted as the page has them."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def _open(self, request: urllib.request.Request) -> Page:
        try:
            with self.opener.open(request, timeout=30) as response:
                return Page(response.url, response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Page(error.url, error.code, error.read().decode(errors="replace"))

    def get(self, path: str) -> Page:
        return self._open(urllib.request.Request(urllib.parse.urljoin(self.base_url, path)))

    def submit(self, form: Form, **overrides) -> Page:
        data = urllib.parse.urlencode(form.values(**overrides)).encode()
        return self._open(urllib.request.Request(form.action, data=data, method="POST"))

    def sign_in(self, username: str, password: str) -> Page:
        login = self.get("/accounts/login/")
        page = self.submit(login.form("/accounts/login/"), username=username, password=password)
        assert page.status == 200 and page.path != "/accounts/login/", f"{username} could not sign in:\n{page.html}"
        return page


def pbkdf2(password: str) -> str:
    """A hash that gunicorn's production hashers accept (the suite's fast MD5 hasher is the test process's only)."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()
    return hasher.encode(password, hasher.salt())


def child_env(**extra: str) -> dict[str, str]:
    """The test's environment for a child process, on the pytest-django test database (and, when the run
    has a streaming replica, on the replica's copy of it)."""
    from django.conf import settings
    from django.db import connection

    from .test_worker import _database_url_for_worker

    env = dict(os.environ) | {"DATABASE_URL": _database_url_for_worker(), "DEBUG": "1"}
    if "replica" in settings.DATABASES:
        replica = settings.DATABASES["replica"] | {"NAME": connection.settings_dict["NAME"]}
        env["DATABASE_REPLICA_URL"] = _database_url_for_worker(replica)
    return env | extra
