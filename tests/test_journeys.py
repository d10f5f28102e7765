"""The four user journeys of the plan in a real browser, in English and in Chinese: a rep working a
customer from a phone to a signed contract, a manager steering the team, a director setting targets
that the manager splits, and customer service resolving a complaint that the rep then sees.

Headless Chromium (tests/browser.py) against the live server; the data comes from the factories, and
the periodic jobs (scorecards, reminders) are run by the test where Celery beat would run them.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from customers.models import Complaint
from pipeline.models import Deal, Outcome, Stage
from pipeline.reminders import raise_reminders
from targets.kpis import compute_scorecards
from targets.models import Scorecard
from targets.periods import next_quarter, quarter_of

from .browser import PHONE, browser_fixture, sign_in_fixture  # noqa: F401 (fixtures)
from .factories import (
    ActivityFactory,
    CustomerFactory,
    DealFactory,
    ExchangeRateFactory,
    RepTargetFactory,
    TeamTargetFactory,
)
from .factories.execution import coal_nar_5500

# Flushed between tests like any live-server test; the serialized rollback restores what the
# migrations seed (the tier policies) for the tests that run after these.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LANGUAGES = ["en", "zh-hans"]

# The interface's words on the way, in both languages; the Chinese ones as in
# locale/zh_Hans/LC_MESSAGES/django.po.
WORDS_IN_BOTH = [  # (what, in English, in Chinese)
    ("menu", "Menu", "菜单"),
    ("language", "Language", "语言"),
    ("customers", "Customers", "客户"),
    ("dashboard", "Dashboard", "工作台"),
    ("pipeline", "Pipeline", "销售管道"),
    ("board", "Board", "看板"),
    ("targets", "Targets", "销售目标"),
    ("complaints", "Complaints", "客户投诉"),
    ("log_a_visit", "Log a visit", "记录拜访"),
    ("log_a_visit_or_call", "Log a visit or call", "记录拜访或电话"),
    ("summary", "Summary", "内容摘要"),
    ("log_it", "Log it", "记录"),
    ("logged", "Logged: Visit with {customer}.", "已记录与 {customer} 的拜访。"),
    ("new_deal", "New deal", "新建交易"),
    ("owner", "Owner", "负责人"),
    ("commodity", "Commodity", "货种"),
    ("grade", "Grade", "规格"),
    ("quantity", "Quantity (t)", "数量（吨）"),
    ("price", "Price per tonne", "每吨价格"),
    ("save", "Save", "保存"),
    ("deal_saved", "The deal was saved.", "交易已保存。"),
    ("move_to", "Move to", "调整至"),
    ("move", "Move", "调整阶段"),
    ("research", "Market research", "市场调研"),
    ("development", "Customer development", "客户开发"),
    ("negotiation", "Negotiation", "销售谈判"),
    ("follow_up", "Follow-up", "销售跟踪"),
    ("next_stage", "Move to the next stage", "推进到下一阶段"),
    ("show_more", "Show more", "显示更多"),
    ("sign", "Sign", "签约"),
    ("sign_the_contract", "Sign the contract", "签订合同"),
    ("contract_number", "Contract number", "合同编号"),
    ("signing_date", "Signing date", "签约日期"),
    ("won", "Won", "已签约"),
    ("my_dashboard", "My dashboard", "我的工作台"),
    ("sales_amount", "Sales amount", "销售额"),
    ("recent_visits", "Recent visits", "近期拜访"),
    ("team_dashboard", "Team dashboard: {team}", "团队工作台：{team}"),
    ("leaderboard", "Leaderboard", "排行榜"),
    ("dashboard_of", "Dashboard of {name}", "{name} 的工作台"),
    ("reminders", "Reminders", "提醒"),
    ("follow_up_reminders", "Follow-up reminders", "跟进提醒"),
    ("escalated", "Escalated", "已升级"),
    ("hand_over_to", "Hand over to", "移交给"),
    ("reassign", "Reassign", "重新分派"),
    ("handed_over", "Handed over to {name}.", "已移交给 {name}。"),
    ("quarter", "{year} Q{quarter}", "{year}年第{quarter}季度"),
    ("set_targets", "Set targets", "设定目标"),
    ("set_the_targets", "Set the targets of {team}", "设定 {team} 的目标"),
    ("target_sales_amount", "Sales amount (CNY)", "销售额（CNY）"),
    ("target_tonnage", "Tonnage (t)", "吨数（吨）"),
    ("target_signed_contracts", "Signed contracts", "签单量"),
    ("target_new_customers", "New customers", "新客户开发"),
    ("target_satisfaction", "Average satisfaction at least (0-5)", "平均客户满意度不低于（0-5）"),
    ("targets_saved", "The targets of {team} for {period} were saved.", "{team} {period}的目标已保存。"),
    ("not_fully_allocated", "Not fully allocated", "未分配完"),
    ("split_among_reps", "Split among reps", "分解给销售代表"),
    ("split_the_targets", "Split the targets of {team}", "分解 {team} 的目标"),
    ("save_the_split", "Save the split", "保存分解"),
    ("split_saved", "The split of the targets of {team} for {period} was saved.", "{team} {period}的目标分解已保存。"),
    ("left", "{amount} left", "剩余 {amount}"),
    ("record_a_complaint", "Record a complaint", "登记客户投诉"),
    ("complaints_tab", "Complaints and satisfaction", "投诉与满意度"),
    ("record_the_complaint", "Record the complaint", "登记投诉"),
    ("category", "Category", "投诉类别"),
    ("quality", "Quality off-spec", "质量不达标"),
    ("description", "Description", "问题描述"),
    ("recorded", "Complaint #{number} was recorded.", "客户投诉 #{number} 已登记。"),
    ("new_status", "New status", "新状态"),
    ("start_investigating", "Start investigating", "开始调查"),
    ("resolve", "Resolve", "解决"),
    ("resolution_text", "Resolution, reason or note", "解决方案、原因或备注"),
    ("change_status", "Change status", "变更状态"),
    ("open", "Open", "待处理"),
    ("investigating", "Investigating", "调查中"),
    ("resolved", "Resolved", "已解决"),
    ("resolution", "Resolution", "解决方案"),
    ("tonnes", "t", "吨"),
]
WORDS = {
    "en": {what: english for what, english, _chinese in WORDS_IN_BOTH},
    "zh-hans": {what: chinese for what, _english, chinese in WORDS_IN_BOTH},
}


def named(text: str) -> re.Pattern:
    """The accessible name of a link or button that reads `text`, with or without its icon (the glyphs of
    Bootstrap Icons, in Unicode's private use area, count as text for the browser)."""
    return re.compile(rf"^(?:[\ue000-\uf8ff]\s*)?{re.escape(text)}(?:\s*[\ue000-\uf8ff])?$")


def shown(record, language: str) -> str:
    """A department's, team's or commodity's name as the page shows it in `language`."""
    return record.name_zh if language == "zh-hans" and record.name_zh else record.name


def reading(language: str, *people) -> dict[str, str]:
    """These people read the interface in `language` (their profile's choice); its words."""
    for person in people:
        person.language = language
        person.save(update_fields=["language"])
    return WORDS[language]


def this_quarter() -> tuple[int, int]:
    return quarter_of(timezone.localdate())


def quarter_targets(cast, *, rep_sales_amount: str) -> None:
    """Targets of the running quarter for team A, with the rep's share of the sales amount."""
    year, quarter = this_quarter()
    team_target = TeamTargetFactory(team=cast.rep.team, year=year, quarter=quarter)
    RepTargetFactory(team_target=team_target, rep=cast.rep, sales_amount=Decimal(rep_sales_amount))


def compute_this_quarters_scorecards() -> None:
    """What the scorecards job of Celery beat does; the dashboards read only its results."""
    compute_scorecards(period=Scorecard.Period.QUARTER, start=timezone.localdate())


def scripts_ready(page: Page) -> None:
    """A click can come as soon as a page starts loading: wait for Bootstrap and htmx before JS-only controls."""
    page.wait_for_load_state("load")


def open_phone_menu(page: Page, words: dict) -> None:
    scripts_ready(page)
    page.get_by_role("button", name=named(words["menu"])).click()
    # Opened, not still sliding open: a dropdown toggled during Bootstrap's collapse animation (a slow, busy
    # machine) may not open.
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"^(?!.*\bcollapsing\b).*\bshow\b"))


