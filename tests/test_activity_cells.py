"""An activity's next-step cells and the activity list's rows, built in Python (pipeline/templatetags/
activity_cells.py), read exactly as the template language wrote them: the old templates are kept here and both are
rendered for activities of every shape (no next step, due, overdue, done, handed over to the viewer or to another,
changeable or not; with a deal or none, contacts, an outcome, a long summary, markup in the text), on a page whose
address carries a query, in both languages."""

import datetime
import re
from decimal import Decimal

import pytest
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.utils import timezone, translation

from pipeline.models import Activity

from .factories import ActivityFactory, CommodityFactory, ContactFactory, CustomerFactory, DealFactory

# pipeline/_activity_next_step.html as it was, included in each row of the activity list and the customer page
# (since 2026-12-03 with the due date kept whole).
OLD = """{% load i18n %}{# An activity's next step and what its owner may do with it: shared by the list and the customer page. #}
<td data-label="{% translate 'Next step' %}">{% if activity.next_step %}<span>{{ activity.next_step }}{% if activity.next_step_due %} <span class="small text-secondary">· <span class="text-nowrap">{{ activity.next_step_due|date:"SHORT_DATE_FORMAT" }}</span></span>{% endif %}{% if activity.next_step_owner_id %} <span class="small text-secondary">· {% translate "handed over" %}</span>{% endif %}
  {% if activity.next_step_done %}<span class="badge text-bg-success">{% translate "Done" %}</span>{% elif activity.next_step_due and activity.next_step_due < today %}<span class="badge text-bg-danger">{% translate "Overdue" %}</span>{% endif %}</span>{% else %}—{% endif %}</td>
<td class="text-end">{% if activity.can_change or activity.next_step_owner_id == request.user.pk %}<span class="d-inline-flex gap-2 align-items-center">
  {% if activity.next_step and not activity.next_step_done %}<form method="post" action="{% url 'activities:done' activity.pk %}" class="d-inline">{% csrf_token %}<input type="hidden" name="next" value="{{ request.get_full_path }}"><button type="submit" class="btn btn-outline-success btn-sm text-nowrap"><i aria-hidden="true" class="bi bi-check2-circle me-1"></i>{% translate "Mark done" %}</button></form>{% endif %}
  {% if activity.can_change %}<a class="text-nowrap" href="{% url 'activities:edit' activity.pk %}?next={{ request.get_full_path|urlencode }}">{% translate "Edit" %}</a>{% endif %}</span>{% endif %}</td>
"""  # noqa: E501
NEW = "{% load activity_cells %}{% activity_next_step activity %}"
TODAY = datetime.date(2026, 3, 10)
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def shapes(cast) -> list[Activity]:
    day = datetime.timedelta(days=1)
    return [
        ActivityFactory.build(pk=11, next_step=""),
        ActivityFactory.build(pk=12, next_step="Send the offer <NAR 5,500>", next_step_due=TODAY + day),
        ActivityFactory.build(pk=13, next_step="Call back", next_step_due=TODAY - day),
        ActivityFactory.build(pk=14, next_step="Call back", next_step_due=TODAY),
        ActivityFactory.build(pk=15, next_step="Visit the plant", next_step_due=None),
        ActivityFactory.build(pk=16, next_step="Send samples", next_step_due=TODAY - day, next_step_done=True),
        ActivityFactory.build(pk=17, next_step="Quote CFR", next_step_due=TODAY - day, next_step_owner=cast.rep),
        ActivityFactory.build(pk=18, next_step="Quote FOB", next_step_owner=cast.other_rep),
        ActivityFactory.build(pk=19, next_step="Chase the L/C", next_step_done=True, next_step_owner=cast.rep),
    ]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_cells_read_as_the_template_wrote_them(cast, language):
    request = RequestFactory().get("/activities/", {"q": "Tangshan & Co", "page": "2"})
    request.user = cast.rep
    old, new = Template(OLD), Template(NEW)
    with translation.override(language):
        for activity in shapes(cast):
            for can_change in (True, False, None):
                if can_change is not None:
                    activity.can_change = can_change
                elif hasattr(activity, "can_change"):
                    del activity.can_change
                context = {"activity": activity, "today": TODAY}
                expected = TOKEN.sub("TOKEN", old.render(RequestContext(request, context)))
                built = TOKEN.sub("TOKEN", new.render(RequestContext(request, context)))
                assert built == expected, (activity.pk, can_change)


def test_the_forms_on_one_page_share_one_token(cast):
    request = RequestFactory().get("/activities/")
    request.user = cast.rep
    rows = Template("{% load activity_cells %}{% for activity in activities %}{% activity_next_step activity %}"
                    "{% endfor %}")
    activities = [ActivityFactory.build(pk=pk, next_step="Call back", next_step_owner=cast.rep) for pk in (21, 22)]
    html = rows.render(RequestContext(request, {"activities": activities, "today": TODAY}))
    tokens = TOKEN.findall(html)
    assert len(tokens) == 2 and tokens[0] == tokens[1]


