"""The load of `make bench`: 20 people of mixed positions, each signed in once, opening their pages.

Run by tests/bench/run.py, which gives it the plan (BENCH_PLAN, written by measure.py: each user's paths,
picked among the records that user may see) and the host. The mix, with `-u 20`:
12 reps, 3 account managers, 3 managers and 2 sessions of the director (fixed counts, so every run has
the same mix). Think time between two pages: 0.5 to 2 s (uniform), as a person clicking through the CRM.

Phases: every user signs in (the login form's CSRF token, then the POST) and opens each of its pages once
(warm-up: gunicorn workers' first renders, PostgreSQL's buffers); when the last one has, the stats are reset
and the measurement runs for BENCH_SECONDS, then locust quits. So the 20 password hashes of the sign-ins,
which take the CPU for seconds on a small machine, do not land in the pages' figures; the sign-ins' own times
are written to BENCH_EXTRA with anything that went wrong during the warm-up.

Every request is named by its page (the rows of the report) and must answer 200: a redirect (a session
lost, sent to sign in), a 403/404 or a 5xx is a failure, counted in the CSV stats, which fails the bench.
"""

import itertools
import json
import os
import random
import re
import time
from urllib.parse import urlencode

import gevent
from gevent.event import Event
from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

with open(os.environ["BENCH_PLAN"], encoding="utf-8") as plan_file:
    PLAN = json.load(plan_file)
SECONDS = float(os.environ["BENCH_SECONDS"])  # always given by run.py, as the plan is
EXTRA = os.environ.get("BENCH_EXTRA", "")
PASSWORD = os.environ.get("BENCH_PASSWORD", "bulksales-demo")
LOGIN_PATH = "/accounts/login/"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
THINK_TIME = between(0.5, 2)
READY_TIMEOUT = 300  # seconds a signed-in user waits for the others before measuring anyway

measuring = Event()
arrived = 0
extra = {"logins_ms": [], "problems": [], "measured_from": None, "measured_seconds": SECONDS}


@events.request.add_listener
def _remember_logins(name, response_time, exception, **_kwargs):
    if name == "login" and exception is None:
        extra["logins_ms"].append(response_time)


def _start_measuring(environment) -> None:
    environment.runner.stats.reset_all()
    extra["measured_from"] = time.time()
    measuring.set()
    gevent.spawn_later(SECONDS, environment.runner.quit)


@events.quitting.add_listener
def _write_extra(environment, **_kwargs):
    if EXTRA:
        with open(EXTRA, "w", encoding="utf-8") as handle:
            json.dump(extra, handle, indent=1)


class Person(FastHttpUser):
    abstract = True
    role = ""
    wait_time = THINK_TIME

    def on_start(self):
        roster = PLAN["roster"][self.role]
        counter = type(self)._counter
        self.username = roster[next(counter) % len(roster)]
        self.paths = PLAN["users"][self.username]
        pages = PLAN["role_pages"][self.role]
        self.pages = [(name, kind) for name, kind, _weight in pages]
        self.weights = [weight for _name, _kind, weight in pages]
        global arrived
        try:
            self.login()
            for name, kind in self.pages:
                self.open(name, kind, warm_up=True)
        except Exception as error:
            extra["problems"].append(f"{self.username}: {error}")
            raise
        finally:
            arrived += 1
            if arrived >= self.environment.parsed_options.num_users and not measuring.is_set():
                _start_measuring(self.environment)
        measuring.wait(timeout=READY_TIMEOUT)

    def login(self):
        with self.client.get(LOGIN_PATH, name="login (form)", catch_response=True, allow_redirects=False) as form:
            token = CSRF_INPUT.search(form.text or "")
            if form.status_code != 200 or not token:
                form.failure(f"sign-in form answered {form.status_code} without a CSRF token")
                raise RuntimeError(f"{self.username}: no sign-in form")
        body = urlencode({"csrfmiddlewaretoken": token.group(1), "username": self.username, "password": PASSWORD,
                          "next": ""})
        with self.client.post(LOGIN_PATH, data=body, name="login", catch_response=True, allow_redirects=False,
                              headers={"Content-Type": "application/x-www-form-urlencoded",
                                       "Referer": self.host + LOGIN_PATH}) as answer:
            if answer.status_code != 302:
                answer.failure(f"sign-in of {self.username} answered {answer.status_code}, not a redirect")
                raise RuntimeError(f"{self.username}: sign-in failed")

    def open(self, name: str, kind: str, warm_up: bool = False):
        path = random.choice(self.paths[kind])
        with self.client.get(path, name=name, catch_response=True, allow_redirects=False) as page:
            if page.status_code != 200:
                problem = f"{self.username} GET {path}: {page.status_code} {page.headers.get('Location', '')}"
                page.failure(problem)
                if warm_up:
                    extra["problems"].append("warm-up: " + problem)

    @task
    def open_a_page(self):
        name, kind = random.choices(self.pages, weights=self.weights)[0]
        self.open(name, kind)


def kind_of_person(name: str, role: str, count: int) -> type[Person]:
    """The users of one position: `count` of them (a fixed count, so every run has the same mix)."""
    return type(Person)(name, (Person,), {"__module__": __name__, "role": role, "fixed_count": count,
                                          "_counter": itertools.count()})


Rep = kind_of_person("Rep", "rep", 12)
AccountManager = kind_of_person("AccountManager", "account_manager", 3)
Manager = kind_of_person("Manager", "manager", 3)
Director = kind_of_person("Director", "director", 2)
