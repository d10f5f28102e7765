"""Accounts and sessions: a deactivation signs the person out everywhere, password resets are throttled,
the sign-in lockout sees the client behind the TLS proxy (and not a forged header), an idle session
ends, the Permissions-Policy header, and self-reported satisfaction surveys."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import security, services
from accounts.middleware import SEEN_KEY
from accounts.models import Position
from targets.kpis import compute_scorecards
from targets.models import Scorecard

from .factories import CustomerFactory, SurveyFactory, UserFactory
from .test_settings import PRODUCTION, manage

LOGIN = "/accounts/login/"
PROXY = "10.0.0.5"  # the TLS proxy, on the private network
VICTIM = "198.51.100.20"
ATTACKER = "203.0.113.66"
OUTSIDER = "93.184.216.34"  # a public address: no proxy of ours


@pytest.fixture
def rep(db):
    return UserFactory(username="liuyang", email="liuyang@example.com", position=Position.REP)


def reset(client, email, **extra):
    return client.post(reverse("accounts:password_reset"), {"email": email}, **extra)


def sign_in(client, username, password="a-Long-test-passw0rd", **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


# --- Deactivation ends the person's sessions --------------------------------------------------------


def test_a_session_opened_before_a_deactivation_does_not_work_after_the_reactivation(client, cast):
    client.force_login(cast.rep)
    services.user_deactivate(user=cast.rep, by=cast.director)
    services.user_reactivate(user=cast.rep)
    assert client.get(reverse("accounts:profile")).status_code == 302
    assert sign_in(client, "rep").status_code == 302  # they sign in again, afresh


def test_deactivating_someone_leaves_everyone_elses_sessions(client, cast, client_as):
    other = client_as(cast.other_rep)
    services.user_deactivate(user=cast.rep, by=cast.director)
    assert other.get(reverse("accounts:profile")).status_code == 200


def test_a_hand_over_that_deactivates_ends_the_leavers_sessions(client, cast):
    client.force_login(cast.rep)
    services.hand_over(from_user=cast.rep, to_user=cast.account_manager, by=cast.director, reason="Left",
                       deactivate=True)
    services.user_reactivate(user=cast.rep)
    assert client.get(reverse("accounts:profile")).status_code == 302


# --- Password reset throttles ------------------------------------------------------------------------


def test_password_resets_for_one_address_stop_at_the_limit_behind_the_same_page(client, rep, settings,
                                                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answers = [reset(client, "liuyang@example.com", REMOTE_ADDR=f"10.1.1.{n}")
                   for n in range(settings.PASSWORD_RESET_LIMIT_PER_ADDRESS + 2)]
    assert len(mail.outbox) == settings.PASSWORD_RESET_LIMIT_PER_ADDRESS
    assert {(answer.status_code, answer["Location"]) for answer in answers} == {
        (302, reverse("accounts:password_reset_done"))}


def test_password_resets_from_one_client_stop_at_the_limit(client, db, settings, django_capture_on_commit_callbacks):
    people = UserFactory.create_batch(settings.PASSWORD_RESET_LIMIT_PER_CLIENT + 1)
    with django_capture_on_commit_callbacks(execute=True):
        answers = [reset(client, person.email) for person in people]
    assert len(mail.outbox) == settings.PASSWORD_RESET_LIMIT_PER_CLIENT
    assert answers[-1].status_code == 302
    assert answers[-1]["Location"] == reverse("accounts:password_reset_done")
    with django_capture_on_commit_callbacks(execute=True):
        reset(client, people[-1].email, REMOTE_ADDR="10.9.9.9")  # someone else is not held back
    assert mail.outbox[-1].to == [people[-1].email]


def test_unknown_addresses_spend_the_clients_allowance_too(client, rep, settings, django_capture_on_commit_callbacks):
    for n in range(settings.PASSWORD_RESET_LIMIT_PER_CLIENT):
        reset(client, f"nobody{n}@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        reset(client, "liuyang@example.com")
    assert mail.outbox == []


# --- Lockout behind the TLS proxy ---------------------------------------------------------------------


def test_failures_through_the_proxy_do_not_lock_the_name_out_for_everyone(client, rep, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The attacker writes the victim's address in X-Forwarded-For; the proxy appends the real one.
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "liuyang", "wrong-password", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{VICTIM}, {ATTACKER}")
    attacker = sign_in(client, "liuyang", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{VICTIM}, {ATTACKER}")
    assert attacker.status_code == 429
    client.logout()
    assert sign_in(client, "liuyang", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=VICTIM).status_code == 302


def test_a_direct_client_cannot_forge_the_header_to_lock_someone_out(client, rep, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "liuyang", "wrong-password", REMOTE_ADDR=OUTSIDER, HTTP_X_FORWARDED_FOR=VICTIM)
    assert sign_in(client, "liuyang", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=VICTIM).status_code == 302
    client.logout()
    assert sign_in(client, "liuyang", REMOTE_ADDR=OUTSIDER, HTTP_X_FORWARDED_FOR=VICTIM).status_code == 429


def test_without_a_proxy_the_header_is_ignored(client, rep, settings):
    assert settings.TRUSTED_PROXY_COUNT == 0
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "liuyang", "wrong-password", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=VICTIM)
    assert sign_in(client, "liuyang", REMOTE_ADDR=VICTIM).status_code == 302


@pytest.mark.parametrize("peer, header, count, expected", [
    (PROXY, f"{VICTIM}, {ATTACKER}", 1, ATTACKER),
    (PROXY, f"{VICTIM}, {ATTACKER}, 10.0.0.9", 2, ATTACKER),
    (PROXY, "", 1, PROXY),  # no header: the peer
    (PROXY, "not-an-address", 1, PROXY),
    (OUTSIDER, VICTIM, 1, OUTSIDER),  # not from a proxy of ours
    (PROXY, VICTIM, 0, PROXY),
])
def test_the_client_address_is_counted_from_the_right(rf, settings, peer, header, count, expected):
    settings.TRUSTED_PROXY_COUNT = count
    request = rf.get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=header)
    assert security.client_address(request) == expected


def test_behind_the_tls_proxy_one_trusted_proxy_is_the_default():
    probe = "from django.conf import settings as s; print(s.TRUSTED_PROXY_COUNT, s.AXES_CLIENT_IP_CALLABLE)"
    result = manage("shell", "-c", probe, **PRODUCTION | {"SECURE_PROXY_SSL_HEADER": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "1 accounts.security.client_address"
    result = manage("shell", "-c", probe, **PRODUCTION | {"SECURE_PROXY_SSL_HEADER": "1", "TRUSTED_PROXY_COUNT": "2"})
    assert result.stdout.strip().splitlines()[-1] == "2 accounts.security.client_address"


def test_a_bad_trusted_proxy_network_fails_loudly():
    result = manage("check", **PRODUCTION | {"TRUSTED_PROXY_NETWORKS": "10.0.0.0/8,proxy"})
    assert result.returncode != 0
    assert "TRUSTED_PROXY_NETWORKS" in result.stderr


# --- Idle sessions and the Permissions-Policy ------------------------------------------------------


def _session() -> Session:
    return Session.objects.get()


def test_a_session_ends_after_eight_idle_hours_by_default(client, rep):
    client.force_login(rep)
    remaining = _session().expire_date - timezone.now()
    assert datetime.timedelta(hours=7, minutes=59) < remaining <= datetime.timedelta(hours=8)
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_the_idle_limit_is_configurable():
    probe = "from django.conf import settings as s; print(s.SESSION_COOKIE_AGE)"
    result = manage("shell", "-c", probe, **PRODUCTION | {"SESSION_IDLE_HOURS": "2"})
    assert result.stdout.strip().splitlines()[-1] == "7200"
    assert "SESSION_IDLE_HOURS" in manage("check", **PRODUCTION | {"SESSION_IDLE_HOURS": "0"}).stderr


def test_using_the_session_keeps_it_alive(client, rep, settings):
    client.force_login(rep)
    session = client.session
    session[SEEN_KEY] -= settings.SESSION_IDLE_REFRESH_SECONDS  # last pushed forward five minutes ago
    session.save()
    Session.objects.update(expire_date=timezone.now() + datetime.timedelta(minutes=10))
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert _session().expire_date - timezone.now() > datetime.timedelta(hours=7, minutes=59)


def test_a_session_is_not_written_on_every_request(client, rep):
    client.force_login(rep)
    with CaptureQueriesContext(connection) as context:
        client.get(reverse("accounts:profile"))
    assert not [query for query in context.captured_queries if "UPDATE" in query["sql"] and "django_session" in
                query["sql"]]


def test_every_answer_carries_a_permissions_policy(client, rep):
    policy = client.get(LOGIN)["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in policy
    client.force_login(rep)
    assert "camera=()" in client.get(reverse("accounts:profile"))["Permissions-Policy"]


# --- Self-reported satisfaction surveys ----------------------------------------------------------------


Q3 = datetime.date(2026, 7, 1)


def test_a_reps_own_survey_is_left_out_of_their_score(cast):
    customer = CustomerFactory(owner=cast.rep)
    SurveyFactory(customer=customer, surveyed_on=datetime.date(2026, 8, 1), recorded_by=cast.service,
                  product_quality=3, delivery=3, service=3)
    SurveyFactory(customer=customer, surveyed_on=datetime.date(2026, 8, 2), recorded_by=cast.rep,
                  product_quality=5, delivery=5, service=5)
    compute_scorecards(period=Scorecard.Period.QUARTER, start=Q3)
    card = Scorecard.objects.get(subject=Scorecard.Subject.REP, subject_id=cast.rep.pk,
                                 period=Scorecard.Period.QUARTER, period_start=Q3)
    assert card.satisfaction == Decimal("3.00")
    team = Scorecard.objects.get(subject=Scorecard.Subject.TEAM, subject_id=cast.rep.team_id,
                                 period=Scorecard.Period.QUARTER, period_start=Q3)
    assert team.satisfaction == Decimal("3.00")


def test_marketing_surveys_count_and_a_rep_with_only_their_own_has_no_satisfaction(cast):
    SurveyFactory(customer=CustomerFactory(owner=cast.rep), surveyed_on=datetime.date(2026, 8, 2),
                  recorded_by=cast.rep)
    SurveyFactory(customer=CustomerFactory(owner=cast.account_manager), surveyed_on=datetime.date(2026, 8, 2),
                  recorded_by=cast.marketing, product_quality=4, delivery=4, service=4)
    compute_scorecards(period=Scorecard.Period.QUARTER, start=Q3)
    cards = dict(Scorecard.objects.filter(subject=Scorecard.Subject.REP, period=Scorecard.Period.QUARTER,
                                          period_start=Q3).values_list("subject_id", "satisfaction"))
    assert cards[cast.rep.pk] is None
    assert cards[cast.account_manager.pk] == Decimal("4.00")


def test_a_rep_may_record_a_survey_of_their_customer_shown_as_self_reported(client_as, cast):
    customer = CustomerFactory(owner=cast.rep)
    SurveyFactory(customer=customer, recorded_by=cast.service)
    client = client_as(cast.rep)
    response = client.post(reverse("customers:survey_create", args=[customer.pk]), {
        "surveyed_on": "2026-10-20", "method": "phone", "product_quality": 5, "delivery": 5, "service": 5,
        "recommend": 10, "comment": ""})
    assert response.status_code == 302 and response.url == reverse("customers:section", args=[customer.pk, "service"])
    page = client.get(response.url)
    assert [survey.self_reported for survey in page.context["surveys"]] == [True, False]
    assert page.content.decode().count("self-reported") == 1