def choose_from_menu(page: Page, menu: str, item: str) -> None:
    scripts_ready(page)
    page.get_by_role("button", name=named(menu)).click()
    page.get_by_role("link", name=named(item)).click()


def click_for_htmx(page: Page, button) -> None:
    """Click a control that htmx handles; `expect_no_reload` then checks the page was swapped in place."""
    scripts_ready(page)
    page.evaluate("window.journeyMark = true")
    button.click()


def expect_no_reload(page: Page) -> None:
    assert page.evaluate("window.journeyMark === true"), "the page was reloaded instead of swapped by htmx"


def expect_message(page: Page, text: str) -> None:
    """The message shown after a form was saved (pages may hold other alerts, e.g. a warning on a card)."""
    expect(page.get_by_role("alert").filter(has_text=text)).to_be_visible()


def attainment(page: Page, label: str):
    """One figure of a scorecard's attainment: its progress bar's row, with "reached / target"."""
    return page.get_by_role("progressbar", name=label, exact=True).locator("xpath=..")


def column(page: Page, stage_label: str):
    """A column of the pipeline board (each is a <section> labelled with its stage)."""
    return page.get_by_role("region", name=stage_label, exact=True)


def complaints_card(page: Page, words: dict):
    return page.locator(".card", has=page.get_by_role("heading", name=words["complaints"], exact=True))


