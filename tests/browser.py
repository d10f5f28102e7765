"""Browser fixtures for the journey tests: Debian's Chromium driven by Playwright for Python against
pytest-django's live server, each person signing in through the real login form.

No browser is downloaded: CI installs Debian's chromium package (`apt-get install chromium`). Where it
is missing the tests skip with the reason, and CI's pass that forbids skips fails, as intended.
"""

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from accounts.models import User

from .factories import PASSWORD

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# The browser's own language, sent as Accept-Language: what the login page speaks before anyone signs in.
BROWSER_LOCALES = {"en": "en-GB", "zh-hans": "zh-CN"}
SIGN_IN = {"en": "Sign in", "zh-hans": "登录"}
TIMEOUT_MS = 10_000  # a page of this app answers in well under a second; fail fast when it does not


# Fixtures under names of their own, so that a test module imports them without shadowing its arguments:
# `from .browser import browser_fixture, sign_in_fixture`.


@pytest.fixture(scope="module", name="browser")
def browser_fixture() -> Iterator:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}: install Debian's package (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API keeps an asyncio loop running in the test's thread, which Django takes
        # for an async context and so refuses the ORM. The test's own queries (factories, the jobs it
        # runs as Celery would, the flush between tests) are plain synchronous code, so allow them.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
            yield chromium
            chromium.close()


@pytest.fixture(name="sign_in")
def sign_in_fixture(browser, live_server) -> Iterator[Callable]:
    """Open a fresh browser (its own cookies) for `user` and sign in through the login form.

    `language` is the browser's language; what the user chose in their profile wins once signed in."""
    from playwright.sync_api import expect

    contexts = []

    def open_as(user: User, *, language: str = "en", viewport: dict = DESKTOP):
        context = browser.new_context(base_url=live_server.url, viewport=viewport, locale=BROWSER_LOCALES[language])
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.locator("input[name=username]").fill(user.username)
        page.locator("input[name=password]").fill(PASSWORD)
        page.get_by_role("button", name=SIGN_IN[language], exact=True).click()
        expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
        return page

    yield open_as
    for context in contexts:
        context.close()
