"""The closed-loop capacity test of `make bench` (issue 17): how many requests a second the web answers when
a fixed number of clients ask without pause, one page at a time.

Run by tests/bench/run.py against the gunicorn of its load test, with the pages of the plan (measure.py
`capacity_pages`). Each client is one thread with one HTTP connection and its own cookies; all sign in as
the same user through the login form (before the measurement, not counted). Then, page by page: every
client opens the page once (warm-up), and at one starting signal all ask for it again and again for the
given seconds, each sending its next request as soon as the last one is answered (no think time). A page's
requests a second are the answers received within the window, over its length; its percentiles are of
every request sent within it. Standard library only: the client costs less CPU than locust's, on a machine
it shares with the server.
"""

import http.client
import math
import os
import re
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

LOGIN_PATH = "/accounts/login/"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REQUEST_TIMEOUT = 60  # seconds; gunicorn's own --timeout


class CapacityError(Exception):
    """The capacity test could not run: a client could not sign in."""


class Client:
    """One person's browser, without the rendering: an HTTP connection (gunicorn's sync workers close it after
    each answer; http.client opens it again) and the cookies the site set."""

    def __init__(self, host: str) -> None:
        parts = urlsplit(host)
        self.host = host
        self.connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port,
                                                     timeout=REQUEST_TIMEOUT)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, str, bytes]:
        """(status, Location, body) of one request; redirects are not followed."""
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        try:
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()  # the next request opens a new connection
            raise
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie: SimpleCookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)  # a deleted cookie (a session ended)
        return response.status, response.getheader("Location") or "", content

    def sign_in(self, username: str, password: str) -> float:
        """Sign in through the login form, as a person does; returns the seconds the POST took."""
        status, _location, form = self.request("GET", LOGIN_PATH)
        token = CSRF_INPUT.search(form.decode(errors="replace"))
        if status != 200 or token is None:
            raise CapacityError(f"the sign-in form answered {status} without a CSRF token")
        body = urlencode({"csrfmiddlewaretoken": token.group(1), "username": username, "password": password,
                          "next": ""})
        began = time.perf_counter()
        status, _location, _content = self.request("POST", LOGIN_PATH, body, {
            "Content-Type": "application/x-www-form-urlencoded", "Referer": self.host + LOGIN_PATH})
        if status != 302:
            raise CapacityError(f"the sign-in of {username} answered {status}, not a redirect")
        return time.perf_counter() - began


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile of `values` (any order): the smallest value that at least `fraction` of
    them do not exceed; None without values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)), 1) - 1]


def summarise(samples: Sequence[tuple[float, float, int | str]], start: float, seconds: float) -> dict:
    """A page's figures from its samples, (sent, answered, status) in seconds of time.monotonic() and the
    HTTP status (or the error's name), of the requests sent in the window [start, start + seconds)."""
    end = start + seconds
    answered = [sample for sample in samples if sample[1] <= end]
    latencies = [(answered_at - sent) * 1000 for sent, answered_at, _status in samples]
    failures: dict[str, int] = {}
    for _sent, _answered, status in samples:
        if status != 200:
            failures[str(status)] = failures.get(str(status), 0) + 1
    return {
        "requests": len(samples),
        "rps": round(len(answered) / seconds, 2) if seconds > 0 else 0.0,
        "p50": _rounded(percentile(latencies, 0.50)),
        "p95": _rounded(percentile(latencies, 0.95)),
        "p99": _rounded(percentile(latencies, 0.99)),
        "failures": sum(failures.values()),
        "failed_statuses": failures,
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _ask(client: Client, path: str) -> int | str:
    try:
        return client.request("GET", path)[0]
    except (OSError, http.client.HTTPException) as error:
        return type(error).__name__


def measure_page(clients: Sequence[Client], path: str, seconds: float) -> dict:
    """Every client asks for `path` without pause for `seconds`, after one warm-up request each."""
    samples: list[list[tuple[float, float, int | str]]] = [[] for _client in clients]
    warm_up: list[int | str] = [0] * len(clients)
    window = {"start": 0.0}

    def open_the_gate() -> None:  # run once, by the last client to arrive, before any is released
        window["start"] = time.monotonic()

    gate = threading.Barrier(len(clients), action=open_the_gate)

    def ask_again_and_again(index: int) -> None:
        client = clients[index]
        warm_up[index] = _ask(client, path)
        gate.wait()
        end = window["start"] + seconds
        while (sent := time.monotonic()) < end:
            status = _ask(client, path)
            samples[index].append((sent, time.monotonic(), status))

    threads = [threading.Thread(target=ask_again_and_again, args=(index,), daemon=True)
               for index in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = summarise([sample for own in samples for sample in own], window["start"], seconds)
    result["warm_up_failures"] = [str(status) for status in warm_up if status != 200]
    return result


def run(host: str, username: str, password: str, pages: Sequence[Sequence[str]], clients: int, seconds: float,
        log: Callable[[str], None] = print) -> dict:
    """Sign `clients` clients in as `username`, then measure each (row, path) of `pages` in turn."""
    signed_in = [Client(host) for _index in range(clients)]
    # All at once, as the load test's users arrive: the password hashes are not measured.
    with ThreadPoolExecutor(max_workers=clients) as pool:
        logins = sorted(pool.map(lambda client: client.sign_in(username, password), signed_in))
    results = []
    for row, path in pages:
        load_before = round(os.getloadavg()[0], 2)
        measured = measure_page(signed_in, path, seconds)
        results.append({"row": row, "path": path, "load_before": load_before, **measured})
        log(f"capacity {row}: {measured['rps']} req/s, p50 {measured['p50']} ms, p95 {measured['p95']} ms, "
            f"{measured['failures']} failed")
    return {"user": username, "clients": clients, "seconds": seconds, "pages": results,
            "logins_ms": [round(login * 1000) for login in logins]}
