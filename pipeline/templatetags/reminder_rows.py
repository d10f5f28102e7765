"""`{% reminder_row reminder %}`: a row of the reminder inbox (pipeline/reminder_inbox.html, and alone in the htmx
answer to a row's button), built in Python in the markup the template gave it. Through the template language, a
variable, filter, `{% url %}` and `{% translate %}` at a time, a page of fifty reminders made some 160,000 Python
calls, more than any other list; tests/test_reminder_rows.py holds the two to the same HTML."""

from typing import Any

from django import template
from django.template.context import Context
from django.template.defaultfilters import date, truncatechars
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.choices import display
from accounts.pages import address_pattern, fill, form_token, joined, once_per_rendering

from ..models import Reminder
from ..reminders import SNOOZE_DAYS

register = template.Library()

_PERSON = ("full_name", "username")  # what names a person (User.__str__)
# The columns a row reads of the reminder and what it is about (the inbox's `.only()`): read whole, the twelve
# tables' 250 columns took longer to compile, fetch and make into models than the row takes to write.
ROW_COLUMNS = (
    "recipient", "kind", "escalated", "due_on", "done_at", "snoozed_until", "resolution", "link", "title",
    "customer", "customer__name", "customer__short_name", "customer__last_contacted_at", "customer__tier",
    "customer__owner", *(f"customer__owner__{column}" for column in _PERSON),
    # A deal's name (Deal.__str__), its laycan, and its owner's team (whether the reader may transfer it).
    "deal", "deal__customer", "deal__customer__name", "deal__customer__short_name", "deal__commodity",
    "deal__commodity__name", "deal__commodity__name_zh", "deal__specification", "deal__grade",
    "deal__quantity_tonnes", "deal__laycan_start", "deal__laycan_end", "deal__owner", "deal__owner__team",
    *(f"deal__owner__{column}" for column in _PERSON),
    "activity", "activity__next_step_owner", "activity__next_step", "activity__summary", "activity__owner",
    *(f"activity__owner__{column}" for column in _PERSON),
    "complaint", "complaint__category", "complaint__status", "complaint__assignee",
    *(f"complaint__assignee__{column}" for column in _PERSON),
    "by", *(f"by__{column}" for column in _PERSON),
)

_DONE = SafeString(' class="text-secondary"')
_ESCALATED = SafeString(' class="table-warning"')
_LATE = SafeString(' class="text-danger fw-semibold"')
_FORM = '<form method="post" action="{}" hx-post="{}" hx-target="closest tr" hx-swap="outerHTML">{}'


def _shared(context: Context) -> dict[str, Any]:
    """What every row of one page shares, worked out once per rendering: the words, the addresses, the snooze
    buttons and the people a reminder may be handed to (and the forms' CSRF token, `form_token`)."""
    def build() -> dict[str, Any]:
        snooze = _("Snooze")
        return {
            "request": context.get("request"), "today": context.get("today"), "user": context.get("user"),
            "due": _("Due"), "responsible": _("Responsible"), "actions": _("Actions"), "done": _("Done"),
            "escalated": _("Escalated"), "snooze": snooze, "hand_over_to": _("Hand over to"),
            "hand_over": _("Hand over to…"), "reassign": _("Reassign"), "transfer": _("Transfer the deal…"),
            "complaint": _("Complaint"), "never_contacted": _("Never contacted"),
            "activities": reverse("activities:list"),
            "snooze_buttons": joined(
                fill('<button class="btn btn-outline-secondary" type="submit" name="days" value="{}" title="{}">{}'
                     '</button>', days, snooze, ngettext("%(days)s day", "%(days)s days", days) % {"days": days})
                for days in SNOOZE_DAYS),
            "candidates": joined(fill('<option value="{}">{}</option>', person.pk, person)
                                 for person in context.get("candidates") or ()),
            **{name: address_pattern(name) for name in (
                "reminders:done", "reminders:snooze", "reminders:reassign", "customers:detail", "deals:detail",
                "deals:transfer", "complaints:detail")},
        }
    return once_per_rendering(context, "reminder_rows", build)


