"""A week of the laycan calendar, built in Python (pipeline/templatetags/laycan_bars.py), reads as the template
language wrote it: the old markup is kept here and both are rendered for weeks of every shape (days outside the
month and today, bars that continue from or into the next week, a shipment's reference, "+N more" counts, texts
to escape), in both languages. The two differ only in the white space between tags, which the comparison folds."""

import datetime
import re

import pytest
from django.template import Context, Template
from django.utils import translation

from pipeline.laycan_sources import LaycanWindow
from pipeline.views.calendar import Bar, Shown, Week

# templates/pipeline/laycan_calendar.html's grid week and phone list as they were.
OLD_GRID = """{% load i18n %}    {% for day in week.days %}
    <div class="laycan-day{% if not day.in_month %} outside{% endif %}{% if day.today %} today{% endif %}" style="grid-column: {{ forloop.counter }}; grid-row-end: span {{ week.rows }};">
      <span class="laycan-date">{{ day.date.day }}</span>
    </div>
    {% endfor %}
    {% for bar in week.bars %}{% with shown=bar.shown %}
    <a href="{{ shown.url }}"
       class="laycan-bar {{ shown.css }}{% if bar.continues_before %} continues-before{% endif %}{% if bar.continues_after %} continues-after{% endif %}"
       style="grid-column: {{ bar.column }} / span {{ bar.span }}; grid-row: {{ bar.row }};"
       title="{{ shown.title }}"><i aria-hidden="true" class="bi {{ shown.icon }} me-1"></i>{{ shown.text }}</a>
    {% endwith %}{% endfor %}
    {% for count in week.more %}{% if count %}<span class="laycan-more" style="grid-column: {{ forloop.counter }}; grid-row: {{ week.more_row }};">{% blocktranslate %}+{{ count }} more{% endblocktranslate %}</span>{% endif %}{% endfor %}
"""  # noqa: E501
OLD_LIST = """{% load i18n %}    {% for bar in week.bars %}{% with shown=bar.shown %}
    <a class="list-group-item list-group-item-action" href="{{ shown.url }}">
      <div class="d-flex justify-content-between gap-2">
        <strong{% if not shown.reference %} class="text-truncate"{% endif %}>{{ shown.label }}{% if shown.reference %} — <span class="text-nowrap">{{ shown.reference }}</span>{% endif %}</strong>
        <span class="badge {{ shown.css }} align-self-start"><i aria-hidden="true" class="bi {{ shown.icon }} me-1"></i>{{ shown.kind }}</span>
      </div>
      <div class="small">{{ shown.detail }}</div>
      <div class="small text-secondary">{{ shown.laycan }}</div>
    </a>
    {% endwith %}{% endfor %}
"""  # noqa: E501
NEW_GRID = "{% load laycan_bars %}{% laycan_week_grid week %}"
NEW_LIST = "{% load laycan_bars %}{% laycan_week_list week %}"
MONDAY = datetime.date(2027, 2, 22)  # a week running into March


def folded(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


def shown(n: int, *, reference: str = "", css: str = "text-bg-success", text: str = "") -> Shown:
    return Shown(url=f"/deals/{n}/", css=css, icon="bi-check-circle-fill", text=text or f"Customer {n} · Coal",
                 title=f"Customer {n} · Coal · Laycan 2027-02-20 – 2027-03-02", label=f"Customer {n}",
                 kind="Signed", detail="Coal · 50,000 t", laycan="Laycan 20 February – 2 March", reference=reference)


def week(*, more: list[int], bars: list[Bar]) -> Week:
    dates = [MONDAY + datetime.timedelta(days=n) for n in range(7)]
    days = [{"date": day, "in_month": day.month == 2, "today": n == 2} for n, day in enumerate(dates)]
    return Week(days=days, first=dates[0], last=dates[-1], bars=bars, more=more, hidden=sum(more))


def shapes() -> list[Week]:
    window = LaycanWindow(MONDAY, MONDAY, 1)
    return [
        week(more=[0] * 7, bars=[]),
        week(more=[0] * 7, bars=[
            Bar(column=1, span=7, window=window, lane=1, continues_before=True, continues_after=True, shown=shown(1)),
            Bar(column=3, span=2, window=window, lane=2, shown=shown(2, css="text-bg-warning",
                                                                  text='Tangshan "Iron" & <Steel>')),
            Bar(column=5, span=1, window=window, lane=3, continues_after=True,
                shown=shown(3, css="text-bg-info", reference="BS-2027-0012/1")),
        ]),
        week(more=[0, 2, 0, 0, 11, 1, 0], bars=[
            Bar(column=2, span=4, window=window, lane=12, continues_before=True, shown=shown(4)),
        ]),
        week(more=[1] * 7, bars=[]),
    ]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_week_reads_as_the_template_wrote_it(language):
    with translation.override(language):
        for shape in shapes():
            for old, new in ((OLD_GRID, NEW_GRID), (OLD_LIST, NEW_LIST)):
                expected = folded(Template(old).render(Context({"week": shape})))
                built = folded(Template(new).render(Context({"week": shape})))
                assert built == expected
