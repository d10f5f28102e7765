"""Calendar feeds: a person's private iCalendar URL with their own follow-ups, reminders, laycans,
L/C expiries and complaint deadlines, read by calendar apps that cannot sign in."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from pipeline.calendar_feeds import services
from pipeline.models import Reminder

from .conftest import ROLES
from .factories import (
    ActivityFactory,
    ComplaintFactory,
    CustomerFactory,
    DealFactory,
    ShipmentFactory,
    SignedDealFactory,
)
from .factories.letters_of_credit import LCDealFactory, received_lc

TODAY = timezone.localdate()


def day(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


def fetch(client, token: str):
    client.logout()  # a calendar app has no session
    return client.get(reverse("calendar_feeds:feed", args=[token]))


def events(response) -> dict[str, dict]:
    """The feed parsed back: each event by its UID, with its summary, dates and URL."""
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    parsed = Calendar.from_ical(response.content)
    return {str(event["uid"]): {
        "summary": str(event["summary"]), "start": event.decoded("dtstart"), "end": event.decoded("dtend"),
        "url": str(event["url"]), "dtstamp": event.get("dtstamp"),
    } for event in parsed.walk("VEVENT")}


@pytest.fixture
def rep_world(cast):
    """The rep's follow-up, deal laycans, shipment laycan, L/C expiry, reminder; the other rep's alike."""
    customer = CustomerFactory(owner=cast.rep, name="Rizhao Steel Co., Ltd.")
    other = CustomerFactory(owner=cast.other_rep, name="Tangshan Power Plant")
    world = {
        "follow_up": ActivityFactory(customer=customer, next_step="Send the NAR 5500 offer", next_step_due=day(3)),
        "done": ActivityFactory(customer=customer, next_step="Already done", next_step_due=day(4), next_step_done=True),
        "negotiating": DealFactory(customer=customer, laycan_start=day(20), laycan_end=day(30)),
        "signed": SignedDealFactory(customer=customer, laycan_start=day(40), laycan_end=day(50)),
        "far": SignedDealFactory(customer=customer, laycan_start=day(500), laycan_end=day(510)),
        "others": ActivityFactory(customer=other, next_step="Call Tangshan", next_step_due=day(3)),
        "others_deal": SignedDealFactory(customer=other, laycan_start=day(20), laycan_end=day(30)),
    }
    world["shipment"] = ShipmentFactory(deal=world["signed"], vessel_name="Pacific Glory",
                                        laycan_start=day(42), laycan_end=day(45))
    lc_deal = LCDealFactory(customer=customer, laycan_start=day(60), laycan_end=day(70))
    world["lc"] = received_lc(lc_deal, cast.rep, expiry_date=day(90), latest_shipment_date=day(70),
                              issued_on=day(-10))
    world["reminder"] = Reminder.objects.create(recipient=cast.rep, kind=Reminder.Kind.LAYCAN, cause="deal:x",
                                                day=TODAY, due_on=day(5), deal=world["negotiating"])
    return world


def test_a_reps_feed_shows_their_follow_ups_laycans_lc_expiries_and_reminders(client, cast, rep_world):
    token = services.issue_feed(user=cast.rep)
    feed = events(fetch(client, token))
    w = rep_world
    follow_up = feed[f"follow-up-{w['follow_up'].pk}@testserver"]
    assert "Send the NAR 5500 offer" in follow_up["summary"] and "Rizhao" in follow_up["summary"]
    assert follow_up["start"] == day(3) and follow_up["end"] == day(4)  # all day: DTEND is the day after
    assert follow_up["url"] == f"http://testserver/customers/{w['follow_up'].customer_id}/"
    assert follow_up["dtstamp"] is not None
    signed = feed[f"deal-laycan-{w['signed'].pk}@testserver"]
    assert signed["start"] == day(40) and signed["end"] == day(51)
    assert w["signed"].contract_number in signed["summary"] and "signed" in signed["summary"]
    assert feed[f"deal-laycan-{w['negotiating'].pk}@testserver"]["start"] == day(20)
    vessel = feed[f"laycan-shipments-{w['shipment'].pk}@testserver"]
    assert "Pacific Glory" in vessel["summary"] and vessel["start"] == day(42)
    lc = feed[f"lc-expiry-{w['lc'].pk}@testserver"]
    assert lc["start"] == day(90) and "LC-2026-0001" in lc["summary"]
    assert lc["url"].endswith(reverse("letters_of_credit:detail", args=[w["lc"].pk]))
    assert feed[f"reminder-{w['reminder'].pk}@testserver"]["start"] == day(5)
    # Nothing done, nothing beyond the window, nothing of another rep's.
    assert f"follow-up-{w['done'].pk}@testserver" not in feed
    assert f"deal-laycan-{w['far'].pk}@testserver" not in feed
    assert f"follow-up-{w['others'].pk}@testserver" not in feed
    assert f"deal-laycan-{w['others_deal'].pk}@testserver" not in feed
    assert not any("Tangshan" in event["summary"] for event in feed.values())


def test_the_feed_is_the_users_own_not_their_teams(client, cast, rep_world):
    """The manager sees the rep's records in the pages, but their calendar holds only their own."""
    feed = events(fetch(client, services.issue_feed(user=cast.manager)))
    assert feed == {}


def test_a_follow_up_handed_to_someone_is_on_their_calendar_not_the_loggers(client, cast, customer):
    handed = ActivityFactory(customer=customer, next_step="Visit the plant", next_step_due=day(2),
                             next_step_owner=cast.account_manager)
    assert f"follow-up-{handed.pk}@testserver" in events(fetch(client, services.issue_feed(user=cast.account_manager)))
    assert f"follow-up-{handed.pk}@testserver" not in events(fetch(client, services.issue_feed(user=cast.rep)))