def _subject(shared: dict[str, Any], reminder: Reminder) -> SafeString:
    """What the reminder is about, linked to its page, with a line of what it says."""
    customer_url = shared["customers:detail"].format(reminder.customer_id)
    activity = reminder.activity
    if reminder.kind == Reminder.Kind.NEXT_STEP:
        handed = activity is not None and activity.next_step_owner_id == reminder.recipient_id
        said = (activity.next_step or activity.summary) if activity is not None else ""
        return fill('<a href="{}">{}</a><div class="small">{}</div>', shared["activities"] if handed else customer_url,
                    reminder.customer, truncatechars(said, 120))
    if reminder.kind == Reminder.Kind.NOT_CONTACTED:
        customer = reminder.customer
        contacted = (_("Last contacted %(day)s") % {"day": date(localtime(customer.last_contacted_at),
                                                                "SHORT_DATE_FORMAT")}
                     if customer is not None and customer.last_contacted_at else shared["never_contacted"])
        return fill('<a href="{}">{}</a><div class="small">{} · {}</div>', customer_url, customer, contacted,
                    display(customer, "tier"))
    if reminder.complaint_id:
        return fill('<a href="{}">{} #{} {}</a><div class="small">{} · {}</div>',
                    shared["complaints:detail"].format(reminder.complaint_id), shared["complaint"],
                    reminder.complaint_id, display(reminder.complaint, "category"), reminder.customer,
                    display(reminder.complaint, "status"))
    if reminder.kind == Reminder.Kind.TRANSFER and reminder.customer_id and not reminder.deal_id:
        return fill('<a href="{}">{}</a>', customer_url, reminder.customer)
    if reminder.link:
        return fill('<a href="{}">{}</a>', reminder.link,
                    truncatechars(reminder.title, 120) if reminder.title else display(reminder, "kind"))
    deal = reminder.deal
    laycan = fill('<div class="small"><i aria-hidden="true" class="bi bi-calendar-event me-1"></i>{}–{}</div>',
                  date(deal.laycan_start, "SHORT_DATE_FORMAT"), date(deal.laycan_end, "SHORT_DATE_FORMAT")) \
        if reminder.kind == Reminder.Kind.LAYCAN and deal is not None else ""
    return fill('<a href="{}">{}</a>{}', shared["deals:detail"].format(reminder.deal_id), deal, laycan)


def _byline(shared: dict[str, Any], reminder: Reminder) -> SafeString:
    """Who gave it to the reader, or what kind of reminder it is; and whether it was escalated."""
    if reminder.by_id:
        if reminder.kind == Reminder.Kind.TRANSFER:
            given = _("Transferred to you by %(name)s")
        elif reminder.kind == Reminder.Kind.ASSIGNED:
            given = _("Assigned to you by %(name)s")
        else:
            given = _("Handed to you by %(name)s")
        line: Any = given % {"name": reminder.by}
    else:
        line = display(reminder, "kind")
    escalated = fill(' <span class="badge text-bg-warning">{}</span>', shared["escalated"]) if reminder.escalated \
        else ""
    return fill("{}{}", line, escalated)


def _responsible(shared: dict[str, Any], reminder: Reminder) -> object:
    """Who answers for the record: the activity's, customer's, complaint's or contract's person."""
    if reminder.kind == Reminder.Kind.NEXT_STEP:
        activity = reminder.activity
        if activity is not None and activity.next_step_owner_id:
            return reminder.recipient
        return activity.owner if activity is not None else ""
    if reminder.kind == Reminder.Kind.NOT_CONTACTED or (reminder.kind == Reminder.Kind.TRANSFER
                                                        and not reminder.deal_id):
        return reminder.customer.owner if reminder.customer is not None else ""
    if reminder.complaint_id:
        return reminder.complaint.assignee if reminder.complaint is not None else ""
    if reminder.link:
        return shared["user"]
    return reminder.deal.owner if reminder.deal is not None else ""