# pipeline/activity_list.html's rows as the template language wrote them, until 2026-12-04 (with a short name kept
# whole, as the rows built in Python keep it since).
OLD_ROWS = """{% load i18n choice_labels activity_cells moments %}
  {% translate "Customer" as customer_label %}{% translate "Deal" as deal_label %}{% translate "Logged by" as logged_by_label %}{% translate "Summary" as summary_label %}{% translate "With" as with_label %}
  {% for activity in page %}
  <tr{% if activity.next_step and not activity.next_step_done and activity.next_step_due and activity.next_step_due < today %} class="table-warning"{% endif %}>
    <td class="cell-title"><span><i aria-hidden="true" class="bi bi-{{ activity.icon }} me-1"></i>{{ activity|display:"kind" }} · {{ activity.happened_at|date_and_time }}</span></td>
    <td data-label="{{ customer_label }}"{% if activity.customer.short_name|length <= 8 and activity.customer.short_name or activity.customer.name|length <= 8 %} class="cell-word"{% endif %}><a href="{% url 'customers:detail' activity.customer_id %}">{{ activity.customer }}</a></td>
    <td data-label="{{ deal_label }}">{% if activity.deal %}<span>{{ activity.deal.commodity }}{% if activity.deal.grade %} {{ activity.deal.grade }}{% endif %} · {% blocktranslate with tonnes=activity.deal.quantity_tonnes|floatformat:"0g" %}{{ tonnes }} t{% endblocktranslate %}</span>{% else %}—{% endif %}</td>
    <td data-label="{{ logged_by_label }}">{{ activity.owner }}</td>
    <td data-label="{{ summary_label }}"><span>{{ activity.summary|truncatechars:120 }}{% with contacts=activity.contact_list %}{% if contacts %}<span class="d-block small text-secondary">{{ with_label }} {{ contacts|join:", " }}</span>{% endif %}{% endwith %}{% if activity.outcome %}<span class="d-block small">{{ activity.outcome }}</span>{% endif %}</span></td>
    {% activity_next_step activity %}
  </tr>
  {% endfor %}"""  # noqa: E501
NEW_ROWS = "{% load activity_cells %}{% for activity in page %}{% activity_row activity %}{% endfor %}"
BETWEEN_TAGS = re.compile(r">\s+<")


def rows(cast, customer) -> list[Activity]:
    """Saved activities of every shape, read as the list reads them (with their contacts as a list)."""
    from pipeline import selectors

    day = datetime.timedelta(days=1)
    deal = DealFactory(customer=customer, commodity=CommodityFactory(name="Iron ore <fines>", name_zh="铁矿粉"),
                       grade="Fe 62%", quantity_tonnes=Decimal("55000.000"))
    ungraded = DealFactory(customer=customer, grade="", quantity_tonnes=Decimal("1234.5"))
    made = [
        ActivityFactory(customer=customer, owner=cast.rep, kind=Activity.Kind.VISIT, deal=deal,
                        summary="Met the buyer & the plant manager " + "about the NAR 5,500 cargo " * 6,
                        outcome="Wants a <firm> offer", next_step="Send the offer", next_step_due=TODAY - day),
        ActivityFactory(customer=customer, owner=cast.manager, kind=Activity.Kind.CALL, deal=ungraded, outcome="",
                        next_step="Call back", next_step_due=TODAY - day, next_step_done=True),
        ActivityFactory(customer=CustomerFactory(owner=cast.rep, name="厦门金海第一贸易有限公司",
                                                 short_name="厦门金海第一"),
                        owner=cast.rep, kind=Activity.Kind.EMAIL, deal=None, summary="短讯", next_step="",
                        happened_at=datetime.datetime(2026, 3, 9, 23, 30, tzinfo=datetime.UTC)),
        ActivityFactory(customer=customer, owner=cast.other_rep, deal=None, next_step="Quote CFR",
                        next_step_due=TODAY + day, next_step_owner=cast.rep),
    ]
    made[0].contacts.set([ContactFactory(customer=customer, name="Wang <Fang>"),
                          ContactFactory(customer=customer, name="Zhou Lei")])
    listed = list(selectors.with_contact_list(Activity.objects.filter(pk__in=[each.pk for each in made])
                                              .select_related("customer", "owner", "deal__commodity")
                                              .order_by("pk")))
    for activity, can_change in zip(listed, (True, False, True, False), strict=True):
        activity.can_change = can_change
    return listed


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_list_rows_read_as_the_template_wrote_them(cast, language):
    customer = CustomerFactory(owner=cast.rep, name="Tangshan <Iron> & Steel")
    request = RequestFactory().get("/activities/", {"q": "Tangshan & Co", "page": "2"})
    request.user = cast.rep
    context = {"page": rows(cast, customer), "today": TODAY}
    with translation.override(language), timezone.override("Asia/Shanghai"):
        expected = TOKEN.sub("TOKEN", Template(OLD_ROWS).render(RequestContext(request, context)))
        built = TOKEN.sub("TOKEN", Template(NEW_ROWS).render(RequestContext(request, context)))
    # The late next step's row marked, the contacts named and escaped, the summary cut at 120 characters.
    assert "table-warning" in built and "Wang &lt;Fang&gt;, Zhou Lei" in built
    assert built.count("about the NAR 5,500 cargo") == 3
    # A short name kept whole in Chinese; a long one may wrap.
    assert built.count('class="cell-word"><a') == 1 and 'class="cell-word"><a href="/customers/' in built
    assert BETWEEN_TAGS.sub("><", built).strip() == BETWEEN_TAGS.sub("><", expected).strip()