def test_complaint_deadlines_of_complaints_assigned_to_the_user(client, cast, customer):
    received = timezone.now() - datetime.timedelta(hours=2)
    open_one = ComplaintFactory(customer=customer, assignee=cast.service, received_at=received,
                                respond_by=received + datetime.timedelta(days=1),
                                resolve_by=received + datetime.timedelta(days=10))
    closed = ComplaintFactory(customer=customer, assignee=cast.service, status="closed", received_at=received,
                              respond_by=received, resolve_by=received + datetime.timedelta(days=3))
    someone_elses = ComplaintFactory(customer=customer, received_at=received, respond_by=received,
                                     resolve_by=received + datetime.timedelta(days=3))
    feed = events(fetch(client, services.issue_feed(user=cast.service)))
    resolve = feed[f"complaint-resolve-{open_one.pk}@testserver"]
    assert resolve["start"] == timezone.localdate(open_one.resolve_by) and "Rizhao" in resolve["summary"]
    assert f"complaint-respond-{open_one.pk}@testserver" in feed
    assert not any(str(closed.pk) in uid or str(someone_elses.pk) in uid for uid in feed if "complaint" in uid)


def test_no_session_needed_and_the_response_suits_calendar_polling(client, cast, rep_world):
    response = fetch(client, services.issue_feed(user=cast.rep))
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "max-age" in response["Cache-Control"]
    assert "sessionid" not in response.cookies


def test_unknown_revoked_and_regenerated_tokens_answer_404(client, cast, rep_world):
    assert fetch(client, "not-a-token").status_code == 404
    old = services.issue_feed(user=cast.rep)
    new = services.issue_feed(user=cast.rep)
    assert fetch(client, old).status_code == 404
    assert fetch(client, new).status_code == 200
    services.revoke_feed(user=cast.rep)
    assert fetch(client, new).status_code == 404


def test_a_deactivated_users_feed_answers_404(client, cast):
    token = services.issue_feed(user=cast.rep)
    cast.rep.is_active = False
    cast.rep.save()
    assert fetch(client, token).status_code == 404


def test_only_the_tokens_hash_is_stored(cast):
    token = services.issue_feed(user=cast.rep)
    stored = cast.rep.calendar_feed.token_hash
    assert token not in stored and len(stored) == 64


def test_summaries_are_in_the_users_language(client, cast, rep_world):
    cast.rep.language = "zh-hans"
    cast.rep.save()
    feed = events(fetch(client, services.issue_feed(user=cast.rep)))
    assert feed[f"follow-up-{rep_world['follow_up'].pk}@testserver"]["summary"].startswith("跟进")
    assert "受载期" in feed[f"deal-laycan-{rep_world['signed'].pk}@testserver"]["summary"]
    assert "信用证" in feed[f"lc-expiry-{rep_world['lc'].pk}@testserver"]["summary"]


def test_the_query_count_does_not_grow_with_the_events(client, cast, rep_world, django_assert_max_num_queries):
    token = services.issue_feed(user=cast.rep)
    url = reverse("calendar_feeds:feed", args=[token])
    # The token's feed, its fetch time, and one query for each kind of event (two for the shipments' laycans: their
    # windows, then the shipments; pipeline.laycan_sources).
    with django_assert_max_num_queries(9):
        few = len(events(client.get(url)))
    customer = rep_world["follow_up"].customer
    for offset in range(10):
        ActivityFactory(customer=customer, next_step=f"Step {offset}", next_step_due=day(offset))
        ShipmentFactory(deal=SignedDealFactory(customer=customer, laycan_start=day(offset), laycan_end=day(offset + 5)),
                        laycan_start=day(offset), laycan_end=day(offset + 2))
    with django_assert_max_num_queries(9):
        many = len(events(client.get(url)))
    assert many == few + 30


@pytest.mark.parametrize("role", ROLES)
def test_the_profile_card_creates_shows_once_regenerates_and_revokes_the_feed(client_as, client, cast, role):
    user = cast.by_role(role)
    browser = client_as(user)
    profile = reverse("accounts:profile")
    if user is None:
        assert browser.post(reverse("calendar_feeds:issue")).status_code == 302
        assert not services.CalendarFeed.objects.exists()
        return
    page = browser.get(profile).content.decode()
    assert "Create my calendar feed" in page
    page = browser.post(reverse("calendar_feeds:issue"), follow=True).content.decode()
    url = re.search(r'value="(http://testserver/calendar/[^"]+\.ics)"', page)[1]
    assert "Regenerate URL" in page
    assert browser.get(url).status_code == 200
    assert url not in browser.get(profile).content.decode()  # shown only once
    page = browser.post(reverse("calendar_feeds:issue"), follow=True).content.decode()
    new_url = re.search(r'value="(http://testserver/calendar/[^"]+\.ics)"', page)[1]
    assert new_url != url and client.get(url).status_code == 404
    browser = client_as(user)
    page = browser.post(reverse("calendar_feeds:revoke"), follow=True).content.decode()
    assert "Create my calendar feed" in page and browser.get(new_url).status_code == 404


def test_the_feed_url_takes_no_get_to_change_it(client_as, cast):
    browser = client_as(cast.rep)
    assert browser.get(reverse("calendar_feeds:issue")).status_code == 405
    assert browser.get(reverse("calendar_feeds:revoke")).status_code == 405
