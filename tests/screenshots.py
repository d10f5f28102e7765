"""Screenshots of the main pages, desktop and phone, English and Chinese, for the README.

Run with `make screenshots`: it serves the demo database on a spare port, signs in as each
demo user in headless Chromium (Debian's, through Playwright) and writes docs/screenshots/.
Pass page names to shoot only those, and --all-languages for Chinese too.
"""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PORT = int(os.environ.get("SCREENSHOT_PORT", "8765"))
BASE = f"http://127.0.0.1:{PORT}"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PASSWORD = "bulksales-demo"

# (name, username or None for signed out, path)
PAGES = [
    ("login", None, "/accounts/login/"),
    ("profile", "rep1", "/accounts/profile/"),
    ("users", "director", "/org/users/"),
    ("departments", "director", "/org/departments/"),
    ("team", "manager1", "/org/teams/1/"),
    ("trainings", "manager2", "/trainings/"),
    ("training", "director", "/trainings/2/"),
    ("handover", "director", "/org/users/5/hand-over/"),
    ("user-new", "director", "/org/users/new/"),
    ("team-edit", "director", "/org/teams/1/edit/"),
    ("training-new", "manager1", "/trainings/new/"),
    ("attendance", "director", "/trainings/1/attendance/"),
    ("customers", "manager1", "/customers/"),
    ("customer", "director", "/customers/6/"),
    # The customer page's other tabs: the complaints and surveys, and the money of a customer with payments.
    ("customer-complaints", "director", "/customers/6/service/"),
    ("customer-money", "rep9", "/customers/105/receivables/"),
    ("customer-new", "rep1", "/customers/new/"),
    ("tiers", "director", "/customers/tiers/"),
    ("complaints", "service1", "/complaints/"),
    ("complaint", "service1", "/complaints/3/"),
    ("complaint-new", "service1", "/complaints/new/"),
    ("import", "rep1", "/customers/import/"),
    ("board", "manager1", "/deals/"),
    ("board-director", "director", "/deals/"),  # the open pipeline by team
    ("rates", "director", "/pipeline/settings/exchange-rates/"),  # with any re-pricing of the last day
    ("deals", "rep1", "/deals/list/"),
    ("deal", "director", "/deals/5/"),
    ("deal-new", "rep1", "/deals/new/"),
    # The demo's amendments and transfer (bulksales/demo/pipeline.py: rep1's latest contracts, first open deal).
    ("deal-amendment", "manager1", "/deals/136/"),
    ("deal-amended", "rep1", "/deals/227/"),
    ("amend", "rep1", "/deals/227/amend/"),
    ("transfer", "manager1", "/deals/33/transfer/"),
    # A contract of rep1's split 70/30 with the account manager (bulksales/demo/pipeline.py), and cancelling one.
    ("deal-split", "manager1", "/deals/256/"),
    ("deal-split-form", "manager1", "/deals/256/split/"),
    ("deal-cancel", "manager1", "/deals/256/cancel/"),
    ("reminders-manager", "manager1", "/reminders/"),
    ("customer-transferred", "manager1", "/customers/34/"),
    ("laycans", "director", "/deals/laycans/"),
    ("visit-new", "rep1", "/activities/new/?customer=6"),
    ("activities", "manager1", "/activities/"),
    ("research", "analyst1", "/research/"),
    ("reminders", "rep1", "/reminders/"),
    ("dashboard-rep", "rep1", "/dashboard/rep/"),
    ("dashboard-team", "manager1", "/dashboard/team/"),
    ("dashboard-team-pipeline", "manager1", "/dashboard/team/1/pipeline/"),
    ("dashboard-team-open-items", "manager1", "/dashboard/team/1/open-items/"),
    ("dashboard-director", "director", "/dashboard/department/"),
    ("targets", "director", "/targets/"),
    ("split", "manager1", "/targets/"),
    # The grades of the demo (bulksales/demo/specifications.py): iron ore fines Fe 62% is the 4th; deal 12 sells
    # a grade not on the list.
    ("specifications", "director", "/pipeline/settings/specifications/"),
    ("specification", "director", "/pipeline/settings/specifications/4/edit/"),
    ("deal-off-list", "director", "/deals/12/"),
    # The demo's shipments (bulksales/demo/shipments.py): the iron ore cargo at Fe 61.2% / SiO2 4.75% with its
    # settled claim, a vessel still discharging on demurrage, a coal cargo rejectable at NAR 4,950, one sailing
    # with a B/L a manager accepted outside tolerance; a contract lifted in three shipments.
    ("shipment", "am1", "/shipments/49/"),
    ("shipment-demurrage", "rep8", "/shipments/62/"),
    ("shipment-rejectable", "am2", "/shipments/9/"),
    ("shipment-bl-accepted", "rep6", "/shipments/40/"),
    ("deal-shipments", "director", "/deals/138/"),
    # The demo's receivables (bulksales/demo/receivables.py): a final invoice with its quality adjustment that
    # credits the buyer, a T/T deposit paid in part, a contract's invoices panel, the payment form, a payment.
    ("invoice", "rep6", "/receivables/invoices/48/"),
    ("invoice-part-paid", "rep7", "/receivables/invoices/92/"),
    ("deal-invoices", "rep6", "/deals/41/"),
    ("payment-form", "rep9", "/receivables/customers/105/payments/new/"),
    ("payment", "rep6", "/receivables/payments/174/"),
    # The demo's letters of credit (bulksales/demo/letters_of_credit.py): the discrepant L/C with a discrepancy
    # waived and one open (its tolerance short of the contract's maximum), and its contract's panel.
    ("letter-of-credit", "am3", "/letters-of-credit/6/"),
    ("deal-letters-of-credit", "am3", "/deals/18/#letters-of-credit"),
    # Complaint 2, taken by phone on contract BS-2026-1001, names no cargo yet; shipment 95 is that contract's.
    ("complaint-untied", "service1", "/complaints/2/"),
    ("claim-tie", "service1", "/shipments/95/tie/2/"),
    # The demo's coaching notes (bulksales/demo/coaching.py): manager1's list, rep2's note from a ride-along
    # visit (not yet acknowledged, an action overdue) as rep2 sees it, and the form.
    ("coaching", "manager1", "/coaching/"),
    ("coaching-note", "rep2", "/coaching/2/"),
    ("coaching-new", "manager1", "/coaching/new/"),
    ("reminders-coaching", "rep2", "/reminders/"),
    # The commission (bulksales/demo: a plan for the previous quarter with approved statements, one for this
    # quarter with drafts): the plans, this quarter's plan and its form, the statements, a rep's draft with a
    # clawback, an approved statement as the director sees it.
    ("incentive-plans", "director", "/incentives/plans/"),
    ("incentive-plan", "director", "/incentives/plans/2/"),
    ("incentive-plan-form", "director", "/incentives/plans/2/edit/"),
    ("commission-statements", "manager1", "/incentives/statements/"),
    ("commission-statement", "rep4", "/incentives/statements/25/"),
    ("commission-statement-approved", "director", "/incentives/statements/7/"),
    # The search box: 煤 (coal) as the director, and a grade as a rep.
    ("search", "director", "/search/?q=%E7%85%A4"),
    ("search-grade", "rep1", "/search/?q=NAR"),
    # The phone's menu opened: the links, the search box and the bell.
    ("menu", "rep1", "/dashboard/rep/"),
    # Reach (README "API and feeds"): a token just created, shown once; then the profile with the token listed and
    # the calendar feed's URL just issued. Both are revoked after the shot, so the demo stays as it was seeded.
    ("api-token", "rep1", "/accounts/profile/"),
    ("profile-feeds", "rep1", "/accounts/profile/"),
]


