"""The board's owner filter and its open pipeline by owner, written in Python (pipeline/templatetags/
deal_summaries.py: `owner_options`, `owner_pipeline_rows`): the rows read exactly as the template language wrote
them (the old loop is kept here), in both languages, and the filter shows the person the board is filtered by."""

import re
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from .factories import CustomerFactory, DealFactory, UserFactory

# pipeline/_owner_pipeline_table.html's rows as the template language wrote them, until 2026-12-04.
OLD_ROWS = """{% load i18n %}
  {% translate "Open amount" as open_label %}{% translate "Weighted amount" as weighted_label %}
  {% for row in by_owner %}
  <tr><td class="cell-title">{{ row.person|default:"—" }}</td><td data-label="{{ open_label }}" class="text-end">{{ row.total|floatformat:"0g" }}</td><td data-label="{{ weighted_label }}" class="text-end">{{ row.weighted|floatformat:"0g" }}</td></tr>
  {% empty %}<tr><td colspan="3" class="text-secondary">{% translate "No open deal." %}</td></tr>
  {% endfor %}
"""  # noqa: E501
NEW_ROWS = "{% load deal_summaries %}{% owner_pipeline_rows by_owner %}"


def same_markup(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_owner_rows_read_as_the_template_wrote_them(cast, language):
    tables = [
        [],
        [{"person": cast.rep, "total": Decimal("31240000.00"), "weighted": Decimal("18744000.0000")},
         {"person": UserFactory(full_name="O'Brien <Sales> & Co"), "total": Decimal("0.4"), "weighted": Decimal(0)},
         {"person": None, "total": Decimal("1234567.89"), "weighted": Decimal("123456.789")}],
    ]
    with translation.override(language):
        for by_owner in tables:
            context = {"by_owner": by_owner}
            old = Template(OLD_ROWS).render(Context(context))
            assert same_markup(Template(NEW_ROWS).render(Context(context))) == same_markup(old)


def test_the_owner_filter_shows_whom_the_board_is_filtered_by(client_as, cast):
    """Before, the option was compared as text with the filter's number, and the filter showed everyone."""
    DealFactory(customer=CustomerFactory(owner=cast.rep))
    html = client_as(cast.manager).get(reverse("deals:board"), {"owner": cast.rep.pk}).content.decode()
    assert re.findall(r'<option value="(\d*)" selected>', html) == [str(cast.rep.pk)]
    everyone = client_as(cast.manager).get(reverse("deals:board")).content.decode()
    options = re.findall(r'<option value="(\d*)"( selected)?>([^<]*)</option>', everyone)
    assert not any(selected for _pk, selected, _name in options)
    assert (str(cast.rep.pk), "", str(cast.rep)) in options and (str(cast.other_rep.pk), "", str(cast.other_rep)) \
        not in options
