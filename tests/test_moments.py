"""`date_and_time` (accounts/templatetags/moments.py): a moment in the reader's time zone and format, its date
kept on one line in a narrow table cell."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import translation


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_moment_is_written_in_the_readers_format_with_its_date_whole(language):
    moment = datetime.datetime(2026, 3, 5, 1, 30, tzinfo=datetime.UTC)  # 09:30 in Shanghai
    with translation.override(language):
        html = Template("{% load moments %}{{ moment|date_and_time }}|{{ moment|date:'SHORT_DATETIME_FORMAT' }}"
                        ).render(Context({"moment": moment}))
    whole, plain = html.split("|")
    assert whole == '<span class="text-nowrap">2026-03-05</span> 09:30'
    assert plain == "2026-03-05 09:30"  # the same words as the format the pages print elsewhere


def test_no_moment_writes_nothing():
    assert Template("{% load moments %}[{{ moment|date_and_time }}]").render(Context({"moment": None})) == "[]"
