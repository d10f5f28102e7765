"""The board's owner filter and its open pipeline by owner, written in Python (pipeline/templatetags/
deal_summaries.py: `owner_options`, `owner_pipeline_rows`): the rows read exactly as the template language wrote
them (the old loop is kept here), in both languages, and the filter shows the person the board is filtered by."""

import re
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from pipeline.models import Outcome, Stage

from .factories import CustomerFactory, DealFactory, TeamFactory, UserFactory
from .queries import assert_queries_pinned, board_card_id_queries, planner_settings

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


def _team_rows(html: str) -> list[tuple[str, str, str, str]]:
    """(link, team, open amount, weighted amount) of each row of the open pipeline by team."""
    table = html.split('id="board"', 1)[1]
    return [(link, name, total, weighted) for link, name, total, weighted in re.findall(
        r'<tr><td class="cell-title">(?:<a href="([^"]*)">)?([^<]*)(?:</a>)?</td><td data-label="[^"]*" '
        r'class="text-end">([^<]*)</td><td data-label="[^"]*" class="text-end">([^<]*)</td></tr>', table)]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_directors_board_sums_the_open_pipeline_by_team_each_leading_to_its_open_deals(
        client_as, cast, language):
    """The director sees everyone: a row a team (the largest first) and one for the people in no team, instead of
    a row a person (300 at the large size); chosen one person, their board shows their row."""
    team_a, team_b = cast.rep.team, cast.other_rep.team
    for owner, stage, amount in [(cast.rep, Stage.RESEARCH, 1000), (cast.account_manager, Stage.NEGOTIATION, 2000),
                                 (cast.other_rep, Stage.DEVELOPMENT, 8000), (cast.director, Stage.RESEARCH, 500)]:
        DealFactory(customer=CustomerFactory(owner=owner), stage=stage, amount_base=Decimal(amount))
    DealFactory(customer=CustomerFactory(owner=cast.rep), stage=Stage.NEGOTIATION, outcome=Outcome.LOST,
                amount_base=Decimal(99000))  # lost: in no pipeline
    cast.director.language = language
    cast.director.save()
    client = client_as(cast.director)
    html = client.get(reverse("deals:board")).content.decode()
    listed = reverse("deals:list")
    no_team = {"en": "In no team", "zh-hans": "不属于任何团队"}[language]
    # Team B: 8,000 at 25 %; team A: 1,000 at 10 % and 2,000 at 60 %; the director's own 500 at 10 %.
    assert _team_rows(html) == [
        (f"{listed}?team={team_b.pk}&amp;outcome=open", str(team_b.name if language == "en" else team_b.name_zh),
         "8,000", "2,000"),
        (f"{listed}?team={team_a.pk}&amp;outcome=open", str(team_a.name if language == "en" else team_a.name_zh),
         "3,000", "1,300"),
        ("", no_team, "500", "50")]
    assert {"en": "Open pipeline by team", "zh-hans": "按团队统计的在谈销售管道"}[language] in html
    # The link: that team's open deals, no other's.
    deals = client.get(f"{listed}?team={team_a.pk}&outcome=open").context["page"].object_list
    assert sorted(deal.owner_id for deal in deals) == sorted([cast.rep.pk, cast.account_manager.pk])
    # One person's board: their row, by owner.
    context = client.get(reverse("deals:board"), {"owner": cast.other_rep.pk}).context
    assert context["by_team"] == [] and [(row["person"], row["total"]) for row in context["by_owner"]] == [
        (cast.other_rep, Decimal(8000))]


def test_a_managers_board_keeps_the_pipeline_by_owner_largest_first(client_as, cast):
    for owner, amount in [(cast.rep, 1000), (cast.account_manager, 2000)]:
        DealFactory(customer=CustomerFactory(owner=owner), amount_base=Decimal(amount))
    context = client_as(cast.manager).get(reverse("deals:board")).context
    assert context["by_team"] == [] and not context["teams_shown"]
    assert [(row["person"], row["total"]) for row in context["by_owner"]] == [
        (cast.account_manager, Decimal(2000)), (cast.rep, Decimal(1000))]


def test_the_directors_board_costs_the_same_queries_however_many_teams_and_deals(client_as, cast):
    client = client_as(cast.director)
    DealFactory(customer=CustomerFactory(owner=cast.rep))

    def more():
        for index in range(3):
            team = TeamFactory(name=f"Team {index}", department=cast.rep.department, manager=cast.manager)
            for _ in range(2):
                seller = UserFactory(team=team, department=cast.rep.department)
                DealFactory(customer=CustomerFactory(owner=seller), stage=Stage.RESEARCH)

    queries = 7 + board_card_id_queries() + planner_settings()
    first, second = assert_queries_pinned(queries, lambda: client.get(reverse("deals:board")), more)
    assert len(_team_rows(second.content.decode())) == len(_team_rows(first.content.decode())) + 3
