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


@pytest.mark.parametrize("django_format", ["Y-m-d", "H:i", "d.m.Y H:i:s", "Y/m/d", "100% Y"])
def test_a_format_of_numbers_is_written_by_strftime_as_django_writes_it(django_format):
    from accounts.templatetags.moments import as_strftime, written

    moment = datetime.datetime(2026, 3, 5, 9, 7, 4)
    assert as_strftime(django_format) is not None
    assert written(moment, django_format) == Template("{{ moment|date:f }}").render(
        Context({"moment": moment, "f": django_format}))


@pytest.mark.parametrize("django_format", ["N j, Y", "D H:i", r"Y\年", "P", "g:i A"])
def test_a_format_with_words_or_other_numbers_is_left_to_django(django_format):
    """Month and day names, unpadded numbers, 12-hour clocks and escapes are Django's: strftime writes them
    otherwise or in the server's locale."""
    from accounts.templatetags.moments import as_strftime, written

    moment = datetime.datetime(2026, 3, 5, 21, 7)
    assert as_strftime(django_format) is None
    with translation.override("zh-hans"):
        assert written(moment, django_format) == Template("{{ moment|date:f }}").render(
            Context({"moment": moment, "f": django_format}))
