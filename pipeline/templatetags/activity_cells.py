"""`{% activity_next_step activity %}`: an activity's next step and what its viewer may do with it (mark it done,
edit the activity), the last two cells of a row of the activity list and of the customer page's visits, built in
Python in the markup a template included in each row gave them (kept in tests/test_activity_cells.py, which holds
the two to the same HTML). With the row's labels translated once instead of in each row, a rep's list of fifty
takes some 3 ms less of the processor (25.5 -> 22.3 ms at the large size).

`{% activity_row activity %}`: a whole row of the activity list, those cells included, as the deal and customer
lists build theirs: through the template language, a variable, filter and `{% url %}` at a time, the rows took
more than half of the page's time (a thousand look-ups for fifty rows)."""

from typing import Any

from django import template
from django.template.context import Context
from django.template.defaultfilters import date, truncatechars, urlencode
from django.utils.safestring import SafeString
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from accounts.choices import display
from accounts.pages import address_pattern, fill, form_token, joined, once_per_rendering
from accounts.templatetags.moments import date_and_time
from accounts.templatetags.numbers import floatformat
from pipeline.models import Activity

register = template.Library()

# A customer's name this short (its short name, 厦门金海第一) is kept on one line in Chinese, which the browser
# otherwise breaks between any two characters in a crowded row (厦门金海第 over 一); a longer one may wrap.
SHORT_NAME = 8
_WHOLE = SafeString(' class="cell-word"')


def _shared(context: Context) -> dict[str, Any]:
    """What every row of one page shares, worked out once per rendering: the words, the addresses, the page's own
    address (where a form or link brings the user back) and the forms' CSRF token (`form_token`)."""
    def build() -> dict[str, Any]:
        request = context.get("request")
        return {
            "next_step": _("Next step"), "handed_over": _("handed over"), "done": _("Done"), "overdue": _("Overdue"),
            "mark_done": _("Mark done"), "edit": _("Edit"),
            "customer": _("Customer"), "deal": _("Deal"), "logged_by": _("Logged by"), "summary": _("Summary"),
            "with": _("With"), "tonnes": _("%(tonnes)s t"),
            "done_url": address_pattern("activities:done"), "edit_url": address_pattern("activities:edit"),
            "customer_url": address_pattern("customers:detail"),
            "viewer": getattr(getattr(request, "user", None), "pk", None),
            "here": request.get_full_path() if request is not None else "",
            "request": request,
        }
    return once_per_rendering(context, "activity_cells", build)


def _step(activity: Activity, today: Any, words: dict[str, Any]) -> SafeString | str:
    if not activity.next_step:
        return "—"
    # The date whole: a narrow column broke 2026-12-08 at its hyphens.
    due = (fill(' <span class="small text-secondary">· <span class="text-nowrap">{}</span></span>',
                date(activity.next_step_due, "SHORT_DATE_FORMAT")) if activity.next_step_due else "")
    handed = (fill(' <span class="small text-secondary">· {}</span>', words["handed_over"])
              if activity.next_step_owner_id else "")
    badge: SafeString | str = ""
    if activity.next_step_done:
        badge = fill('<span class="badge text-bg-success">{}</span>', words["done"])
    elif activity.next_step_due and today is not None and activity.next_step_due < today:
        badge = fill('<span class="badge text-bg-danger">{}</span>', words["overdue"])
    return fill("<span>{}{}{}\n  {}</span>", activity.next_step, due, handed, badge)


def _actions(activity: Activity, words: dict[str, Any]) -> SafeString | str:
    can_change = getattr(activity, "can_change", False)
    if not (can_change or (activity.next_step_owner_id is not None and activity.next_step_owner_id == words["viewer"])):
        return ""
    done = ""
    if activity.next_step and not activity.next_step_done:
        done = fill(
            '<form method="post" action="{}" class="d-inline">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}"><input type="hidden" name="next" value="{}">'
            '<button type="submit" class="btn btn-outline-success btn-sm text-nowrap">'
            '<i aria-hidden="true" class="bi bi-check2-circle me-1"></i>{}</button></form>',
            words["done_url"].format(activity.pk), form_token(words), words["here"], words["mark_done"])
    edit = (fill('<a class="text-nowrap" href="{}?next={}">{}</a>', words["edit_url"].format(activity.pk),
                 urlencode(words["here"]), words["edit"]) if can_change else "")
    return fill('<span class="d-inline-flex gap-2 align-items-center">\n  {}\n  {}</span>', done, edit)


def _next_step_cells(activity: Activity, today: Any, words: dict[str, Any]) -> SafeString:
    return fill('\n<td data-label="{}">{}</td>\n<td class="text-end">{}</td>\n',
                words["next_step"], _step(activity, today, words), _actions(activity, words))


@register.simple_tag(takes_context=True)
def activity_next_step(context: Context, activity: Activity) -> SafeString:
    return _next_step_cells(activity, context.get("today"), _shared(context))


def _deal(activity: Activity, words: dict[str, Any]) -> SafeString | str:
    deal = activity.deal
    if deal is None:
        return "—"
    grade = fill(" {}", deal.grade) if deal.grade else ""
    return fill("<span>{}{} · {}</span>", deal.commodity, grade,
                words["tonnes"] % {"tonnes": floatformat(deal.quantity_tonnes, "0g")})


def _summary(activity: Activity, words: dict[str, Any]) -> SafeString:
    contacts = getattr(activity, "contact_list", None)
    with_whom = fill('<span class="d-block small text-secondary">{} {}</span>', words["with"],
                     joined(contacts, ", ")) if contacts else ""
    outcome = fill('<span class="d-block small">{}</span>', activity.outcome) if activity.outcome else ""
    return fill("<span>{}{}{}</span>", truncatechars(activity.summary, 120), with_whom, outcome)


@register.simple_tag(takes_context=True)
def activity_row(context: Context, activity: Activity) -> SafeString:
    """A row of the activity list (pipeline/activity_list.html): `activity` with its customer, deal and commodity,
    owner and `contact_list` read, and `can_change` set."""
    words = _shared(context)
    today = context.get("today")
    overdue = (activity.next_step and not activity.next_step_done and activity.next_step_due
               and today is not None and activity.next_step_due < today)
    return fill(
        '\n  <tr{}>'
        '\n    <td class="cell-title"><span><i aria-hidden="true" class="bi bi-{} me-1"></i>{} · {}</span></td>'
        '\n    <td data-label="{}"{}><a href="{}">{}</a></td>\n    <td data-label="{}">{}</td>'
        '\n    <td data-label="{}">{}</td>\n    <td data-label="{}">{}</td>\n    {}\n  </tr>',
        SafeString(' class="table-warning"') if overdue else "", activity.icon, display(activity, "kind"),
        date_and_time(localtime(activity.happened_at)),
        words["customer"], _WHOLE if len(str(activity.customer)) <= SHORT_NAME else "",
        words["customer_url"].format(activity.customer_id), activity.customer,
        words["deal"], _deal(activity, words),
        words["logged_by"], activity.owner,
        words["summary"], _summary(activity, words),
        _next_step_cells(activity, today, words))
