"""Every view that answers an htmx request with a fragment says `Vary: HX-Request` on each of its answers,
with the header and without, so that a cache never serves the fragment for the page or the page for it."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from pipeline import reminders
from pipeline.models import Reminder, Stage

from .conftest import Cast
from .factories import ActivityFactory, CustomerFactory, DealFactory


@dataclass
class Request:
    """Who asks, and how: method, URL and form data, set up from the cast."""

    user: str
    method: str
    url: str
    data: dict


def board(cast: Cast) -> Request:
    DealFactory(customer=CustomerFactory(owner=cast.rep), stage=Stage.RESEARCH)
    return Request("rep", "get", reverse("deals:board"), {})


def deal_move(cast: Cast) -> Request:
    deal = DealFactory(customer=CustomerFactory(owner=cast.rep), stage=Stage.RESEARCH)
    return Request("rep", "post", reverse("deals:move", args=[deal.pk]),
                   {"to_stage": Stage.DEVELOPMENT, "version": deal.version, "next": "board"})


def _reminder(cast: Cast, *, days_late: int, recipient) -> Reminder:
    """A reminder about the rep's next step, `days_late` days late (three or more escalate to the manager)."""
    activity = ActivityFactory(customer=CustomerFactory(owner=cast.rep), owner=cast.rep, next_step="Send the offer",
                               next_step_due=timezone.localdate() - timedelta(days=days_late))
    reminders.raise_reminders()
    return Reminder.objects.get(recipient=recipient, cause=f"activity:{activity.pk}")


def reminder_done(cast: Cast) -> Request:
    reminder = _reminder(cast, days_late=1, recipient=cast.rep)
    return Request("rep", "post", reverse("reminders:done", args=[reminder.pk]), {})


def reminder_snooze(cast: Cast) -> Request:
    reminder = _reminder(cast, days_late=1, recipient=cast.rep)
    return Request("rep", "post", reverse("reminders:snooze", args=[reminder.pk]), {"days": 3})


def reminder_reassign(cast: Cast) -> Request:
    reminder = _reminder(cast, days_late=5, recipient=cast.manager)
    return Request("manager", "post", reverse("reminders:reassign", args=[reminder.pk]),
                   {"to_user": cast.account_manager.pk})


def reminder_bell(cast: Cast) -> Request:
    return Request("rep", "get", reverse("reminders:bell"), {})


VIEWS: list[Callable[[Cast], Request]] = [board, deal_move, reminder_done, reminder_snooze, reminder_reassign,
                                          reminder_bell]


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
@pytest.mark.parametrize("view", VIEWS, ids=lambda view: view.__name__)
def test_a_view_with_an_htmx_fragment_varies_on_hx_request(client_as, cast, view, htmx):
    request = view(cast)
    client = client_as(cast.by_role(request.user))
    headers = {"HX-Request": "true"} if htmx else {}
    response = getattr(client, request.method)(request.url, request.data, headers=headers)
    html = response.content.decode()
    if htmx:
        assert response.status_code == 200 and "<html" not in html  # the fragment
    else:
        assert response.status_code == 302 or "<html" in html  # the page, or back to it
    vary = [header.strip().lower() for header in response.get("Vary", "").split(",")]
    assert "hx-request" in vary, response.get("Vary")
