"""A row of the reminder inbox, built in Python (pipeline/templatetags/reminder_rows.py), reads as the template
language wrote it: the old markup is kept here and both are rendered for a reminder of every kind and state (about
a next step, its own or handed over; a customer not contacted; a complaint; a transfer; a coaching action; a deal's
laycan; done, closed otherwise, snoozed, escalated, to hand over or transfer; with a note or an error; texts to
escape), in both languages. The two differ only in the white space between tags, which the comparison folds, and
in the CSRF token, which Django masks afresh at each reading."""

import datetime
import re

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from pipeline import selectors
from pipeline.models import Reminder
from pipeline.reminders import SNOOZE_DAYS
from pipeline.templatetags.reminder_rows import ROW_COLUMNS

from .factories import ActivityFactory, ComplaintFactory, CustomerFactory, DealFactory

# templates/pipeline/_reminder_row.html as it was.
OLD_ROW = """
{% load i18n choice_labels %}<tr id="reminder-{{ reminder.pk }}"{% if reminder.done_at %} class="text-secondary"{% elif reminder.escalated %} class="table-warning"{% endif %}>
  <td class="cell-title">
    <div>
      {% if reminder.kind == "next_step" %}
        {% if reminder.activity.next_step_owner_id == reminder.recipient_id %}<a href="{% url 'activities:list' %}">{{ reminder.customer }}</a>{% else %}<a href="{% url 'customers:detail' reminder.customer_id %}">{{ reminder.customer }}</a>{% endif %}
        <div class="small">{{ reminder.activity.next_step|default:reminder.activity.summary|truncatechars:120 }}</div>
      {% elif reminder.kind == "not_contacted" %}
        <a href="{% url 'customers:detail' reminder.customer_id %}">{{ reminder.customer }}</a>
        <div class="small">{% if reminder.customer.last_contacted_at %}{% blocktranslate with day=reminder.customer.last_contacted_at|date:"SHORT_DATE_FORMAT" %}Last contacted {{ day }}{% endblocktranslate %}{% else %}{% translate "Never contacted" %}{% endif %} · {{ reminder.customer|display:"tier" }}</div>
      {% elif reminder.complaint_id %}
        <a href="{% url 'complaints:detail' reminder.complaint_id %}">{% translate "Complaint" %} #{{ reminder.complaint_id }} {{ reminder.complaint|display:"category" }}</a>
        <div class="small">{{ reminder.customer }} · {{ reminder.complaint|display:"status" }}</div>
      {% elif reminder.kind == "transfer" and reminder.customer_id and not reminder.deal_id %}
        <a href="{% url 'customers:detail' reminder.customer_id %}">{{ reminder.customer }}</a>
      {% elif reminder.link %}
        <a href="{{ reminder.link }}">{% if reminder.title %}{{ reminder.title|truncatechars:120 }}{% else %}{{ reminder|display:"kind" }}{% endif %}</a>
      {% else %}
        <a href="{% url 'deals:detail' reminder.deal_id %}">{{ reminder.deal }}</a>
        {% if reminder.kind == "laycan" %}<div class="small"><i aria-hidden="true" class="bi bi-calendar-event me-1"></i>{{ reminder.deal.laycan_start|date:"SHORT_DATE_FORMAT" }}–{{ reminder.deal.laycan_end|date:"SHORT_DATE_FORMAT" }}</div>{% endif %}
      {% endif %}
      <div class="small text-secondary">{% if reminder.by_id %}{% if reminder.kind == "transfer" %}{% blocktranslate with name=reminder.by %}Transferred to you by {{ name }}{% endblocktranslate %}{% elif reminder.kind == "assigned" %}{% blocktranslate with name=reminder.by %}Assigned to you by {{ name }}{% endblocktranslate %}{% else %}{% blocktranslate with name=reminder.by %}Handed to you by {{ name }}{% endblocktranslate %}{% endif %}{% else %}{{ reminder|display:"kind" }}{% endif %}{% if reminder.escalated %} <span class="badge text-bg-warning">{% translate "Escalated" %}</span>{% endif %}</div>
    </div>
  </td>
  <td data-label="{% translate 'Due' %}"><span{% if reminder.due_on and reminder.due_on < today %} class="text-danger fw-semibold"{% endif %}>{{ reminder.due_on|date:"SHORT_DATE_FORMAT"|default:"—" }}</span></td>
  <td data-label="{% translate 'Responsible' %}"><span>{% if reminder.kind == "next_step" %}{% if reminder.activity.next_step_owner_id %}{{ reminder.recipient }}{% else %}{{ reminder.activity.owner }}{% endif %}{% elif reminder.kind == "not_contacted" or reminder.kind == "transfer" and not reminder.deal_id %}{{ reminder.customer.owner }}{% elif reminder.complaint_id %}{{ reminder.complaint.assignee }}{% elif reminder.link %}{{ user }}{% else %}{{ reminder.deal.owner }}{% endif %}</span></td>
  <td data-label="{% translate 'Actions' %}">
    <div class="d-flex flex-wrap gap-1 justify-content-lg-end">
    {% if reminder.done_at and reminder.resolution and reminder.resolution != "done" %}
      <span class="text-success"><i aria-hidden="true" class="bi bi-check2-circle me-1"></i>{{ reminder|display:"resolution" }}</span>
    {% elif reminder.done_at %}
      <span class="text-success"><i aria-hidden="true" class="bi bi-check-lg me-1"></i>{% translate "Done" %}</span>
    {% elif reminder.snoozed_until and reminder.snoozed_until > today %}
      <span><i aria-hidden="true" class="bi bi-alarm me-1"></i>{% blocktranslate with day=reminder.snoozed_until|date:"SHORT_DATE_FORMAT" %}Snoozed until {{ day }}{% endblocktranslate %}</span>
    {% else %}
      <form method="post" action="{% url 'reminders:done' reminder.pk %}" hx-post="{% url 'reminders:done' reminder.pk %}" hx-target="closest tr" hx-swap="outerHTML">{% csrf_token %}
        <button class="btn btn-success btn-sm" type="submit"><i aria-hidden="true" class="bi bi-check-lg me-1"></i>{% translate "Done" %}</button>
      </form>
      <form method="post" action="{% url 'reminders:snooze' reminder.pk %}" hx-post="{% url 'reminders:snooze' reminder.pk %}" hx-target="closest tr" hx-swap="outerHTML">{% csrf_token %}
        <div class="btn-group btn-group-sm" role="group" aria-label="{% translate 'Snooze' %}">
          <span class="btn btn-outline-secondary disabled" aria-hidden="true"><i aria-hidden="true" class="bi bi-alarm"></i></span>
          {% for days in snooze_days %}
          <button class="btn btn-outline-secondary" type="submit" name="days" value="{{ days }}" title="{% translate 'Snooze' %}">{% blocktranslate count days=days %}{{ days }} day{% plural %}{{ days }} days{% endblocktranslate %}</button>
          {% endfor %}
        </div>
      </form>
      {% if reminder.reassignable %}
      <form class="d-flex gap-1" method="post" action="{% url 'reminders:reassign' reminder.pk %}" hx-post="{% url 'reminders:reassign' reminder.pk %}" hx-target="closest tr" hx-swap="outerHTML">{% csrf_token %}
        <select class="form-select form-select-sm" name="to_user" required aria-label="{% translate 'Hand over to' %}">
          <option value="">{% translate "Hand over to…" %}</option>
          {% for person in candidates %}<option value="{{ person.pk }}">{{ person }}</option>{% endfor %}
        </select>
        <button class="btn btn-outline-primary btn-sm" type="submit">{% translate "Reassign" %}</button>
      </form>
      {% endif %}
      {% if reminder.transferable %}<a class="btn btn-outline-primary btn-sm" href="{% url 'deals:transfer' reminder.deal_id %}"><i aria-hidden="true" class="bi bi-arrow-left-right me-1"></i>{% translate "Transfer the deal…" %}</a>{% endif %}
    {% endif %}
    {% if note %}<div class="small w-100 {% if error %}text-danger{% else %}text-success{% endif %}" role="status">{{ note }}</div>{% endif %}
    </div>
  </td>
</tr>
"""  # noqa: E501
NEW_ROW = "{% load reminder_rows %}{% reminder_row reminder %}"
Kind = Reminder.Kind


