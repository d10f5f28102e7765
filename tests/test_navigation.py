"""The top bar's menu is rendered once per language and set of permissions (accounts/templatetags/navigation.py):
each person still sees exactly the links their position may open, in their language, whoever came first."""

import re

import pytest
from django.urls import reverse

from accounts.templatetags import navigation


def _menu(client, user, language):
    user.language = language
    user.save()
    client.force_login(user)
    html = client.get(reverse("accounts:profile")).content.decode()
    nav = html.split('<nav class="navbar', 1)[1].split("</nav>", 1)[0]
    nav = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", nav)  # masked afresh on every page
    return nav, set(re.findall(r'<a [^>]*href="([^"#]+)"', nav))


@pytest.fixture
def empty_menus():
    navigation._rendered.clear()
    yield
    navigation._rendered.clear()


def test_each_position_sees_its_own_links_whoever_opened_a_page_first(client, cast, empty_menus):
    _, director = _menu(client, cast.director, "en")
    _, rep = _menu(client, cast.rep, "en")
    _, service = _menu(client, cast.service, "en")
    _, director_again = _menu(client, cast.director, "en")
    users, board, complaints = reverse("org:user_list"), reverse("deals:board"), reverse("complaints:list")
    assert users in director and users not in rep and users not in service
    assert board in rep and board not in service
    assert complaints in service
    assert director_again == director


def test_the_menu_is_in_the_readers_language(client, cast, empty_menus):
    english, _ = _menu(client, cast.rep, "en")
    chinese, _ = _menu(client, cast.other_rep, "zh-hans")
    english_again, _ = _menu(client, cast.rep, "en")
    assert ">Customers<" in english and "Laycan calendar" in english
    assert "Laycan calendar" not in chinese and "客户" in chinese
    assert english_again == english


def test_the_remembered_menu_is_what_the_template_renders(client, cast, empty_menus):
    first, _ = _menu(client, cast.manager, "en")
    assert len(navigation._rendered) == 1
    remembered, _ = _menu(client, cast.manager, "en")
    navigation._rendered.clear()
    fresh, _ = _menu(client, cast.manager, "en")
    assert first == remembered == fresh
    # The person's own parts stay outside it: their name, and a fresh token in the sign-out form.
    assert str(cast.manager) in first
    assert str(cast.manager) not in next(iter(navigation._rendered.values()))


def test_the_top_bar_shows_no_template_text(client, cast, empty_menus):
    nav, _ = _menu(client, cast.manager, "en")
    assert "{#" not in nav and "#}" not in nav and "{%" not in nav and "{{" not in nav


def test_no_template_comment_runs_over_a_line():
    """`{# #}` comments end on their line: one that runs over shows its text on the page (the top bar did)."""
    from pathlib import Path

    from django.conf import settings

    roots = [Path(settings.BASE_DIR) / "templates",
             *(path / "templates" for path in Path(settings.BASE_DIR).glob("*/") if (path / "templates").is_dir())]
    spilled = [f"{template}:{number}" for root in roots for template in root.rglob("*.html")
               for number, line in enumerate(template.read_text().splitlines(), 1)
               if line.count("{#") > line.count("#}")]
    assert not spilled
