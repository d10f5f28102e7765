"""The error pages (403, 404, 500, CSRF failure) use the site's layout, speak the reader's language and
offer a way back; the navigation offers no entry that a position would only meet as a 403."""

import re

import pytest
from django.test import Client
from django.urls import path, reverse

from bulksales import views
from bulksales.urls import urlpatterns as site_urlpatterns

from .conftest import ROLES
from .test_translations import english_of_ours


def _boom(request):
    raise RuntimeError("boom")


# This module doubles as a URL configuration: the site's URLs plus one that fails.
urlpatterns = [*site_urlpatterns, path("boom/", _boom)]
handler500 = "bulksales.views.server_error"

VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'
STYLESHEET = "vendor/bootstrap/css/bootstrap.min.css"


def _signed_in(client, user, language="en"):
    user.language = language
    user.save()
    client.force_login(user)
    return client


def test_it_shows_403_in_the_sites_layout_with_a_way_home(client, cast):
    response = _signed_in(client, cast.marketing).get(reverse("complaints:list"))
    assert response.status_code == 403
    html = response.content.decode()
    assert VIEWPORT in html and STYLESHEET in html
    assert "This page is not open to your position" in html
    assert f'href="{reverse("home")}"' in html
    assert 'class="navbar' in html


def test_it_shows_403_in_chinese_to_a_chinese_reader(client, cast):
    response = _signed_in(client, cast.marketing, "zh-hans").get(reverse("complaints:list"))
    assert response.status_code == 403
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "此页面不对您的职位开放" in html
    assert english_of_ours(html) == set()


def test_it_shows_404_in_the_sites_layout_to_an_anonymous_visitor_with_a_sign_in_link(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert VIEWPORT in html and STYLESHEET in html
    assert "Page not found" in html
    assert f'href="{reverse("accounts:login")}"' in html


def test_it_shows_404_in_chinese_from_the_browsers_language(client, db):
    response = client.get("/no-such-page/", headers={"accept-language": "zh-CN,zh;q=0.9"})
    assert response.status_code == 404
    html = response.content.decode()
    assert "找不到页面" in html
    assert english_of_ours(html) == set()


def test_it_shows_404_for_a_record_outside_the_scope_in_the_layout(client, cast):
    response = _signed_in(client, cast.rep, "zh-hans").get(reverse("customers:detail", args=[999999]))
    assert response.status_code == 404
    assert "找不到页面" in response.content.decode()


@pytest.mark.urls("tests.test_error_pages")
@pytest.mark.parametrize("language,title", [("en", "Something went wrong"), ("zh-hans", "系统出错了")])
def test_it_shows_a_static_500_in_the_users_language(client, cast, language, title):
    client.raise_request_exception = False
    response = _signed_in(client, cast.rep, language).get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert VIEWPORT in html and STYLESHEET in html and title in html
    assert 'href="/"' in html
    assert english_of_ours(html) == set() or language == "en"


@pytest.mark.parametrize("accept,title", [("en-GB,en;q=0.8", "Something went wrong"), ("zh-CN,zh;q=0.9", "系统出错了")])
def test_the_500_page_needs_no_database_and_follows_the_browsers_language(
    rf, db, django_assert_num_queries, accept, title
):
    request = rf.get("/", headers={"accept-language": accept})
    with django_assert_num_queries(0):
        response = views.server_error(request)
    assert response.status_code == 500
    assert title in response.content.decode()


@pytest.mark.parametrize("language,title", [("en", "The form has expired"), ("zh-hans", "表单已过期")])
def test_a_stale_csrf_token_shows_the_sites_page_in_the_readers_language(cast, language, title):
    client = Client(enforce_csrf_checks=True)
    _signed_in(client, cast.rep, language)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 403
    html = response.content.decode()
    assert VIEWPORT in html and STYLESHEET in html and title in html
    assert f'href="{reverse("home")}"' in html
    assert "CSRF verification failed" not in html


def _nav_links(html: str) -> set[str]:
    nav = html.split('<nav class="navbar', 1)[1].split("</nav>", 1)[0]
    return {href for href in re.findall(r'<a [^>]*href="([^"#]+)"', nav)}


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_the_navigation_offers_no_page_the_position_may_not_open(client, cast, role):
    user = cast.by_role(role)
    client.force_login(user)
    page = client.get(reverse("accounts:profile"))
    assert page.status_code == 200
    refused = {}
    for href in sorted(_nav_links(page.content.decode())):
        status = client.get(href).status_code
        if status == 403:
            refused[href] = status
    assert refused == {}


def test_marketing_sees_no_complaints_entry(client, cast):
    client.force_login(cast.marketing)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert reverse("complaints:list") not in _nav_links(html)


# --- The board keeps its owner filter across an htmx move (point 5 of issue 11) -----------------


def _board_deals(cast):
    from pipeline.models import Stage

    from .factories import CustomerFactory, DealFactory

    mine = DealFactory(customer=CustomerFactory(owner=cast.rep, name="Rizhao Steel"), stage=Stage.RESEARCH)
    theirs = DealFactory(customer=CustomerFactory(owner=cast.account_manager, name="Tangshan Power"),
                         stage=Stage.RESEARCH)
    return mine, theirs


def test_the_board_filtered_by_owner_stays_filtered_after_an_htmx_move(client, cast):
    mine, theirs = _board_deals(cast)
    client.force_login(cast.manager)
    board = client.get(reverse("deals:board"), {"owner": cast.rep.pk}).content.decode()
    assert "Rizhao Steel" in board and "Tangshan Power" not in board
    # The card's own form carries the filter, as the drag-and-drop values do (static/js/board.js).
    assert f'name="owner" value="{cast.rep.pk}"' in board
    assert f'data-owner="{cast.rep.pk}"' in board
    response = client.post(reverse("deals:move", args=[mine.pk]),
                           {"to_stage": "development", "version": 1, "next": "board", "owner": cast.rep.pk},
                           headers={"hx-request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Rizhao Steel" in html and "Tangshan Power" not in html
    assert f'data-owner="{cast.rep.pk}"' in html


def test_the_board_without_javascript_returns_to_the_filtered_board(client, cast):
    mine, _ = _board_deals(cast)
    client.force_login(cast.manager)
    response = client.post(reverse("deals:move", args=[mine.pk]),
                           {"to_stage": "development", "version": 1, "next": "board", "owner": cast.rep.pk})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('deals:board')}?owner={cast.rep.pk}"


def test_the_boards_answers_vary_on_hx_request(client, cast):
    mine, _ = _board_deals(cast)
    client.force_login(cast.rep)
    for response in (
        client.get(reverse("deals:board")),
        client.get(reverse("deals:board"), headers={"hx-request": "true"}),
        client.post(reverse("deals:move", args=[mine.pk]), {"to_stage": "development", "version": 1, "next": "board"},
                    headers={"hx-request": "true"}),
    ):
        assert "HX-Request" in response.get("Vary", ""), response
