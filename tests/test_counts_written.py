"""Counts past a thousand are written with the reader's thousands separator, as a list's heading and the bell
show them ("43001 activities" read as a code, not a count)."""

import pytest
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .factories import DealFactory


@pytest.fixture
def many(monkeypatch):
    """Every list counts 12,345 records (on the rep's one deal: the page still shows its rows)."""
    monkeypatch.setattr(Paginator, "count", property(lambda paginator: 12_345))


@pytest.mark.parametrize(("language", "heading", "pages"), [
    ("en", "12,345 deals", "Page 1 of 247"),
    ("zh-hans", "12,345 笔交易", "第 1 页，共 247 页"),
])
def test_a_lists_heading_and_pager_separate_thousands(client_as, cast, many, language, heading, pages):
    DealFactory(owner=cast.rep)
    cast.rep.language = language
    cast.rep.save()
    html = client_as(cast.rep).get(reverse("deals:list")).content.decode()
    assert heading in html
    assert pages in html


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_bell_separates_thousands(language, rf, cast):
    request = rf.get("/")
    request.user = cast.rep
    with translation.override(language):
        html = render_to_string("pipeline/_bell.html", {"reminder_count": 14_120}, request=request)
    assert '<span id="reminder-count" class="badge rounded-pill text-bg-danger">14,120</span>' in html
