"""The Simplified Chinese translation is complete, and Chinese pages show no English of ours."""

import datetime
import re
from html.parser import HTMLParser

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from customers.models import Complaint
from pipeline.models import Deal
from pipeline.reminders import raise_reminders
from targets.kpis import compute_scorecards

from .factories import (
    ActivityFactory,
    AttendanceFactory,
    ComplaintFactory,
    ContactFactory,
    CustomerFactory,
    DealFactory,
    RepTargetFactory,
    SurveyFactory,
    TeamTargetFactory,
    TrainingFactory,
)

CATALOGUE = settings.BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_message_has_a_chinese_translation():
    catalogue = polib.pofile(str(CATALOGUE))
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []


def test_placeholders_survive_translation():
    pattern = r"%\(\w+\)[sd]"
    for entry in polib.pofile(str(CATALOGUE)).translated_entries():
        if entry.msgid_plural:
            # Chinese has one form, which may name the count that the English singular leaves out.
            allowed = set(re.findall(pattern, entry.msgid + entry.msgid_plural))
            for text in entry.msgstr_plural.values():
                assert set(re.findall(pattern, text)) <= allowed, entry.msgid
        else:
            assert sorted(re.findall(pattern, entry.msgid)) == sorted(re.findall(pattern, entry.msgstr)), entry.msgid


class _Text(HTMLParser):
    """Visible text of a page, skipping scripts, styles and <code> (file formats, like the
    English column headers of the import spreadsheet)."""

    def __init__(self):
        super().__init__()
        self.chunks, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.chunks.append(data.strip())


def english_of_ours(html: str) -> set[str]:
    """Text nodes that are one of our own English messages (untranslated interface), leaving
    out what is data, such as a username that happens to be "manager"."""
    data = set(User.objects.values_list("username", flat=True))
    messages = {entry.msgid for entry in polib.pofile(str(CATALOGUE)) if re.search(r"[a-z]{3}", entry.msgid)} - data
    parser = _Text()
    parser.feed(html)
    return {chunk for chunk in parser.chunks if chunk in messages}


