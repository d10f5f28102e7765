"""The browser-facing defences: a Content-Security-Policy that allows no inline script, the headers
and cookie flags of production, and the main pages running in a real browser under that policy."""

import datetime
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from .factories import CustomerFactory, DealFactory
from .test_settings import PRODUCTION, manage

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")

POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    # Style attributes only (progress bars, chart boxes, the laycan grid); <style> elements stay ours.
    "style-src": {"'self'", "'unsafe-inline'"},
    "style-src-elem": {"'self'"},
    "img-src": {"'self'", "data:"},
    "font-src": {"'self'"},
    "connect-src": {"'self'"},
    "object-src": {"'none'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
    "base-uri": {"'self'"},
}


def directives(header: str) -> dict[str, set[str]]:
    parsed = {}
    for part in filter(None, (part.strip() for part in header.split(";"))):
        name, *sources = part.split()
        parsed[name] = set(sources)
    return parsed


# --- The policy ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("signed_in", [False, True])
def test_it_sends_the_content_security_policy_on_every_page(client_as, cast, signed_in):
    client = client_as(cast.rep if signed_in else None)
    response = client.get(reverse("deals:board") if signed_in else reverse("accounts:login"))
    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == POLICY


def test_the_policy_allows_no_inline_script_and_no_eval():
    script_sources = POLICY["script-src"] | POLICY["default-src"]
    assert not script_sources & {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "data:", "*"}


def test_no_template_has_an_inline_script_or_event_handler():
    """Inline code would be blocked by the policy: behaviour belongs in static/js."""
    offences = []
    for template in sorted((ROOT / "templates").rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        name = template.relative_to(ROOT)
        offences += [f"{name}: inline <script>" for tag in re.findall(r"<script\b[^>]*>", text) if "src=" not in tag]
        offences += [f"{name}: {match}" for match in re.findall(r"<[^>]*\s(on[a-z]+\s*=)", text)]
        offences += [f"{name}: {match}" for match in re.findall(r"javascript:|hx-on[:-]|\bjs:", text)]
    assert offences == []


def test_htmx_is_configured_to_need_no_eval_and_to_inject_no_style(client_as, cast):
    html = client_as(cast.rep).get(reverse("deals:board")).content.decode()
    meta = re.search(r"""<meta name="htmx-config" content='([^']+)'>""", html)
    assert meta and json.loads(meta[1]) == {"includeIndicatorStyles": False, "allowEval": False}


def test_the_board_filter_submits_from_a_script_file_not_an_inline_handler(client_as, cast):
    html = client_as(cast.manager).get(reverse("deals:board")).content.decode()
    assert 'name="owner"' in html and "data-submit-on-change" in html and "onchange" not in html
    board_js = (ROOT / "static" / "js" / "board.js").read_text(encoding="utf-8")
    assert "[data-submit-on-change]" in board_js


# --- Production headers and cookies --------------------------------------------------------------------

# Signs in over HTTPS against production settings, in memory, and prints what the browser would get.
# A redirect after signing in: no page is rendered, so no collectstatic manifest is needed.
SIGN_IN_PROBE = """
import json
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)
from tests.factories import UserFactory, PASSWORD
UserFactory(username="probe")
client = Client(HTTP_HOST="crm.example.com")
response = client.post("/accounts/login/", {"username": "probe", "password": PASSWORD}, secure=True)
cookies = {name: {"secure": bool(morsel["secure"]), "httponly": bool(morsel["httponly"]),
                  "samesite": morsel["samesite"]} for name, morsel in response.cookies.items()}
print(json.dumps({"status": response.status_code, "headers": dict(response.headers), "cookies": cookies}))
"""


@pytest.fixture(scope="module")
def production_sign_in() -> dict:
    result = manage("shell", "-c", SIGN_IN_PROBE, **PRODUCTION | {"DATABASE_URL": "sqlite://:memory:"})
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_sends_the_security_headers(production_sign_in):
    headers = production_sign_in["headers"]
    assert production_sign_in["status"] == 302, production_sign_in
    assert directives(headers["Content-Security-Policy"]) == POLICY
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_production_cookies_are_secure_and_the_session_is_out_of_scripts_reach(production_sign_in):
    cookies = production_sign_in["cookies"]
    assert cookies["sessionid"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    assert cookies["csrftoken"]["secure"] is True


# --- In a real browser -----------------------------------------------------------------------------

# Runs before any page script and outside the page's policy: records every violation the page causes.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline") + " " + event.sourceFile
                              + ":" + event.lineNumber);
});
"""


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium (.ci/run installs it)")
def test_the_main_pages_run_in_chromium_without_a_csp_violation(live_server, client, cast):
    from playwright.sync_api import sync_playwright

    today = timezone.localdate()
    customer = CustomerFactory(owner=cast.rep, name="Rizhao Steel Co., Ltd.")
    deal = DealFactory(customer=customer, laycan_start=today, laycan_end=today + datetime.timedelta(days=4))
    movable = DealFactory(customer=CustomerFactory(owner=cast.rep, name="Tangshan Power"), stage="development")
    client.force_login(cast.manager)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    pages = {
        "board": reverse("deals:board"),
        "deal": reverse("deals:detail", args=[deal.pk]),
        "team dashboard": reverse("dashboards:manager", args=[cast.rep.team_id, "pipeline"]),  # its charts' tab
        "customers": reverse("customers:list"),
        "laycan calendar": reverse("laycans:calendar"),
    }
    problems, drawn = [], {}

    def on_console(message):
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            problems.append(f"console: {message.text}")

    # No database access from here on: Playwright's event loop makes Django refuse it in this thread.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        try:
            context = browser.new_context()
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
            context.add_init_script(RECORD_VIOLATIONS)
            page = context.new_page()
            page.set_default_timeout(10_000)
            page.on("console", on_console)
            page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
            for name, path in pages.items():
                response = page.goto(live_server.url + path)
                assert response.status == 200, name
                page.wait_for_load_state("load")
                problems += [f"{name}: {v}" for v in page.evaluate("window.__cspViolations")]
                drawn[name] = page.evaluate("Array.from(document.querySelectorAll('canvas[data-chart]'))"
                                            ".filter(canvas => window.Chart && Chart.getChart(canvas)).length")

            # htmx still works under the policy: a card's arrow moves the deal and swaps the board in place.
            page.goto(live_server.url + pages["board"])
            card = f'.deal-card[data-deal="{movable.pk}"]'
            with page.expect_response(lambda r: r.request.method == "POST") as moved:
                page.locator(f"{card} form[hx-post] button").click()
            assert moved.value.status == 200 and moved.value.request.headers.get("hx-request") == "true"
            page.wait_for_selector(f'.board-column[data-stage="negotiation"] {card}')
            # The owner filter submits itself from board.js.
            with page.expect_navigation():
                page.select_option("select[name=owner]", str(cast.rep.pk))
            assert f"owner={cast.rep.pk}" in page.url
            problems += [f"board: {v}" for v in page.evaluate("window.__cspViolations")]
        finally:
            browser.close()

    assert problems == []
    assert drawn["team dashboard"] >= 2, drawn