def folded(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken" value=""', html)
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


@pytest.fixture
def inbox(cast) -> list[Reminder]:
    """One reminder of each kind and state, read as the inbox reads them."""
    today = timezone.localdate()
    customer = CustomerFactory(owner=cast.rep, name="Rizhao <Steel> & Co",
                               last_contacted_at=datetime.datetime(2026, 9, 30, 23, 30, tzinfo=datetime.UTC))
    never = CustomerFactory(owner=cast.account_manager, last_contacted_at=None)
    own_step = ActivityFactory(customer=customer, owner=cast.rep, next_step="Call <back> about the \"tender\"")
    handed = ActivityFactory(customer=customer, owner=cast.manager, next_step="", summary="Long " * 40,
                             next_step_owner=cast.rep)
    deal = DealFactory(customer=customer, owner=cast.rep, laycan_start=today + datetime.timedelta(days=5),
                       laycan_end=today + datetime.timedelta(days=12))
    complaint = ComplaintFactory(customer=customer, assignee=cast.service)
    escalated_complaint = ComplaintFactory(customer=customer, assignee=cast.manager)
    now, later = timezone.now(), today + datetime.timedelta(days=3)
    raised = [
        Reminder(kind=Kind.NEXT_STEP, activity=own_step, customer=customer, due_on=today - datetime.timedelta(1)),
        Reminder(kind=Kind.NEXT_STEP, activity=handed, customer=customer, by=cast.manager, due_on=today),
        Reminder(kind=Kind.NEXT_STEP, activity=handed, customer=customer, escalated=True),
        Reminder(kind=Kind.NOT_CONTACTED, customer=customer),
        Reminder(kind=Kind.NOT_CONTACTED, customer=never, done_at=now, resolution=Reminder.Resolution.RESOLVED),
        Reminder(kind=Kind.COMPLAINT, complaint=complaint, customer=customer, done_at=now,
                 resolution=Reminder.Resolution.DONE),
        Reminder(kind=Kind.ASSIGNED, complaint=escalated_complaint, customer=customer, by=cast.service),
        Reminder(kind=Kind.TRANSFER, customer=customer, by=cast.manager),
        Reminder(kind=Kind.TRANSFER, customer=customer, deal=deal, by=cast.manager, done_at=now),
        Reminder(kind=Kind.ASSIGNED, link="/coaching/1/", title="Practise <the> pitch " * 9, by=cast.manager),
        Reminder(kind=Kind.ASSIGNED, link="/coaching/2/"),
        Reminder(kind=Kind.LAYCAN, deal=deal, customer=customer, snoozed_until=later),
        Reminder(kind=Kind.LAYCAN, deal=deal, customer=customer, snoozed_until=today, escalated=True),
        Reminder(kind=Kind.SIGNING_LATE, deal=deal, customer=customer, escalated=True, due_on=later),
    ]
    for number, reminder in enumerate(raised):
        reminder.recipient, reminder.day, reminder.cause = cast.rep, today, f"test:{number}"
    Reminder.objects.bulk_create(raised)
    return list(selectors.with_subjects(Reminder.objects.filter(recipient=cast.rep)).order_by("pk")
                .only(*ROW_COLUMNS))


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_each_row_reads_as_the_template_wrote_it(cast, inbox, language):
    request = RequestFactory().get("/reminders/")
    request.user = cast.rep
    shown = 0
    for index, reminder in enumerate(inbox):
        # Every state of the actions: handed over and transferable on some rows, a note or an error on others.
        reminder.reassignable = index % 3 == 0
        reminder.transferable = bool(reminder.deal_id) and index % 2 == 1  # only a deal is transferred
        for note, error in (("", False), ("Marked <done>.", False), ("Already done.", True)):
            context = {"reminder": reminder, "today": timezone.localdate(), "user": cast.rep, "request": request,
                       "candidates": [cast.rep, cast.account_manager], "csrf_token": "token", "note": note,
                       "error": error, "snooze_days": SNOOZE_DAYS}  # (what the view gave the old template)
            with translation.override(language):
                old = Template(OLD_ROW).render(Context(context))
                new = Template(NEW_ROW).render(Context(context))
            assert folded(new) == folded(old), (reminder.kind, note)
            shown += 1
    assert shown == 3 * len(inbox) == 42
    assert "Rizhao &lt;Steel&gt; &amp; Co" in new


def test_every_kind_of_row_is_written_from_the_columns_the_inbox_reads(cast, inbox, client_as,
                                                                        django_assert_num_queries):
    """The inbox reads only the columns its rows show (`ROW_COLUMNS`): every row of every kind is written from them,
    the reader named where a handed next step names them, without a query more."""
    request = RequestFactory().get("/reminders/")
    request.user = cast.rep
    row = Template(NEW_ROW)
    with django_assert_num_queries(0):
        html = ""
        for reminder in inbox:
            reminder.recipient = cast.rep  # as the inbox gives its reader's own rows
            html += row.render(Context({"reminder": reminder, "today": timezone.localdate(), "user": cast.rep,
                                        "request": request, "csrf_token": "token"}))
    assert html.count("<tr ") == len(inbox) == 14
    page = client_as(cast.rep).get(reverse("reminders:inbox")).content.decode()
    assert "Rizhao &lt;Steel&gt; &amp; Co" in page and "Practise &lt;the&gt; pitch" in page
