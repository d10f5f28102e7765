"""The complaint list (客户投诉) shows both deadlines, respond by and resolve by, and puts the overdue
mark on the deadline that was missed, in English and in Chinese."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import Complaint
from customers.selectors import with_overdue

from .factories import ComplaintFactory, CustomerFactory

Status = Complaint.Status


@pytest.fixture
def complaints(cast):
    customer = CustomerFactory(owner=cast.rep)
    now, past = timezone.now(), timezone.now() - timedelta(days=30)

    def make(**fields):
        return ComplaintFactory(customer=customer, assignee=cast.service, recorded_by=cast.service, **fields)

    return {
        "unanswered": make(received_at=now - timedelta(hours=6), respond_by=now - timedelta(hours=2),
                           resolve_by=now + timedelta(days=1)),
        "unresolved": make(status=Status.INVESTIGATING, received_at=past, respond_by=past + timedelta(hours=4),
                           responded_at=past + timedelta(hours=1), resolve_by=past + timedelta(days=2)),
        "both missed": make(received_at=past, respond_by=past + timedelta(hours=4),
                            resolve_by=past + timedelta(days=2)),
        "resolved late": make(status=Status.RESOLVED, received_at=past, respond_by=past + timedelta(hours=4),
                              responded_at=past + timedelta(hours=6), resolve_by=past + timedelta(days=2),
                              resolved_at=past + timedelta(days=5)),
        "on time": make(received_at=now - timedelta(hours=1), respond_by=now + timedelta(hours=23),
                        resolve_by=now + timedelta(days=9)),
    }


def cells(html: str, complaint: Complaint, label: str) -> str:
    """The text of the row's cell labelled `label` (the label phones show), tags removed."""
    link = reverse("complaints:detail", args=[complaint.pk])
    row = next(row for row in html.split("<tr")[1:] if f'href="{link}"' in row)
    cell = re.search(rf'<td data-label="{re.escape(label)}">(.*?)</td>', row, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", cell).split())


def test_the_list_annotates_which_deadline_is_missed(complaints):
    rows = {c.pk: (c.response_overdue, c.resolution_overdue) for c in with_overdue(Complaint.objects.all())}
    assert rows == {
        complaints["unanswered"].pk: (True, False),
        complaints["unresolved"].pk: (False, True),
        complaints["both missed"].pk: (True, True),
        complaints["resolved late"].pk: (False, False),
        complaints["on time"].pk: (False, False),
    }


def test_the_list_shows_both_deadlines_with_the_overdue_mark_on_the_one_missed(client_as, cast, complaints):
    html = client_as(cast.service).get(reverse("complaints:list")).content.decode()

    assert "<th>Respond by</th>" in html and "<th>Resolve by</th>" in html

    def mark(name, label):
        return cells(html, complaints[name], label)

    assert mark("unanswered", "Respond by").endswith("Overdue")
    assert "Overdue" not in mark("unanswered", "Resolve by")
    assert "Overdue" not in mark("unresolved", "Respond by") and mark("unresolved", "Respond by").endswith("Responded")
    assert mark("unresolved", "Resolve by").endswith("Overdue")
    assert mark("both missed", "Respond by").endswith("Overdue") and mark("both missed", "Resolve by").endswith(
        "Overdue")
    assert mark("resolved late", "Respond by").endswith("Responded late")
    assert mark("resolved late", "Resolve by").endswith("Resolved late")
    assert "Overdue" not in mark("on time", "Respond by") + mark("on time", "Resolve by")
    # Each deadline shows its date and time.
    respond_by = timezone.localtime(complaints["on time"].respond_by)
    assert mark("on time", "Respond by").startswith(respond_by.strftime("%Y-%m-%d %H:%M"))
    assert html.count('class="table-danger"') == 3


def test_the_list_in_chinese(client_as, cast, complaints):
    cast.service.language = "zh-hans"
    cast.service.save()

    html = client_as(cast.service).get(reverse("complaints:list")).content.decode()

    assert "<th>响应期限</th>" in html and "<th>解决期限</th>" in html
    assert cells(html, complaints["unanswered"], "响应期限").endswith("已超期")
    assert "已超期" not in cells(html, complaints["unanswered"], "解决期限")
    assert cells(html, complaints["unresolved"], "解决期限").endswith("已超期")
    assert cells(html, complaints["resolved late"], "解决期限").endswith("解决超时")
    assert "Overdue" not in html and "Respond by" not in html
