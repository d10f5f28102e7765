"""The follow-up reminder inbox (跟进提醒): mark done, snooze and, for a manager, hand the record over.

Each button is a plain POST form that redirects back to the inbox; with htmx it swaps only its row.
A person reaches only their own reminders: another's answers 404, like a missing one.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts import access, params
from accounts.htmx import is_htmx, vary_on_htmx
from accounts.pages import AuthenticatedRequest, page_of
from accounts.services import RuleError
from accounts.sql import joins_as_written

from .. import reminders, selectors
from ..inbox_panels import bell_count, render_inbox_panels
from ..models import Reminder
from ..templatetags.reminder_rows import ROW_COLUMNS


def _own_reminder(request: AuthenticatedRequest, pk: int) -> Reminder:
    return access.get_visible_or_404(selectors.with_subjects(selectors.reminders_for(request.user)), pk=pk)


def _row_context(request: AuthenticatedRequest, rows: list[Reminder]) -> dict[str, object]:
    """What the rows need: which may be handed over, and to whom (one query, only if any may)."""
    # A deal behind an escalated reminder is not handed over from the inbox: its manager transfers it,
    # with a reason, on its own page.
    late_deals = {reminder.pk: reminder.deal for reminder in rows if reminder.escalated
                  and reminder.kind in reminders.DEAL_KINDS and reminder.done_at is None and reminder.deal}
    transferable = access.transferable_from(request.user, [deal.owner for deal in late_deals.values()])
    for reminder in rows:
        reminder.recipient = request.user  # the reader's own (a handed next step's row names them)
        reminder.reassignable = reminders.can_reassign(request.user, reminder)
        deal = late_deals.get(reminder.pk)
        reminder.transferable = deal is not None and deal.owner_id in transferable
    candidates = list(selectors.reassign_candidates(request.user)) if any(r.reassignable for r in rows) else []
    return {"candidates": candidates, "today": timezone.localdate()}


def _answer(request: AuthenticatedRequest, reminder: Reminder, note: str, *, error: bool = False) -> HttpResponse:
    """htmx: the row again, with a note; otherwise a message and back to the inbox."""
    if is_htmx(request):
        context = _row_context(request, [reminder]) | {"reminder": reminder, "note": note, "error": error}
        return render(request, "pipeline/_reminder_row.html", context)
    (messages.error if error else messages.success)(request, note)
    return redirect("reminders:inbox")


INBOX_ORDER = ("due_on", "-escalated", "pk")


@login_required
def inbox(request: AuthenticatedRequest) -> HttpResponse:
    # The page's keys first, then those reminders with what each is about, their twelve tables joined in the order
    # written (accounts.sql): in one query PostgreSQL joined all of a person's open reminders before keeping a page
    # of them, and took longer to plan the joins than to run them (a rep's 342 at the large size: 15-24 ms planned,
    # 8 run; a manager's 36 and 10).
    page = page_of(request, selectors.open_reminders(request.user, timezone.localdate()).order_by(*INBOX_ORDER)
                   .only("pk"))
    keys = [reminder.pk for reminder in page]
    with joins_as_written():
        page.object_list = list(selectors.with_subjects(Reminder.objects.filter(pk__in=keys)).order_by(*INBOX_ORDER)
                                .only(*ROW_COLUMNS))
    # The bell's count, read as the navigation bar reads it and handed to it, tells whether the panels have anything.
    waiting = bell_count(request.user, timezone.localdate())
    panels = render_inbox_panels(request, reminders=page.paginator.count, waiting=waiting)
    return render(request, "pipeline/reminder_inbox.html",
                  _row_context(request, page.object_list) | {"page": page, "panels": panels,
                                                             "reminder_count": waiting})


@require_GET
@vary_on_htmx
@never_cache
def bell(request: HttpRequest) -> HttpResponse:
    """The navigation bar's bell alone, with the count of the person's open reminders (one COUNT, from the
    context processor): htmx polls it every minute. Never cached: the count changes under the same URL."""
    if not is_htmx(request):
        # Opened as a page: what the bell leads to (the sign-in first, if signed out).
        return redirect("reminders:inbox") if request.user.is_authenticated else \
            redirect_to_login(request.get_full_path())
    if not request.user.is_authenticated:
        # Signed out in another tab: the poll leaves the bell as it is (htmx swaps nothing on 204)
        # rather than putting the sign-in page into the navigation bar.
        return HttpResponse(status=204)
    return render(request, "pipeline/_bell.html")


@require_POST
@login_required
@vary_on_htmx
def done(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    reminder = _own_reminder(request, pk)
    try:
        reminders.reminder_done(reminder=reminder, by=request.user)
    except RuleError as error:
        return _answer(request, reminder, str(error), error=True)
    return _answer(request, reminder, _("Marked done."))


@require_POST
@login_required
@vary_on_htmx
def snooze(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    reminder = _own_reminder(request, pk)
    days = params.int_in(request.POST.get("days"), reminders.SNOOZE_DAYS)
    if days is None:
        return _answer(request, reminder, _("Choose how long to snooze the reminder."), error=True)
    until = timezone.localdate() + timedelta(days=days)
    try:
        reminders.reminder_snooze(reminder=reminder, until=until, by=request.user)
    except RuleError as error:
        return _answer(request, reminder, str(error), error=True)
    day = formats.date_format(until, "SHORT_DATE_FORMAT")
    return _answer(request, reminder, _("Snoozed: it comes back on %(day)s.") % {"day": day})


@require_POST
@login_required
@vary_on_htmx
def reassign(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    reminder = _own_reminder(request, pk)
    if not reminders.can_reassign(request.user, reminder):
        raise PermissionDenied
    to_pk = params.optional_id(request.POST.get("to_user"))
    if to_pk is None:
        return _answer(request, reminder, _("Choose the team member to hand it to."), error=True)
    # Someone outside the manager's team is "not found", like a missing person.
    to_user = access.get_visible_or_404(selectors.reassign_candidates(request.user), pk=to_pk)
    try:
        reminders.reminder_reassign(reminder=reminder, to_user=to_user, by=request.user)
    except RuleError as error:
        return _answer(request, reminder, str(error), error=True)
    return _answer(request, reminder, _("Handed over to %(name)s.") % {"name": to_user})