def _actions(shared: dict[str, Any], reminder: Reminder) -> SafeString:
    """How it was closed or until when it is snoozed; or the buttons that close, snooze or hand it over."""
    today = shared["today"]
    if reminder.done_at and reminder.resolution and reminder.resolution != Reminder.Resolution.DONE:
        return fill('<span class="text-success"><i aria-hidden="true" class="bi bi-check2-circle me-1"></i>{}</span>',
                    display(reminder, "resolution"))
    if reminder.done_at:
        return fill('<span class="text-success"><i aria-hidden="true" class="bi bi-check-lg me-1"></i>{}</span>',
                    shared["done"])
    if reminder.snoozed_until and reminder.snoozed_until > today:
        return fill('<span><i aria-hidden="true" class="bi bi-alarm me-1"></i>{}</span>',
                    _("Snoozed until %(day)s") % {"day": date(reminder.snoozed_until, "SHORT_DATE_FORMAT")})
    token = fill('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', form_token(shared))
    done, snooze = (shared[name].format(reminder.pk) for name in ("reminders:done", "reminders:snooze"))
    parts = [
        fill(_FORM + '<button class="btn btn-success btn-sm" type="submit"><i aria-hidden="true" '
             'class="bi bi-check-lg me-1"></i>{}</button></form>', done, done, token, shared["done"]),
        fill(_FORM + '<div class="btn-group btn-group-sm" role="group" aria-label="{}"><span class="btn '
             'btn-outline-secondary disabled" aria-hidden="true"><i aria-hidden="true" class="bi bi-alarm"></i></span>'
             '{}</div></form>', snooze, snooze, token, shared["snooze"], shared["snooze_buttons"]),
    ]
    if getattr(reminder, "reassignable", False):
        reassign = shared["reminders:reassign"].format(reminder.pk)
        parts.append(fill(
            '<form class="d-flex gap-1" method="post" action="{}" hx-post="{}" hx-target="closest tr" '
            'hx-swap="outerHTML">{}<select class="form-select form-select-sm" name="to_user" required aria-label="{}">'
            '<option value="">{}</option>{}</select><button class="btn btn-outline-primary btn-sm" type="submit">{}'
            '</button></form>', reassign, reassign, token, shared["hand_over_to"], shared["hand_over"],
            shared["candidates"], shared["reassign"]))
    if getattr(reminder, "transferable", False):
        parts.append(fill('<a class="btn btn-outline-primary btn-sm" href="{}"><i aria-hidden="true" '
                          'class="bi bi-arrow-left-right me-1"></i>{}</a>',
                          shared["deals:transfer"].format(reminder.deal_id), shared["transfer"]))
    return joined(parts)


@register.simple_tag(takes_context=True)
def reminder_row(context: Context, reminder: Reminder) -> SafeString:
    shared = _shared(context)
    today = shared["today"]
    state = _DONE if reminder.done_at else _ESCALATED if reminder.escalated else ""
    late = _LATE if reminder.due_on and reminder.due_on < today else ""
    note = context.get("note")
    noted = fill('<div class="small w-100 {}" role="status">{}</div>',
                 "text-danger" if context.get("error") else "text-success", note) if note else ""
    return fill(
        '<tr id="reminder-{}"{}><td class="cell-title"><div>{}<div class="small text-secondary">{}</div></div></td>'
        '<td data-label="{}"><span{}>{}</span></td><td data-label="{}"><span>{}</span></td>'
        '<td data-label="{}"><div class="d-flex flex-wrap gap-1 justify-content-lg-end">{}{}</div></td></tr>',
        reminder.pk, state, _subject(shared, reminder), _byline(shared, reminder),
        shared["due"], late, date(reminder.due_on, "SHORT_DATE_FORMAT") or "—",
        shared["responsible"], _responsible(shared, reminder),
        shared["actions"], _actions(shared, reminder), noted)