# --- 1. A rep, on a phone: from a visit to a signed contract --------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_rep_on_a_phone_logs_a_visit_develops_a_deal_and_signs_it(cast, sign_in, language):
    words = WORDS[language]
    customer = CustomerFactory(owner=cast.rep, name="Rizhao Steel Co., Ltd.")
    coal = coal_nar_5500().commodity  # Thermal coal, 动力煤, and its grade NAR 5500
    ExchangeRateFactory()  # USD at 7.1 to the base currency (CNY)
    quarter_targets(cast, rep_sales_amount="40000000")

    page = sign_in(cast.rep, viewport=PHONE)
    if language == "zh-hans":
        # The language menu, from the phone's collapsed navigation; the choice is kept on the profile.
        open_phone_menu(page, WORDS["en"])
        page.get_by_role("button", name=named(WORDS["en"]["language"])).click()
        page.get_by_role("button", name=named("简体中文")).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(words["my_dashboard"])
        cast.rep.refresh_from_db()
        assert cast.rep.language == "zh-hans"

    open_phone_menu(page, words)
    page.get_by_role("link", name=named(words["customers"])).click()
    page.get_by_role("link", name=named(customer.name)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(customer.name)

    # The visit, logged from the customer's page.
    page.get_by_role("link", name=named(words["log_a_visit"])).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["log_a_visit_or_call"])
    page.get_by_label(words["summary"]).fill("Met the purchasing manager at the mill; Q1 needs 50,000 t NAR 5500.")
    page.get_by_role("button", name=named(words["log_it"])).click()
    expect_message(page, words["logged"].format(customer=customer))
    expect(page.locator("#activities-panel")).to_contain_text("Met the purchasing manager at the mill")

    # The deal, created from the same page.
    page.get_by_role("link", name=named(words["new_deal"])).click()
    # DealForm means to offer the rep as the owner, but the unsaved deal's empty owner in the form's
    # initial data wins over it, so the rep picks themselves, as they must on the page today.
    page.get_by_label(words["owner"]).select_option(label=str(cast.rep))
    page.get_by_label(words["commodity"]).select_option(label=shown(coal, language))
    page.get_by_label(words["grade"], exact=True).select_option(label="NAR 5500")
    page.get_by_label(words["quantity"]).fill("50000")
    page.get_by_label(words["price"]).fill("80")
    page.get_by_role("button", name=named(words["save"])).click()
    expect_message(page, words["deal_saved"])
    heading = f"{shown(coal, language)} NAR 5500 · 50,000 {words['tonnes']}"
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    deal = Deal.objects.get(customer=customer)
    assert deal.stage == Stage.RESEARCH

    # Research -> development with the deal page's move form.
    page.get_by_label(words["move_to"]).select_option(label=words["development"])
    page.get_by_role("button", name=named(words["move"])).click()
    expect(page.locator(".page-header")).to_contain_text(words["development"])

    # Development -> negotiation with the card's arrow on the board (htmx swaps the board).
    open_phone_menu(page, words)
    choose_from_menu(page, words["pipeline"], words["board"])
    click_for_htmx(page, column(page, words["development"]).get_by_role("button", name=named(words["next_stage"])))
    card = column(page, words["negotiation"]).locator("article", has_text=customer.name)
    expect(card).to_be_visible()
    expect(column(page, words["development"]).locator("article")).to_have_count(0)
    expect_no_reload(page)

    # Signing: the contract number, signed today.
    card.get_by_role("link", name=named(words["sign"])).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["sign_the_contract"])
    page.get_by_label(words["contract_number"]).fill("BS-2026-0042")
    page.get_by_label(words["signing_date"]).fill(timezone.localdate().isoformat())
    page.get_by_role("button", name=named(words["sign"])).click()
    header = page.locator(".page-header")
    expect(header.get_by_text(words["won"], exact=True)).to_be_visible()
    expect(header).to_contain_text(words["follow_up"])
    deal.refresh_from_db()
    assert (deal.stage, deal.outcome, deal.contract_number) == (Stage.FOLLOW_UP, Outcome.WON, "BS-2026-0042")

    # The dashboard, once the scorecards are computed: 50,000 t x 80 USD x 7.1 = 28,400,000 CNY signed.
    compute_this_quarters_scorecards()
    open_phone_menu(page, words)
    page.get_by_role("link", name=named(words["dashboard"])).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["my_dashboard"])
    expect(attainment(page, words["sales_amount"])).to_contain_text("28,400,000 / 40,000,000 CNY")
    visits = page.locator("section", has=page.get_by_role("heading", name=words["recent_visits"]))
    expect(visits).to_contain_text(customer.name)


