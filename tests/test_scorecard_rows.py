"""The director's team scorecards and forecasts, their rows built in Python (targets/templatetags/scorecard_rows.py),
read exactly as the template language wrote them: the rows' old markup is kept here and both are rendered for
cards of every shape (targets and none, amended contracts, figures missing, teams, reps and the department), in
both languages, with the number of thousands a big department reaches."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from targets import dashboards
from targets.models import Scorecard

# The rows as targets/_scorecard_table.html and targets/dashboard_director.html wrote them before.
OLD_SALES = """{% load i18n %}{% translate "Sales amount" as sales_label %}{% translate "Signed contracts" as signed_label %}{% translate "New customers" as new_label %}{% translate "Satisfaction" as satisfaction_label %}{% translate "Win rate" as win_label %}{% translate "Weighted pipeline of the period" as weighted_label %}{% translate "Score" as score_label %}{% translate "Rank" as rank_label %}<tr>
    <td class="cell-title"><span>{% if card.subject == "team" %}<a href="{% url 'dashboards:manager' card.subject_id %}">{{ card.subject_object|default:card.subject_id }}</a>{% elif card.subject == "rep" %}<a href="{% url 'dashboards:rep' card.subject_id %}">{{ card.subject_object|default:card.subject_id }}</a>{% else %}{{ card.subject_object|default:card.subject_id }}{% endif %}</span></td>
    <td data-label="{{ sales_label }}" class="text-end"><span>{{ card.sales_amount|floatformat:"0g" }}{% if card.amended_contracts %} {% include "targets/_amended_badge.html" %}{% endif %}{% if card.target_sales_amount %}<br><span class="small text-secondary">{% widthratio card.sales_amount card.target_sales_amount 100 %}% {% translate "of target" %} {{ card.target_sales_amount|floatformat:"0g" }}</span>{% endif %}</span></td>
    <td data-label="{{ signed_label }}" class="text-end"><span>{{ card.signed_contracts }}{% if card.target_signed_contracts %} / {{ card.target_signed_contracts }}{% endif %}</span></td>
    <td data-label="{{ new_label }}" class="text-end"><span>{{ card.new_customers }}{% if card.target_new_customers %} / {{ card.target_new_customers }}{% endif %}</span></td>
    <td data-label="{{ satisfaction_label }}" class="text-end"><span>{{ card.satisfaction|floatformat:2|default:"—" }}</span></td>
    <td data-label="{{ win_label }}" class="text-end"><span>{% if card.win_rate is not None %}{% widthratio card.win_rate 1 100 %}%{% else %}—{% endif %}</span></td>
    <td data-label="{{ weighted_label }}" class="text-end"><span>{{ card.weighted_pipeline|floatformat:"0g" }}</span></td>
    <td data-label="{{ score_label }}" class="text-end"><strong>{{ card.score|floatformat:2 }}</strong></td>
    <td data-label="{{ rank_label }}" class="text-end"><span>{{ card.rank_in_department|default:"—" }}</span></td>
  </tr>"""  # noqa: E501
OLD_DELIVERY = """{% load i18n %}{% translate "Delivered (t)" as delivered_label %}{% translate "Cargo claims" as claims_label %}{% translate "Cash collected" as cash_label %}{% translate "Overdue receivables" as overdue_label %}{% translate "DSO" as dso_label %}<tr>
    <td class="cell-title"><span>{% if card.subject == "team" %}<a href="{% url 'dashboards:manager' card.subject_id %}">{{ card.subject_object|default:card.subject_id }}</a>{% elif card.subject == "rep" %}<a href="{% url 'dashboards:rep' card.subject_id %}">{{ card.subject_object|default:card.subject_id }}</a>{% else %}{{ card.subject_object|default:card.subject_id }}{% endif %}</span></td>
    <td data-label="{{ delivered_label }}" class="text-end"><span>{{ card.delivered_tonnage|floatformat:"0g" }}</span></td>
    <td data-label="{{ claims_label }}" class="text-end"><span>{{ card.claims_value|floatformat:"0g" }}</span></td>
    <td data-label="{{ cash_label }}" class="text-end"><span>{{ card.cash_collected|floatformat:"0g" }}</span></td>
    <td data-label="{{ overdue_label }}" class="text-end"><span>{% if card.overdue_receivables %}<span class="text-danger">{{ card.overdue_receivables|floatformat:"0g" }}</span>{% else %}0{% endif %}</span></td>
    <td data-label="{{ dso_label }}" class="text-end"><span>{% if card.dso is not None %}{{ card.dso|floatformat:1 }}{% else %}—{% endif %}</span></td>
  </tr>"""  # noqa: E501
OLD_FORECAST = """{% load i18n %}{% translate "Signed so far" as signed_label %}{% translate "Forecast" as forecast_label %}{% translate "Target" as target_label %}{% translate "Forecast / target" as ratio_label %}{% translate "Undated or overdue" as undated_label %}{% translate "Later quarters" as later_label %}{% translate "Weighted, this quarter" as weighted_label %}<tr{% if card.subject == "department" %} class="table-light"{% endif %}>
      <td class="cell-title"><span>{% if card.subject == "team" %}<a href="{% url 'dashboards:manager' card.subject_id %}">{{ card.subject_object|default:card.subject_id }}</a>{% else %}<strong>{{ card.subject_object|default:card.subject_id }}</strong>{% endif %}</span></td>
      <td data-label="{{ signed_label }}" class="text-end"><span class="text-nowrap">{{ card.forecast.signed|floatformat:"0g" }}</span></td>
      <td data-label="+ {{ weighted_label }}" class="text-end"><span class="text-nowrap">{{ card.forecast.weighted|floatformat:"0g" }}</span></td>
      <td data-label="= {{ forecast_label }}" class="text-end"><strong class="text-nowrap">{{ card.forecast.forecast|floatformat:"0g" }}</strong></td>
      <td data-label="{{ target_label }}" class="text-end"><span class="text-nowrap">{% if card.forecast.target is not None %}{{ card.forecast.target|floatformat:"0g" }}{% else %}—{% endif %}</span></td>
      <td data-label="{{ ratio_label }}" class="text-end"><span>{% if card.forecast.percent is not None %}{{ card.forecast.percent|floatformat:1 }}%<br><span class="small text-secondary text-nowrap">{% if card.forecast.coverage is not None %}{% translate "Coverage" %} {{ card.forecast.coverage|floatformat:1 }}%{% else %}{% translate "Target reached" %}{% endif %}</span>{% else %}—{% endif %}</span></td>
      <td data-label="{{ undated_label }}" class="text-end text-secondary"><span class="text-nowrap">{{ card.forecast.undated|floatformat:"0g" }}</span></td>
      <td data-label="{{ later_label }}" class="text-end text-secondary"><span class="text-nowrap">{{ card.forecast.later|floatformat:"0g" }}</span></td>
    </tr>"""  # noqa: E501
NEW = {"sales": "{% load scorecard_rows %}{% scorecard_row card %}",
       "delivery": "{% load scorecard_rows %}{% delivery_row card %}",
       "forecast": "{% load scorecard_rows %}{% forecast_row card %}"}
OLD = {"sales": OLD_SALES, "delivery": OLD_DELIVERY, "forecast": OLD_FORECAST}


def _card(subject: str, name: object, **figures: object) -> Scorecard:
    card = Scorecard(subject=subject, subject_id=41, period="quarter", sales_amount=Decimal("1234567.50"),
                     weighted_pipeline=Decimal("98765.4321"), score=Decimal("0.8765"), signed_contracts=3,
                     new_customers=0, delivered_tonnage=Decimal("150000.000"), claims_value=Decimal(0),
                     cash_collected=Decimal("2500000.00"), overdue_receivables=Decimal(0),
                     weighted_undated=Decimal("1200.5"), weighted_later=Decimal(0))
    for field, value in figures.items():
        setattr(card, field, value)
    card.subject_object = name  # type: ignore[attr-defined]
    card.forecast = dashboards.forecast_of(card)  # type: ignore[attr-defined]
    return card


CARDS = {
    "a team with every target": _card(
        "team", "Thermal <Coal> & Co", target_sales_amount=Decimal("2000000"), target_signed_contracts=4,
        target_new_customers=2, satisfaction=Decimal("4.125"), win_rate=Decimal("0.6250"), rank_in_department=2,
        dso=Decimal("41.5"), overdue_receivables=Decimal("12345.67"), amended_contracts=1),
    "a team past its target, two amended": _card(
        "team", "Iron ore", target_sales_amount=Decimal("1000000"), amended_contracts=2, win_rate=Decimal("0.0050"),
        rank_in_department=1, signed_contracts=1234, new_customers=5, target_new_customers=1500),
    "a team with nothing to show": _card(
        "team", None, sales_amount=Decimal(0), weighted_pipeline=Decimal(0), score=Decimal(0), signed_contracts=0,
        satisfaction=None, win_rate=None, dso=None, rank_in_department=None, target_sales_amount=Decimal(0)),
    "a rep": _card("rep", "Wang Fang 王芳", target_sales_amount=Decimal("3333333.33"), win_rate=Decimal(1)),
    "the department": _card("department", "Sales department 销售部", target_sales_amount=Decimal("9000000"),
                            weighted_later=Decimal("55555.55")),
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("row", ["sales", "delivery", "forecast"])
@pytest.mark.parametrize("name", list(CARDS))
def test_each_row_reads_as_the_template_wrote_it(name, row, language):
    card = CARDS[name]
    with translation.override(language):
        context = {"card": card}
        assert Template(NEW[row]).render(Context(context)) == Template(OLD[row]).render(Context(context))


def test_the_rows_say_what_a_director_reads():
    with translation.override("zh-hans"):
        html = Template(NEW["sales"]).render(Context({"card": CARDS["a team with every target"]}))
    assert 'data-label="销售额"' in html and "Thermal &lt;Coal&gt; &amp; Co" in html
    assert "62%" in html and "1,234,568" in html and "2,000,000" in html
