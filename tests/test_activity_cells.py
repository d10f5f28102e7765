"""An activity's next-step cells, built in Python (pipeline/templatetags/activity_cells.py), read exactly as the
template language wrote them: the old template is kept here and both are rendered for activities of every shape
(no next step, due, overdue, done, handed over to the viewer or to another, changeable or not), on a page whose
address carries a query, in both languages."""

import datetime
import re

import pytest
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.utils import translation

from pipeline.models import Activity

from .factories import ActivityFactory

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