# --- 2. A manager: a rep's scorecard, an escalated follow-up, a card on the board -----------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_manager_reads_a_scorecard_reassigns_an_escalated_follow_up_and_moves_a_card(cast, sign_in, language):
    words = reading(language, cast.manager)
    team = cast.rep.team
    today, now = timezone.localdate(), timezone.now()
    # The rep signed 55,000 t x 80 USD at 7.1 = 31,240,000 CNY this quarter, of a 40,000,000 share.
    DealFactory(customer=CustomerFactory(owner=cast.rep, name="Tangshan Iron & Steel Co., Ltd."),
                stage=Stage.FOLLOW_UP, outcome=Outcome.WON, contract_number="BS-2026-0007", signed_on=today)
    quarter_targets(cast, rep_sales_amount="40000000")
    # A next step five days late: the hourly job escalates it to the manager after three.
    late = ActivityFactory(customer=CustomerFactory(owner=cast.rep, name="Shandong Power Co., Ltd."),
                           happened_at=now - datetime.timedelta(days=10), next_step="Send a revised CFR offer",
                           next_step_due=today - datetime.timedelta(days=5))
    open_deal = DealFactory(customer=CustomerFactory(owner=cast.rep, name="Caofeidian Cement Co., Ltd."),
                            stage=Stage.RESEARCH)
    compute_this_quarters_scorecards()
    raise_reminders(now=now)

    page = sign_in(cast.manager, language=language)

    # The team dashboard, then the rep's scorecard through the leaderboard.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        words["team_dashboard"].format(team=shown(team, language)))
    leaderboard = page.locator("section", has=page.get_by_role("heading", name=words["leaderboard"]))
    expect(leaderboard).to_contain_text("31,240,000")
    leaderboard.get_by_role("link", name=named(str(cast.rep))).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["dashboard_of"].format(name=cast.rep))
    expect(attainment(page, words["sales_amount"])).to_contain_text("31,240,000 / 40,000,000 CNY")

    # The escalated follow-up, handed to another rep of the team from the reminders inbox (htmx: the row).
    page.get_by_title(words["reminders"], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["follow_up_reminders"])
    row = page.get_by_role("row").filter(has_text="Send a revised CFR offer")
    expect(row).to_contain_text(words["escalated"])
    row.get_by_label(words["hand_over_to"]).select_option(label=str(cast.account_manager))
    click_for_htmx(page, row.get_by_role("button", name=named(words["reassign"])))
    expect(row.get_by_role("status")).to_have_text(words["handed_over"].format(name=cast.account_manager))
    expect_no_reload(page)
    late.refresh_from_db()
    # The next step moves, not the visit (nor its credit).
    assert (late.owner, late.next_step_owner) == (cast.rep, cast.account_manager)

    # A card moved on the board with its arrow (htmx: the board is swapped in place).
    choose_from_menu(page, words["pipeline"], words["board"])
    card = column(page, words["research"]).locator("article", has_text="Caofeidian Cement")
    click_for_htmx(page, card.get_by_role("button", name=named(words["next_stage"])))
    expect(column(page, words["development"]).locator("article", has_text="Caofeidian Cement")).to_be_visible()
    expect(column(page, words["research"]).locator("article")).to_have_count(0)
    expect_no_reload(page)
    open_deal.refresh_from_db()
    assert open_deal.stage == Stage.DEVELOPMENT

    # A column shows its latest 15 cards; "Show more" adds the next ones under them, in place (htmx).
    customer = open_deal.customer
    for _number in range(17):
        DealFactory(customer=customer, stage=Stage.RESEARCH)
    page.reload()
    research = column(page, words["research"])
    expect(research.locator("article")).to_have_count(15)
    click_for_htmx(page, research.get_by_role("link", name=named(words["show_more"])))
    expect(research.locator("article")).to_have_count(17)
    expect(research.get_by_role("link", name=named(words["show_more"]))).to_have_count(0)
    expect_no_reload(page)


