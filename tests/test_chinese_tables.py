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
from .factories import ComplaintFactory, ContactFactory, CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# How many lines each cell's text takes, from the boxes the browser laid it out in.
LINES_OF = """selector => Array.from(document.querySelectorAll(selector)).map(cell => {
    const range = document.createRange();
    range.selectNodeContents(cell);
    const boxes = Array.from(range.getClientRects()).filter(box => box.width > 0);
    const tops = new Set(boxes.map(box => Math.round(box.top)));
    return [cell.textContent.trim(), tops.size];
})"""


def _lines(page: Page, selector: str) -> dict[str, int]:
    return dict(page.evaluate(LINES_OF, selector))


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
    return cast


@pytest.mark.parametrize("path, cells, names", [
    ("/customers/", "td.cell-word", {"唐建华", "潜在客户"}),
    ("/complaints/", "td.cell-word", {"李丽娟", "待处理"}),
])
def test_names_and_labels_keep_to_one_line_in_a_crowded_chinese_list(crowded, sign_in, path, cells, names):
    page = sign_in(crowded.manager, language="zh-hans", viewport=DESKTOP)
    page.goto(path)
    lines = _lines(page, cells)
    assert names <= set(lines), lines  # the cells are there, in Chinese
    assert {text: count for text, count in lines.items() if count != 1} == {}
    headers = _lines(page, "table thead th")
    assert "负责人" in headers or "处理人" in headers, headers
    assert {text: count for text, count in headers.items() if count != 1 and " " not in text} == {}