def open_menu(page: Page) -> None:
    page.click("button.navbar-toggler")
    page.wait_for_selector("#main-nav.show")


def create_token(page: Page) -> None:
    page.fill("#api-token-name", "Power BI")
    with page.expect_navigation():
        page.click("#api-tokens button[type=submit].btn-primary")


def create_token_and_feed(page: Page) -> None:
    create_token(page)
    page.goto(f"{BASE}/accounts/profile/")
    with page.expect_navigation():
        page.click("#calendar-feed button.btn-outline-primary")
    # On the phone, the two cards rather than the top of the profile.
    page.evaluate("document.getElementById('calendar-feed').scrollIntoView()")


def revoke_token_and_feed(page: Page) -> None:
    page.goto(f"{BASE}/accounts/profile/")
    while page.locator("#api-tokens .btn-outline-danger").count():
        with page.expect_navigation():
            page.locator("#api-tokens .btn-outline-danger").first.click()
    if page.locator("#calendar-feed .btn-outline-danger").count():
        with page.expect_navigation():
            page.click("#calendar-feed .btn-outline-danger")


# What a shot does on its page first, and what it undoes after; and the viewports it is taken in (a menu that only
# the phone folds away).
BEFORE = {"menu": open_menu, "api-token": create_token, "profile-feeds": create_token_and_feed}
AFTER = {"api-token": revoke_token_and_feed, "profile-feeds": revoke_token_and_feed}
ONLY_IN = {"menu": {"phone"}}

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def serve() -> subprocess.Popen:
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "1")}
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{PORT}", "--noreload"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    for _ in range(50):
        try:
            urllib.request.urlopen(f"{BASE}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("The development server did not start.")


def main(argv: list[str]) -> None:
    languages = ["en", "zh-hans"] if "--all-languages" in argv else ["en"]
    wanted = {name for name in argv if not name.startswith("--")}
    OUT.mkdir(parents=True, exist_ok=True)
    server = serve()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"],
            )
            for language in languages:
                for viewport_name, viewport in VIEWPORTS.items():
                    for name, username, path in PAGES:
                        if wanted and name not in wanted or viewport_name not in ONLY_IN.get(name, VIEWPORTS):
                            continue
                        context = browser.new_context(
                            viewport=viewport,
                            locale="zh-CN" if language == "zh-hans" else "en-GB",
                            extra_http_headers={"Accept-Language": "zh-Hans" if language == "zh-hans" else "en"},
                            device_scale_factor=1,
                        )
                        context.add_cookies([{"name": "django_language", "value": language, "url": BASE}])
                        page = context.new_page()
                        if username:
                            page.goto(f"{BASE}/accounts/login/")
                            page.fill("input[name=username]", username)
                            page.fill("input[name=password]", PASSWORD)
                            # Wait for the sign-in's redirect: going on before it lands loses the session.
                            with page.expect_navigation():
                                page.click("button[type=submit].btn-primary")
                        page.goto(BASE + path)
                        if name in BEFORE:
                            BEFORE[name](page)
                        page.wait_for_timeout(700)  # let the charts finish drawing
                        suffix = "" if language == "en" else "-zh"
                        page.screenshot(path=OUT / f"{name}-{viewport_name}{suffix}.png",
                                        full_page=viewport_name == "desktop")
                        if name in AFTER:
                            AFTER[name](page)
                        context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait()
    print(f"Screenshots written to {OUT.relative_to(ROOT)}/")


if __name__ == "__main__":
    main(sys.argv[1:])