# --- 3. Next quarter's targets: the director sets them, the manager splits them -------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_director_sets_next_quarters_targets_and_the_manager_splits_them(cast, sign_in, language):
    words = reading(language, cast.director, cast.manager)
    team = shown(cast.rep.team, language)
    year, quarter = next_quarter(*this_quarter())
    period = words["quarter"].format(year=year, quarter=quarter)

    director = sign_in(cast.director, language=language)
    choose_from_menu(director, words["pipeline"], words["targets"])
    director.get_by_role("link", name=named(period)).click()
    expect(director.get_by_role("heading", level=1)).to_contain_text(period)
    team_card = director.locator(".card", has=director.get_by_role("heading", name=team))
    team_card.get_by_role("link", name=named(words["set_targets"])).click()
    expect(director.get_by_role("heading", level=1)).to_have_text(words["set_the_targets"].format(team=team))
    director.get_by_label(words["target_sales_amount"]).fill("60000000")
    director.get_by_label(words["target_tonnage"]).fill("300000")
    director.get_by_label(words["target_signed_contracts"]).fill("6")
    director.get_by_label(words["target_new_customers"]).fill("2")
    director.get_by_label(words["target_satisfaction"]).fill("4")
    director.get_by_role("button", name=named(words["save"])).click()
    expect_message(director, words["targets_saved"].format(team=team, period=period))
    expect(team_card).to_contain_text(words["not_fully_allocated"])
    expect(team_card).to_contain_text("60,000,000 CNY")

    manager = sign_in(cast.manager, language=language)
    choose_from_menu(manager, words["pipeline"], words["targets"])
    manager.get_by_role("link", name=named(period)).click()
    manager.locator(".card", has=manager.get_by_role("heading", name=team)).get_by_role(
        "link", name=named(words["split_among_reps"])).click()
    expect(manager.get_by_role("heading", level=1)).to_have_text(words["split_the_targets"].format(team=team))
    expect(manager.locator("tbody")).to_contain_text(words["left"].format(amount="60,000,000"))
    shares = {cast.rep: ("35000000", "180000", "4", "1"), cast.account_manager: ("20000000", "100000", "2", "0")}
    for rep, figures in shares.items():
        row = manager.get_by_role("row").filter(has_text=str(rep))
        for name, value in zip(["sales_amount", "tonnage", "signed_contracts", "new_customers"], figures, strict=True):
            row.locator(f"input[name$='-{name}']").fill(value)
    manager.get_by_role("button", name=named(words["save_the_split"])).click()

    # Back on the quarter's page: what is still left to allocate.
    expect_message(manager, words["split_saved"].format(team=team, period=period))
    team_card = manager.locator(".card", has=manager.get_by_role("heading", name=team))
    expect(team_card).to_contain_text(words["not_fully_allocated"])
    expect(team_card).to_contain_text(words["left"].format(amount="5,000,000"))
    expect(team_card).to_contain_text(words["left"].format(amount="20,000"))