@pytest.mark.parametrize(
    "role,url",
    [
        ("rep", lambda c, t: reverse("accounts:profile")),
        ("rep", lambda c, t: reverse("accounts:profile_edit")),
        ("rep", lambda c, t: reverse("accounts:password_change")),
        ("rep", lambda c, t: reverse("training:list")),
        ("rep", lambda c, t: reverse("training:detail", args=[t.pk])),
        ("director", lambda c, t: reverse("org:user_list")),
        ("director", lambda c, t: reverse("org:user_create")),
        ("director", lambda c, t: reverse("org:user_detail", args=[c.rep.pk])),
        ("director", lambda c, t: reverse("org:user_hand_over", args=[c.rep.pk])),
        ("director", lambda c, t: reverse("org:handover_list")),
        ("director", lambda c, t: reverse("org:department_list")),
        ("director", lambda c, t: reverse("org:team_list")),
        ("director", lambda c, t: reverse("org:team_create")),
        ("manager", lambda c, t: reverse("org:team_detail", args=[c.rep.team_id])),
        ("director", lambda c, t: reverse("training:create")),
        ("director", lambda c, t: reverse("training:attendance", args=[t.pk])),
        ("rep", lambda c, t: reverse("customers:list")),
        ("rep", lambda c, t: reverse("customers:create")),
        ("rep", lambda c, t: reverse("customers:detail", args=[c.rep.customers.get().pk])),
        ("rep", lambda c, t: reverse("customers:edit", args=[c.rep.customers.get().pk])),
        ("rep", lambda c, t: reverse("customers:contact_create", args=[c.rep.customers.get().pk])),
        ("rep", lambda c, t: reverse("customers:survey_create", args=[c.rep.customers.get().pk])),
        ("rep", lambda c, t: reverse("customers:import")),
        ("manager", lambda c, t: reverse("customers:tier", args=[c.rep.customers.get().pk])),
        ("director", lambda c, t: reverse("customers:tier_policies")),
        ("director", lambda c, t: reverse("customers:tier_policy_edit", args=["high"])),
        ("director", lambda c, t: reverse("customers:commodities")),
        ("service", lambda c, t: reverse("complaints:list")),
        ("service", lambda c, t: reverse("complaints:create")),
        ("service", lambda c, t: reverse("complaints:detail", args=[Complaint.objects.get().pk])),
        ("rep", lambda c, t: reverse("deals:board")),
        ("rep", lambda c, t: reverse("deals:list")),
        ("rep", lambda c, t: reverse("deals:create")),
        ("rep", lambda c, t: reverse("deals:detail", args=[Deal.objects.get().pk])),
        ("rep", lambda c, t: reverse("deals:sign", args=[Deal.objects.get().pk])),
        ("rep", lambda c, t: reverse("laycans:calendar")),
        ("rep", lambda c, t: reverse("activities:create")),
        ("rep", lambda c, t: reverse("activities:list")),
        ("rep", lambda c, t: reverse("research:list")),
        ("rep", lambda c, t: reverse("research:create")),
        ("rep", lambda c, t: reverse("reminders:inbox")),
        ("director", lambda c, t: reverse("pipeline_settings:ports")),
        ("director", lambda c, t: reverse("pipeline_settings:rates")),
        ("director", lambda c, t: reverse("pipeline_settings:lost_reasons")),
        ("rep", lambda c, t: reverse("dashboards:rep")),
        ("manager", lambda c, t: reverse("dashboards:manager")),
        ("manager", lambda c, t: reverse("dashboards:manager", args=[c.rep.team_id, "pipeline"])),
        ("manager", lambda c, t: reverse("dashboards:manager", args=[c.rep.team_id, "open-items"])),
        ("director", lambda c, t: reverse("dashboards:director")),
        ("director", lambda c, t: reverse("targets:quarter")),
        ("director", lambda c, t: reverse("targets:weights")),
        ("manager", lambda c, t: reverse("targets:split", args=[2026, 4, c.rep.team_id])),
        ("director", lambda c, t: reverse("targets:team_edit", args=[2026, 4, c.rep.team_id])),
        ("manager", lambda c, t: reverse("scorecards:runs")),
    ],
)
def test_chinese_pages_show_no_english_interface_text(client, cast, role, url):
    training = TrainingFactory(created_by=cast.director)
    AttendanceFactory(training=training, attendee=cast.rep)
    customer = CustomerFactory(owner=cast.rep)
    ContactFactory(customer=customer, is_primary=True)
    ComplaintFactory(customer=customer, assignee=cast.service)
    SurveyFactory(customer=customer)
    deal = DealFactory(customer=customer, laycan_start=timezone.localdate(),
                       laycan_end=timezone.localdate() + datetime.timedelta(days=9))
    ActivityFactory(customer=customer, deal=deal, next_step="Send the offer", next_step_due=datetime.date(2026, 1, 5))
    raise_reminders()
    team_target = TeamTargetFactory(team=cast.rep.team, year=2026, quarter=4)
    RepTargetFactory(team_target=team_target, rep=cast.rep)
    compute_scorecards(period="quarter", start=datetime.date(2026, 10, 1))
    user = cast.by_role(role)
    user.language = "zh-hans"
    user.save()
    client.force_login(user)
    response = client.get(url(cast, training))
    assert response.status_code == 200
    assert english_of_ours(response.content.decode()) == set()


@pytest.mark.parametrize(
    "url", ["/accounts/login/", "/accounts/password/reset/", "/accounts/password/reset/sent/"]
)
def test_signed_out_pages_in_chinese_show_no_english_interface_text(client, db, url):
    client.cookies["django_language"] = "zh-hans"
    response = client.get(url)
    assert english_of_ours(response.content.decode()) == set()
