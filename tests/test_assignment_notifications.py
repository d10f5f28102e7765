"""Notifications the moment something is yours: a transferred customer or deal, a handed-over follow-up, an
assigned complaint and a coaching note's actions land in the new person's inbox in the same request, in
their language, once; the email goes once to those who chose it; the bell's count refreshes by itself."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import DigestSent, Position
from customers import complaints
from pipeline import reminders, transfers
from pipeline.models import Reminder
from pipeline.notifications import assignment_emails_send
from targets.coaching.models import CoachingNote

from .factories import ActivityFactory, ComplaintFactory, CustomerFactory, DealFactory, UserFactory
from .inbox import bell_count

OK, FOUND, NO_CONTENT = 200, 302, 204


def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def deal(cast):
    return DealFactory(customer=CustomerFactory(owner=cast.rep, name="日照宏达钢铁有限公司"))


@pytest.fixture
def colleague(cast):
    return UserFactory(username="service2", full_name="Service Two", position=Position.CUSTOMER_SERVICE,
                       department=cast.service.department, email="service2@example.com")


def inbox_of(client_as, user) -> str:
    return client_as(user).get(reverse("reminders:inbox")).content.decode()


def entries_of(user, kind) -> list[Reminder]:
    return list(Reminder.objects.filter(recipient=user, kind=kind))


# --- Each kind of assignment: one entry, at once, saying who gave it ----------------------------------------


def test_a_transferred_deal_is_in_the_new_owners_inbox_right_after_the_request(client_as, cast, deal):
    response = client_as(cast.manager).post(reverse("deals:transfer", args=[deal.pk]), {
        "to_user": cast.account_manager.pk, "reason": "Account managers keep the steel mills"})
    assert response.status_code == FOUND
    [entry] = entries_of(cast.account_manager, Reminder.Kind.TRANSFER)
    assert (entry.deal, entry.by) == (deal, cast.manager)
    inbox = inbox_of(client_as, cast.account_manager)
    assert reverse("deals:detail", args=[deal.pk]) in inbox
    assert f"Transferred to you by {cast.manager}" in inbox


def test_a_transferred_customer_gives_one_entry_for_it_and_one_for_each_open_deal(client_as, cast, deal):
    client_as(cast.manager).post(reverse("deals:customer_transfer", args=[deal.customer_id]), {
        "to_user": cast.account_manager.pk, "reason": "Steel mills", "with_open_deals": "on"})
    entries = entries_of(cast.account_manager, Reminder.Kind.TRANSFER)
    assert {(e.customer_id, e.deal_id) for e in entries} == {(deal.customer_id, None), (deal.customer_id, deal.pk)}
    assert len(entries) == 2
    assert reverse("customers:detail", args=[deal.customer_id]) in inbox_of(client_as, cast.account_manager)


def test_an_assigned_complaint_is_in_the_assignees_inbox_at_once(client_as, cast, customer, colleague):
    complaint = ComplaintFactory(customer=customer, assignee=cast.service)
    response = client_as(cast.director).post(reverse("complaints:assign", args=[complaint.pk]),
                                             {"assignee": colleague.pk})
    assert response.status_code == FOUND
    [entry] = entries_of(colleague, Reminder.Kind.ASSIGNED)
    assert (entry.complaint, entry.by) == (complaint, cast.director)
    inbox = inbox_of(client_as, colleague)
    assert reverse("complaints:detail", args=[complaint.pk]) in inbox
    assert f"Assigned to you by {cast.director}" in inbox
    # Nobody else heard of it: not the former assignee, not the director.
    assert not Reminder.objects.exclude(recipient=colleague).exists()


def test_a_complaint_recorded_for_a_colleague_tells_them_and_one_recorded_for_oneself_does_not(cast, customer,
                                                                                               colleague):
    def record(assignee):
        return complaints.complaint_record(
            customer=customer, contact=None, category="quality", severity="medium", channel="phone",
            description="Moisture above the contract", contract_number="", claimed_amount=None,
            claimed_currency="", assignee=assignee, received_at=timezone.now(), by=cast.service)

    mine = record(cast.service)
    theirs = record(colleague)
    assert not entries_of(cast.service, Reminder.Kind.ASSIGNED)
    assert [entry.complaint_id for entry in entries_of(colleague, Reminder.Kind.ASSIGNED)] == [theirs.pk]
    assert mine.pk != theirs.pk


def test_a_handed_over_follow_up_says_who_handed_it(client_as, cast):
    activity = ActivityFactory(customer=CustomerFactory(owner=cast.rep), owner=cast.rep, next_step="Send the offer",
                               next_step_due=today() - datetime.timedelta(days=5))
    reminders.raise_reminders()
    escalated = Reminder.objects.get(recipient=cast.manager, cause=f"activity:{activity.pk}")
    client_as(cast.manager).post(reverse("reminders:reassign", args=[escalated.pk]),
                                 {"to_user": cast.account_manager.pk})
    [entry] = Reminder.objects.filter(recipient=cast.account_manager)
    assert entry.by == cast.manager
    assert f"Handed to you by {cast.manager}" in inbox_of(client_as, cast.account_manager)


def test_a_coaching_notes_actions_are_the_reps_at_once(client_as, cast):
    client_as(cast.manager).post(reverse("coaching:create"), {
        "rep": cast.rep.pk, "kind": CoachingNote.Kind.ONE_TO_ONE, "held_on": today().isoformat(),
        "went_well": "Good call notes", "to_improve": "Prepare the freight figures",
        "actions-TOTAL_FORMS": 2, "actions-INITIAL_FORMS": 0, "actions-MIN_NUM_FORMS": 0,
        "actions-MAX_NUM_FORMS": 1000,
        "actions-0-text": "Call the plant", "actions-0-due_on": (today() + datetime.timedelta(days=3)).isoformat(),
        "actions-1-text": "Send the revised offer",
        "actions-1-due_on": (today() + datetime.timedelta(days=5)).isoformat(),
    })
    note = CoachingNote.objects.get()
    [entry] = entries_of(cast.rep, Reminder.Kind.ASSIGNED)
    assert (entry.by, entry.link, entry.due_on) == (cast.manager, reverse("coaching:detail", args=[note.pk]),
                                                    today() + datetime.timedelta(days=3))
    assert entry.title == "Call the plant; Send the revised offer"
    inbox = inbox_of(client_as, cast.rep)
    assert f'href="{entry.link}"' in inbox and f"Assigned to you by {cast.manager}" in inbox


def test_each_assigned_record_is_one_entry_in_the_inbox_and_one_on_the_bell(client_as, cast, deal, colleague):
    complaint = ComplaintFactory(customer=deal.customer, assignee=cast.service)
    client_as(cast.director).post(reverse("complaints:assign", args=[complaint.pk]), {"assignee": colleague.pk})
    client_as(cast.manager).post(reverse("deals:customer_transfer", args=[deal.customer_id]), {
        "to_user": cast.account_manager.pk, "reason": "Steel mills", "with_open_deals": "on"})
    # No inbox panel lists complaints, customers or deals besides the entries.
    inbox = inbox_of(client_as, colleague)
    assert inbox.count(f'href="{reverse("complaints:detail", args=[complaint.pk])}"') == 1
    assert bell_count(client_as(colleague)) == 1
    inbox = inbox_of(client_as, cast.account_manager)
    assert inbox.count(f'href="{reverse("customers:detail", args=[deal.customer_id])}"') == 1
    assert inbox.count(f'href="{reverse("deals:detail", args=[deal.pk])}"') == 1
    assert bell_count(client_as(cast.account_manager)) == 2  # the customer and its open deal


def test_a_retry_or_the_hourly_job_adds_no_second_entry(cast, deal):
    transfers.deal_transfer(deal=deal, to_user=cast.account_manager, by=cast.manager, reason="Steel mills")
    [entry] = entries_of(cast.account_manager, Reminder.Kind.TRANSFER)
    from pipeline.notifications import assigned

    # The same cause again (a retried request), then the hourly run: still the one entry, still open.
    assigned(recipient=cast.account_manager, by=cast.manager, kind=Reminder.Kind.TRANSFER,
             subjects_by_cause={entry.cause: {"deal_id": deal.pk}})
    reminders.raise_reminders()
    assert entries_of(cast.account_manager, Reminder.Kind.TRANSFER) == [entry]
    entry.refresh_from_db()
    assert entry.done_at is None


def test_nothing_for_the_person_who_assigned_it_to_themselves(cast, customer):
    complaint = ComplaintFactory(customer=customer, assignee=cast.director)
    colleague = UserFactory(position=Position.CUSTOMER_SERVICE, department=cast.service.department)
    complaint.assignee = colleague
    complaint.save()
    # The director takes it back from the colleague: no inbox entry for the director about their own doing.
    director_service = UserFactory(position=Position.CUSTOMER_SERVICE, department=cast.service.department)
    complaints.complaint_assign(complaint=complaint, assignee=director_service, by=director_service)
    assert not Reminder.objects.filter(recipient=director_service).exists()


# --- In the recipient's language -----------------------------------------------------------------------------


def test_a_chinese_speaking_owner_reads_it_in_chinese(client_as, cast, deal):
    cast.account_manager.language = "zh-hans"
    cast.account_manager.save()
    transfers.deal_transfer(deal=deal, to_user=cast.account_manager, by=cast.manager, reason="Steel mills")
    inbox = inbox_of(client_as, cast.account_manager)
    assert f"由{cast.manager}转移给您" in inbox


# --- The email, for those who chose it ------------------------------------------------------------------------


def opt_in(user, *, language=""):
    user.email_on_assignment, user.language = True, language
    user.email = user.email or f"{user.username}@example.com"
    user.save()


def test_the_email_goes_once_to_an_owner_who_chose_it_in_their_language(cast, deal, mailoutbox,
                                                                          django_capture_on_commit_callbacks):
    opt_in(cast.account_manager, language="zh-hans")
    with django_capture_on_commit_callbacks(execute=True):
        transfers.deal_transfer(deal=deal, to_user=cast.account_manager, by=cast.manager, reason="Steel mills")
    [mail] = mailoutbox
    assert mail.to == [cast.account_manager.email]
    assert f"已由{cast.manager}转移给您" in mail.subject and deal.customer.name in mail.subject
    assert reverse("deals:detail", args=[deal.pk]) in mail.body
    # The task run again (a redelivered message): nothing more.
    entry = Reminder.objects.get(recipient=cast.account_manager)
    assert assignment_emails_send(recipient_id=cast.account_manager.pk, causes=[entry.cause],
                                  day=entry.day.isoformat()) == 0
    assert len(mailoutbox) == 1
    assert DigestSent.objects.filter(user=cast.account_manager).count() == 1


def test_no_email_for_an_owner_who_did_not_choose_it(cast, deal, mailoutbox, django_capture_on_commit_callbacks):
    cast.account_manager.email = "am@example.com"
    cast.account_manager.save()
    with django_capture_on_commit_callbacks(execute=True):
        transfers.deal_transfer(deal=deal, to_user=cast.account_manager, by=cast.manager, reason="Steel mills")
    assert mailoutbox == []
    assert entries_of(cast.account_manager, Reminder.Kind.TRANSFER)


def test_the_email_is_queued_only_once_the_assignment_is_committed(cast, deal, mailoutbox,
                                                                   django_capture_on_commit_callbacks):
    opt_in(cast.account_manager)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        transfers.deal_transfer(deal=deal, to_user=cast.account_manager, by=cast.manager, reason="Steel mills")
    assert mailoutbox == [] and callbacks
    for callback in callbacks:
        callback()
    assert len(mailoutbox) == 1
    assert "was transferred to you by" in mailoutbox[0].subject


def test_the_profile_page_offers_the_choice(client_as, cast):
    response = client_as(cast.rep).post(reverse("accounts:profile_edit"), {
        "full_name": cast.rep.full_name, "email": "rep@example.com", "phone": "", "language": "",
        "email_on_assignment": "on"})
    assert response.status_code == FOUND
    cast.rep.refresh_from_db()
    assert cast.rep.email_on_assignment
    assert 'name="email_on_assignment"' in client_as(cast.rep).get(reverse("accounts:profile_edit")).text


# --- The bell refreshes itself ----------------------------------------------------------------------------------


def test_every_page_polls_the_bell(client_as, cast):
    html = client_as(cast.rep).get(reverse("customers:list")).text
    assert f'hx-get="{reverse("reminders:bell")}"' in html and 'hx-trigger="every 60s"' in html


def test_the_bell_shows_the_users_own_count_in_one_count_query(client_as, cast, deal, django_assert_max_num_queries):
    transfers.deal_transfer(deal=deal, to_user=cast.account_manager, by=cast.manager, reason="Steel mills")
    other = DealFactory(customer=CustomerFactory(owner=cast.other_rep))
    transfers.deal_transfer(deal=other, to_user=UserFactory(position=Position.REP, team=cast.other_rep.team),
                            by=cast.director, reason="Steel mills")
    client = client_as(cast.account_manager)
    # The session, the user and the one COUNT.
    with django_assert_max_num_queries(3):
        response = client.get(reverse("reminders:bell"), HTTP_HX_REQUEST="true")
    assert response.status_code == OK
    assert 'id="reminder-count"' in response.text and ">1</span>" in response.text
    assert "no-cache" in response["Cache-Control"] and "HX-Request" in response["Vary"]
    # The rep transferred from has none, and no one sees another's count.
    assert 'id="reminder-count"' not in client_as(cast.rep).get(reverse("reminders:bell"), HTTP_HX_REQUEST="true").text
    # Opened as a page, it leads to the inbox.
    assert client_as(cast.rep).get(reverse("reminders:bell"))["Location"] == reverse("reminders:inbox")


def test_a_signed_out_poll_leaves_the_bell_alone(client):
    assert client.get(reverse("reminders:bell"), HTTP_HX_REQUEST="true").status_code == NO_CONTENT
    assert client.get(reverse("reminders:bell")).status_code == FOUND