# --- 4. A complaint: customer service resolves it, the customer's rep sees it resolved ------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_customer_service_resolves_a_complaint_and_the_rep_sees_it_on_the_customer(cast, sign_in, language):
    words = reading(language, cast.service, cast.rep)
    customer = CustomerFactory(owner=cast.rep, name="Rizhao Steel Co., Ltd.")

    # Customer service lands on the customer list (it keeps no scorecard).
    service = sign_in(cast.service, language=language)
    service.get_by_role("link", name=named(customer.name)).click()
    service.get_by_role("link", name=named(words["record_a_complaint"])).click()
    service.get_by_label(words["category"]).select_option(label=words["quality"])
    service.get_by_label(words["description"]).fill("Ash 14.2% against 12% max in the contract; 3 holds affected.")
    service.get_by_role("button", name=named(words["record_the_complaint"])).click()
    complaint = Complaint.objects.get(customer=customer)
    expect_message(service, words["recorded"].format(number=complaint.pk))
    title = service.get_by_role("heading", level=1)
    expect(title).to_contain_text(words["open"])

    service.get_by_label(words["new_status"]).select_option(label=words["start_investigating"])
    service.get_by_role("button", name=named(words["change_status"])).click()
    expect(title).to_contain_text(words["investigating"])
    service.get_by_label(words["new_status"]).select_option(label=words["resolve"])
    service.get_by_label(words["resolution_text"]).fill("Price reduced by 1.5 USD/t for the off-spec cargo.")
    service.get_by_role("button", name=named(words["change_status"])).click()
    expect(title).to_contain_text(words["resolved"])

    # The rep, owner of the customer, finds it resolved on the customer's page.
    rep = sign_in(cast.rep, language=language)
    rep.get_by_role("link", name=named(words["customers"])).click()
    rep.get_by_role("link", name=named(customer.name)).click()
    rep.get_by_role("link", name=named(words["complaints_tab"])).click()
    row = complaints_card(rep, words).get_by_role("row").filter(has_text=f"#{complaint.pk}")
    expect(row).to_contain_text(words["resolved"])
    row.get_by_role("link", name=named(f"#{complaint.pk} {words['quality']}")).click()
    expect(rep.get_by_role("heading", level=1)).to_contain_text(words["resolved"])
    expect(rep.locator("dt").get_by_text(words["resolution"], exact=True)).to_be_visible()
    expect(rep.get_by_role("definition").filter(has_text="Price reduced by 1.5 USD/t")).to_be_visible()
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.RESOLVED
