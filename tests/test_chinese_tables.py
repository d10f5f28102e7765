"""Crowded lists read in Chinese on a desktop: a person's name, a status and a column's header stay on one line.

Chinese has no spaces, so the browser may break it between any two characters; a table short of room gave its
narrow columns one character a line (the owner 唐建华 as 唐建 over 华, the header 负责人 as 负责 over 人).
Headless Chromium (tests/browser.py) against the live server, the rows from the factories. Named, as the journeys
are, to run before the transactional tests without a serialized rollback (test_scorecard_refresh, test_security's
live server): their flush makes the content types anew, which a serialized rollback then fails to restore."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from accounts.models import Position

from .browser import DESKTOP, browser_fixture, sign_in_fixture  # noqa: F401 (fixtures)
from .factories import ActivityFactory, ComplaintFactory, ContactFactory, CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Of each cell, its text and how many of its words the browser split over two lines: each character's line (the top
# of its layout box), a word being a run of characters between spaces. A line may still break at a space ("#348",
# then "短重", in a narrow title cell), never inside a word.
WORDS_SPLIT = """selector => Array.from(document.querySelectorAll(selector)).map(cell => {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    let split = 0, word = new Set(), node;
    const end = () => { if (word.size > 1) split++; word = new Set(); };
    while ((node = walker.nextNode())) {
        for (let i = 0; i < node.length; i++) {
            if (/\\s/.test(node.data[i])) { end(); continue; }
            const range = document.createRange();
            range.setStart(node, i);
            range.setEnd(node, i + 1);
            const box = range.getClientRects()[0];
            if (box && box.width > 0) word.add(Math.round(box.top));
        }
    }
    end();
    return [cell.textContent.trim(), split];
})"""


def _words_split(page: Page, selector: str) -> dict[str, int]:
    return dict(page.evaluate(WORDS_SPLIT, selector))


@pytest.fixture
def crowded(cast):
    """Customers whose names, regions and contacts fill the row, owned by a rep with a three-character name,
    and complaints about them assigned to customer service with one."""
    owner = UserFactory(username="tang", full_name="唐建华", team=cast.rep.team, department=cast.rep.department)
    assignee = UserFactory(username="li", full_name="李丽娟", position=Position.CUSTOMER_SERVICE)
    for number in range(3):
        customer = CustomerFactory(name=f"Bangkok Eastern Power Generation Public Company Limited {number}",
                                   province="Bangkok Metropolitan Region", city="Bangkok", owner=owner,
                                   status="prospect", last_contacted_at=timezone.now())
        ContactFactory(customer=customer, is_primary=True, name="Kim Min-jun",
                       email=f"procurement.department.buyer{number}@bangkok-eastern-power.example")
        ComplaintFactory(customer=customer, assignee=assignee, category="quantity", recorded_by=assignee,
                         description="到港数量短少", severity="medium")
        # A visit to a customer known by a short Chinese name, with a long summary beside it.
        known_short = CustomerFactory(name=f"厦门金海第一贸易有限公司{number}", short_name="厦门金海第一", owner=owner)
        ActivityFactory(customer=known_short, owner=owner, next_step="发送正式报价", next_step_due=timezone.localdate(),
                        summary="与采购经理讨论了第一季度的数量、指数挂钩的价格公式以及信用证的开立时间" * 2)
    return cast


@pytest.mark.parametrize("path, cells, names, header", [
    ("/customers/", "td.cell-word", {"唐建华", "潜在客户"}, "负责人"),
    ("/complaints/", "td.cell-word", {"李丽娟", "待处理"}, "处理人"),
    ("/activities/", "td.cell-word", {"厦门金海第一"}, "记录人"),
])
def test_names_and_labels_keep_their_words_whole_in_a_crowded_chinese_list(crowded, sign_in, path, cells, names,
                                                                            header):
    page = sign_in(crowded.manager, language="zh-hans", viewport=DESKTOP)
    page.goto(path)
    split = _words_split(page, cells)
    assert names <= set(split), split  # the cells are there, in Chinese
    assert {text: count for text, count in split.items() if count} == {}
    headers = _words_split(page, "table thead th")
    assert header in headers, headers
    assert {text: count for text, count in headers.items() if count} == {}
