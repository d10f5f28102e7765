"""Chinese pages show no English of ours: the choices of a list's sort, and the board's pages as every
position sees them (the wider walk of tests/test_translations.py's check)."""

import re

import pytest
from django.urls import reverse

from .factories import CustomerFactory, DealFactory
from .test_translations import english_of_ours


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no <select name={name}>"
    return [label.strip() for label in re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1))]


@pytest.mark.parametrize("url_name", ["deals:list", "customers:list"])
def test_the_sort_of_a_list_is_one_drop_down_in_chinese(client, cast, url_name):
    DealFactory(customer=CustomerFactory(owner=cast.rep))
    cast.manager.language = "zh-hans"
    cast.manager.save()
    client.force_login(cast.manager)
    html = client.get(reverse(url_name)).content.decode()
    select = re.search(r'<select[^>]*name="sort"[^>]*>', html).group(0)
    assert "multiple" not in select and "size=" not in select
    labels = _options(html, "sort")
    assert all(not re.search(r"[A-Za-z]{3}", label) for label in labels), labels
    assert any("降序" in label for label in labels)
    assert english_of_ours(html) == set()


def test_the_imports_row_reasons_name_the_column_in_chinese(client, cast, settings, tmp_path):
    from .test_import import csv_file, dry_run, row, uscc

    settings.IMPORT_DIR = tmp_path / "imports"
    cast.rep.language = "zh-hans"
    cast.rep.save()
    client.force_login(cast.rep)
    mistyped = uscc(3)[:17] + ("0" if uscc(3)[17] != "0" else "1")
    response = dry_run(client, csv_file([row(1, **{"Registration number": mistyped, "Commodities": ""})]))
    errors = [message for result in response.context["results"] for message in result.errors]
    assert any(message.startswith("注册号：") or message.startswith("注册号:") for message in errors), errors
    assert not [message for message in errors if re.match(r"[A-Za-z ]+: ", message)], errors
    assert english_of_ours(response.content.decode()) == set()


def test_the_target_history_and_the_recompute_page_read_in_chinese(client, cast):
    import datetime

    from targets.services import rep_targets_split

    from .factories import RepTargetFactory, TeamTargetFactory

    team_target = TeamTargetFactory(team=cast.rep.team, year=2026, quarter=4)
    RepTargetFactory(team_target=team_target, rep=cast.account_manager)
    # The manager splits in English; the history is read in Chinese.
    rep_targets_split(team_target=team_target, shares={cast.rep.pk: {"sales_amount": 1000}}, by=cast.manager)
    cast.manager.language = "zh-hans"
    cast.manager.save()
    client.force_login(cast.manager)
    html = client.get(reverse("targets:history", args=[2026, 4, cast.rep.team_id])).content.decode()
    assert "<span>分解</span>" in html and "<span>Split</span>" not in html
    assert english_of_ours(html) == set()
    html = client.get(reverse("scorecards:runs")).content.decode()
    assert not re.search(r"\b20\d\d Q\d\b", html)
    assert english_of_ours(html) == set()
    assert datetime.date.today().year  # the choices cover the last quarters, whatever today is


# --- Every page, as every position, in Chinese ---------------------------------------------------

from .test_url_walk import URL_KWARGS, Scoped, _values, url_patterns, world  # noqa: E402, F401


def _pages_of_team_a(world) -> list[str]:
    """Each URL of the walk (tests/test_url_walk.py), filled with team A's records. A pattern the walk
    cannot fill yet is left to that file's upkeep tests, which name it."""
    import itertools

    from django.urls import NoReverseMatch

    urls = []
    for pattern in url_patterns():
        try:
            fills = {kwarg: URL_KWARGS[pattern.key_for(kwarg)] for kwarg in pattern.kwargs}
            choices = [_values(fill, world, "A" if isinstance(fill, Scoped) else None) for fill in fills.values()]
            urls += [reverse(pattern.name, kwargs=dict(zip(fills, values, strict=True)))
                     for values in itertools.product(*choices)]
        except (KeyError, NoReverseMatch):
            continue
    return urls


def _english_in_export(body: bytes) -> set[str]:
    import polib

    from .test_translations import CATALOGUE

    messages = {entry.msgid for entry in polib.pofile(str(CATALOGUE)) if re.search(r"[a-z]{3}", entry.msgid)}
    header = body.decode("utf-8-sig", errors="replace").splitlines()[:1]
    cells = header[0].split(",") if header else []
    return {cell.strip('"') for cell in cells if cell.strip('"') in messages}


def _english_words(html: str) -> set[str]:
    """The existing check (whole text nodes that are our English messages), widened to a message that
    starts a text ("Registration number: …", "Amount (descending)"), to English quarters ("2026 Q4") and to
    tonnes in English units ("55,000 t", "95.80 USD/t", "dmt"): Chinese reads 吨 and 干吨."""
    import polib

    from .test_translations import CATALOGUE, _Text

    found = set(english_of_ours(html))
    messages = {entry.msgid for entry in polib.pofile(str(CATALOGUE)) if re.search(r"[a-z]{3}", entry.msgid)}
    parser = _Text()
    parser.feed(html)
    for chunk in parser.chunks:
        head = re.split(r": | \(", chunk, maxsplit=1)[0]
        if head != chunk and head in messages:
            found.add(chunk)
        found.update(re.findall(r"\b\d{4} Q[1-4]\b", chunk))
        found.update(re.findall(r"\d t\b|\b[A-Z]{3}/t\b|\bdmt\b", chunk))
    return found


@pytest.mark.parametrize("role", ["director", "manager", "rep", "account_manager", "service", "marketing"])
def test_every_page_in_chinese_shows_no_english_of_ours(client, caplog, cast, world, role):
    import logging

    caplog.set_level(logging.ERROR, logger="django.request")
    user = cast.by_role(role)
    user.language = "zh-hans"
    user.save()
    client.force_login(user)
    english, checked = {}, 0
    for url in _pages_of_team_a(world):
        if url == reverse("accounts:logout"):
            continue
        response = client.get(url)
        if response.status_code != 200 or getattr(response, "streaming", False):
            continue
        kind = response.get("Content-Type", "")
        if kind.startswith("text/html"):
            checked += 1
            found = _english_words(response.content.decode())
        elif kind.startswith("text/csv"):
            found = _english_in_export(response.content)
        else:
            continue
        if found:
            english[url] = sorted(found)
    assert checked > 10
    assert english == {}, "\n".join(f"{url}: {words}" for url, words in english.items())


@pytest.mark.parametrize("url_name", ["activities:list", "research:list", "coaching:list"])
def test_a_lists_date_range_is_labelled_as_dates_in_chinese(client, cast, url_name):
    """"From" and "To" of a date range are dates (起始日期, 截止日期), not a hand-over's giver and taker
    (移交人, 接收人), which share the English words."""
    cast.manager.language = "zh-hans"
    cast.manager.save()
    client.force_login(cast.manager)
    html = client.get(reverse(url_name)).content.decode()
    labels = re.findall(r"<label[^>]*>([^<]*)</label>", html)
    assert "起始日期" in labels and "截止日期" in labels, labels
    assert "移交人" not in html and "接收人" not in html
