"""What a person's calendar feed shows: their own follow-ups, open reminders, the laycans of their deals
and shipments, the expiries of their deals' L/Cs and the deadlines of the complaints assigned to them,
within a window around today, in a fixed number of queries however many there are."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from accounts import access
from accounts.choices import display
from accounts.models import User
from customers.models import Complaint
from customers.selectors import complaints_visible_to
from pipeline.laycan_sources import laycan_entries
from pipeline.letters_of_credit.models import LetterOfCredit
from pipeline.letters_of_credit.selectors import letters_of_credit_visible_to
from pipeline.models import Deal, Outcome
from pipeline.selectors import (
    activities_visible_to,
    deals_visible_to,
    latest_open,
    laycans_in,
    reminders_for,
    with_subjects,
)

# Far enough back to see what just slipped, far enough ahead for a year's laycans; the feed stays small.
DAYS_BACK, DAYS_AHEAD = 60, 365


@dataclass(frozen=True)
class FeedEvent:
    uid: str  # kind and pk: the same record keeps its place in the calendar app
    summary: str
    description: str
    path: str  # the record's page, made absolute when the feed is written
    start: date
    end: date  # the last day, inclusive
    modified: datetime | None = None


def _window(today: date) -> tuple[date, date]:
    return today - timedelta(days=DAYS_BACK), today + timedelta(days=DAYS_AHEAD)


def follow_ups(user: User, first: date, last: date) -> list[FeedEvent]:
    """The dated next steps the user is to take: of their own activities, and those handed to them."""
    mine = Q(next_step_owner=user) | Q(owner=user, next_step_owner__isnull=True)
    activities = (activities_visible_to(user).filter(mine).exclude(next_step="")
                  .filter(next_step_done=False, next_step_due__range=(first, last))
                  .select_related("customer").order_by("next_step_due", "pk"))
    return [FeedEvent(
        uid=f"follow-up-{activity.pk}", summary=_("Follow-up: %(step)s — %(customer)s") % {
            "step": activity.next_step, "customer": activity.customer},
        description=activity.summary, path=reverse("customers:detail", args=[activity.customer_id]),
        start=activity.next_step_due, end=activity.next_step_due, modified=activity.created_at,
    ) for activity in activities if activity.next_step_due]


def reminders(user: User, first: date, last: date, today: date) -> list[FeedEvent]:
    """The user's open reminders that fall due on a day."""
    open_ones = with_subjects(latest_open(reminders_for(user), today)).filter(due_on__range=(first, last))
    return [FeedEvent(
        uid=f"reminder-{reminder.pk}",
        summary=_("Reminder: %(kind)s") % {"kind": display(reminder, "kind")},
        description=str(reminder.deal or reminder.complaint or reminder.customer or reminder.activity or ""),
        path=reverse("reminders:inbox"), start=reminder.due_on, end=reminder.due_on, modified=reminder.created_at,
    ) for reminder in open_ones.order_by("due_on", "pk") if reminder.due_on]


def deal_laycans(user: User, deals: QuerySet[Deal], first: date, last: date) -> list[FeedEvent]:
    events = []
    for deal in laycans_in(deals, first, last):
        signed = deal.outcome == Outcome.WON
        title = _("Laycan (signed): %(deal)s") if signed else _("Laycan (in negotiation): %(deal)s")
        events.append(FeedEvent(
            uid=f"deal-laycan-{deal.pk}", summary=title % {"deal": deal.contract_number or deal},
            description=str(deal), path=reverse("deals:detail", args=[deal.pk]),
            start=deal.laycan_from, end=deal.laycan_to, modified=deal.updated_at))
    return events


def other_laycans(user: User, deals: QuerySet[Deal], first: date, last: date) -> list[FeedEvent]:
    """The windows the apps built on the pipeline add to the laycan calendar (shipments' laycans)."""
    return [FeedEvent(
        uid=f"laycan-{entry.url.strip('/').replace('/', '-')}",
        summary=_("Laycan: %(vessel)s") % {"vessel": entry}, description=entry.detail, path=entry.url,
        start=entry.laycan_from, end=entry.laycan_to,
    ) for entry in laycan_entries(user, deals, first, last)]


def lc_expiries(user: User, deals: QuerySet[Deal], first: date, last: date) -> list[FeedEvent]:
    letters = (letters_of_credit_visible_to(user).filter(deal__in=deals, expiry_date__range=(first, last))
               .exclude(status=LetterOfCredit.Status.PAID).select_related("deal").order_by("expiry_date", "pk"))
    return [FeedEvent(
        uid=f"lc-expiry-{letter.pk}",
        summary=_("L/C expires: %(number)s (%(deal)s)") % {
            "number": letter.number or _("expected"), "deal": letter.deal.contract_number or letter.deal_id},
        description=letter.expiry_place, path=reverse("letters_of_credit:detail", args=[letter.pk]),
        start=letter.expiry_date, end=letter.expiry_date, modified=letter.updated_at,
    ) for letter in letters if letter.expiry_date]


def complaint_deadlines(user: User, first: date, last: date) -> list[FeedEvent]:
    """Of the open complaints assigned to the user, the response deadline until answered, and the
    resolution deadline."""
    complaints = (complaints_visible_to(user).filter(assignee=user)
                  .filter(status__in=[Complaint.Status.OPEN, Complaint.Status.INVESTIGATING])
                  .select_related("customer").order_by("resolve_by", "pk"))
    events = []
    for complaint in complaints:
        path = reverse("complaints:detail", args=[complaint.pk])
        deadlines = [("resolve", _("Resolve complaint: %(customer)s"), complaint.resolve_by)]
        if complaint.responded_at is None:
            deadlines.append(("respond", _("Respond to complaint: %(customer)s"), complaint.respond_by))
        for kind, title, moment in deadlines:
            day = timezone.localdate(moment)
            if first <= day <= last:
                events.append(FeedEvent(
                    uid=f"complaint-{kind}-{complaint.pk}", summary=title % {"customer": complaint.customer},
                    description=complaint.description, path=path, start=day, end=day))
    return events


def feed_events(user: User, today: date | None = None) -> list[FeedEvent]:
    """Everything on the user's calendar within the window: one query per kind."""
    today = today or timezone.localdate()
    first, last = _window(today)
    own_deals = access.owned_by(user, deals_visible_to(user))
    return [
        *follow_ups(user, first, last),
        *reminders(user, first, last, today),
        *deal_laycans(user, own_deals, first, last),
        *other_laycans(user, own_deals, first, last),
        *lc_expiries(user, own_deals, first, last),
        *complaint_deadlines(user, first, last),
    ]


def ics(events: list[FeedEvent], *, absolute: Callable[[str], str], domain: str, name: str) -> bytes:
    """The feed as iCalendar: all-day events (VALUE=DATE; DTEND the day after the last, per RFC 5545)."""
    calendar = Calendar()
    calendar.add("prodid", "-//BulkSales//Calendar feed//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-published-ttl", "PT1H")  # how often the apps that honour it poll
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    stamp = timezone.now()
    for item in events:
        event = Event()
        event.add("uid", f"{item.uid}@{domain}")
        event.add("summary", item.summary)
        if item.description:
            event.add("description", item.description)
        event.add("dtstart", item.start)
        event.add("dtend", item.end + timedelta(days=1))
        event.add("dtstamp", stamp)
        if item.modified:
            event.add("last-modified", item.modified)
        event.add("url", absolute(item.path))
        event.add("transp", "TRANSPARENT")  # a deadline does not make the person busy
        calendar.add_component(event)
    return calendar.to_ical()
