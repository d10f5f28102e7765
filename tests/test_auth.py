"""Signing in and out, lockout, deactivated users, password reset and change, and the language switch."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Position

from .factories import PASSWORD, UserFactory

LOGIN = "/accounts/login/"


@pytest.fixture
def rep(db):
    return UserFactory(username="liuyang", email="liuyang@example.com", position=Position.REP)


def sign_in(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def test_the_login_page_is_served_at_accounts_login(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_a_user_signs_in_and_lands_on_their_dashboard(client, rep):
    response = sign_in(client, "liuyang")
    assert response.status_code == 302
    assert client.get(response["Location"], follow=True).context["person"] == rep


def test_a_wrong_password_is_refused_with_a_message(client, rep):
    response = sign_in(client, "liuyang", "wrong-password")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_signing_out_needs_a_post_and_ends_the_session(client, rep):
    client.force_login(rep)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_a_deactivated_user_cannot_sign_in_and_keeps_their_record(client, rep):
    rep.is_active = False
    rep.save()
    response = sign_in(client, "liuyang")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    rep.refresh_from_db()
    assert rep.username == "liuyang"


def test_a_deactivated_users_open_session_stops_working(client, rep):
    client.force_login(rep)
    rep.is_active = False
    rep.save()
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_repeated_failed_sign_ins_lock_the_account_even_for_the_right_password(client, rep, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "liuyang", "wrong-password")
    response = sign_in(client, "liuyang")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_successful_sign_in_resets_the_failure_count(client, rep, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "liuyang", "wrong-password")
    assert sign_in(client, "liuyang").status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "liuyang", "wrong-password")
    assert sign_in(client, "liuyang").status_code == 302


def test_password_reset_sends_a_working_link_through_the_worker(client, rep, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": "liuyang@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["liuyang@example.com"]
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    new_password = "Fresh-coal-cargo-2026"
    client.post(form_page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password})
    assert sign_in(client, "liuyang", new_password).status_code == 302


def test_password_reset_for_an_unknown_address_sends_nothing_and_reveals_nothing(client, rep,
                                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_password_change_rejects_a_weak_password_with_a_clear_message(client, rep):
    client.force_login(rep)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()


def test_choosing_chinese_is_remembered_for_the_user(client, rep):
    client.force_login(rep)
    response = client.post(reverse("accounts:language"), {"language": "zh-hans", "next": "/accounts/profile/"})
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.language == "zh-hans"
    # Another device: a fresh client with no language cookie still speaks Chinese to this user.
    client.cookies.clear()
    client.force_login(rep)
    page = client.get(reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE="en")
    assert "培训计划" in page.content.decode()


def test_an_anonymous_visitor_can_switch_the_login_page_to_chinese(client, db):
    client.post(reverse("accounts:language"), {"language": "zh-hans", "next": LOGIN})
    assert "登录" in client.get(LOGIN).content.decode()


def test_an_unknown_language_is_ignored(client, rep):
    client.force_login(rep)
    client.post(reverse("accounts:language"), {"language": "xx", "next": "/"})
    rep.refresh_from_db()
    assert rep.language == ""


def test_a_user_edits_their_own_profile_and_language(client, rep):
    client.force_login(rep)
    response = client.post(
        reverse("accounts:profile_edit"),
        {"full_name": "刘洋", "email": "liu.yang@example.com", "phone": "+86 139 0000 0001", "language": "zh-hans"},
    )
    assert response.status_code == 302
    rep.refresh_from_db()
    assert (rep.full_name, rep.email, rep.language) == ("刘洋", "liu.yang@example.com", "zh-hans")
    assert "个人资料已保存" in client.get(response["Location"]).content.decode()


def test_a_profile_needs_a_valid_email(client, rep):
    client.force_login(rep)
    response = client.post(reverse("accounts:profile_edit"), {"full_name": "刘洋", "email": "liu@", "language": ""})
    assert "Enter a valid email address." in response.context["form"].errors["email"]
    rep.refresh_from_db()
    assert rep.email == "liuyang@example.com"
