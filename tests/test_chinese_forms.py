"""A refused form reads in Chinese too: each main create and edit form, posted empty or with invalid
values by a Chinese-speaking user of each position that may open it, comes back with its errors and
no English of ours (the GET walk of tests/test_chinese_pages.py does not see these pages)."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.forms import BaseForm, BaseFormSet
from django.urls import reverse
from django.utils import timezone

from pipeline import reminders
from pipeline.models import Reminder

from .conftest import ROLES
from .factories import (
    ActivityFactory,
    ContactFactory,
    CustomerFactory,
    DealFactory,
    MarketResearchFactory,
    RepTargetFactory,
    TeamTargetFactory,
)
from .test_chinese_pages import _english_words
from .test_hostile_input import (
    activity_create,
    complaint_create,
    contact_create,
    customer_create,
    deal_create,
    deal_sign,
    survey_create,
    team_target_edit,
    training_create,
)
from .test_research import research_form

# Every form field these pages render is compared with crispy's markup (conftest).
pytestmark = pytest.mark.usefixtures("form_fields_checked")

BAD_DATE, BAD_NUMBER = "0001-01-01", "-1"


@dataclass
class Form:
    url: str
    invalid: list[dict]  # submissions the form refuses, besides the empty one


def _from_case(make_case, *bad: dict) -> Callable[[object], Form]:
    """A form of tests/test_hostile_input.py: its valid data spoiled by its own breaker, and by `bad`."""

    def make(cast) -> Form:
        case = make_case(cast)
        return Form(case.url, [case.data | case.breaker] + [case.data | values for values in bad])

    make.__name__ = make_case.__name__
    return make


def customer_edit(cast) -> Form:
    customer = CustomerFactory(owner=cast.rep)
    return Form(reverse("customers:edit", args=[customer.pk]), [{"name": "x", "kind": "nonsense", "owner": "x"}])


def contact_edit(cast) -> Form:
    contact = ContactFactory(customer=CustomerFactory(owner=cast.rep))
    return Form(reverse("customers:contact_edit", args=[contact.customer_id, contact.pk]),
                [{"name": "", "mobile": "12345", "email": "not an email"}])


def activity_edit(cast) -> Form:
    activity = ActivityFactory(customer=CustomerFactory(owner=cast.rep))
    return Form(reverse("activities:edit", args=[activity.pk]),
                [{"kind": "visit", "customer": activity.customer_id, "happened_at": BAD_DATE + "T10:00",
                  "summary": "", "next_step_due": "2101-01-01"}])


def deal_edit(cast) -> Form:
    deal = DealFactory(customer=CustomerFactory(owner=cast.rep))
    return Form(reverse("deals:edit", args=[deal.pk]),
                [{"quantity_tonnes": BAD_NUMBER, "laycan_start": "2026-12-20", "laycan_end": "2026-12-01",
                  "expected_signing_date": BAD_DATE, "version": deal.version}])


def research_create(cast) -> Form:
    return Form(reverse("research:create"), [research_form(price_low="90", price_high="80"),
                                             research_form(researched_on=BAD_DATE)])


def research_edit(cast) -> Form:
    record = MarketResearchFactory(author=cast.marketing)
    return Form(reverse("research:edit", args=[record.pk]), [research_form(price_low=BAD_NUMBER)])


def target_split(cast) -> Form:
    team_target = TeamTargetFactory(team=cast.rep.team, year=2026, quarter=4)
    RepTargetFactory(team_target=team_target, rep=cast.rep)
    return Form(reverse("targets:split", args=[2026, 4, cast.rep.team_id]), [])


def coaching_create(cast) -> Form:
    """A coaching note with an action due before the coaching, and one with nothing said and no due date."""
    actions = {"actions-TOTAL_FORMS": "1", "actions-INITIAL_FORMS": "0", "actions-MAX_NUM_FORMS": "1000"}
    note = {"rep": cast.rep.pk, "kind": "one_to_one", "held_on": "2026-11-20", "to_improve": "Ask earlier"}
    return Form(reverse("coaching:create"), [
        note | actions | {"actions-0-text": "Call", "actions-0-due_on": "2026-11-01"},
        note | actions | {"to_improve": "", "held_on": BAD_DATE, "actions-0-text": "Call"},
    ])


def _page(name: str, args: Callable[[object], list] = lambda cast: []) -> Callable[[object], Form]:
    """A form known only by its URL: posted empty, and with every field set to a value no field takes."""

    def make(cast) -> Form:
        return Form(reverse(name, args=args(cast)), [])

    make.__name__ = name.replace(":", "_")
    return make


def won_deal(cast):
    return DealFactory(customer=CustomerFactory(owner=cast.rep), stage="follow_up", outcome="won",
                       contract_number="BS-2026-0001", signed_on=datetime.date(2026, 11, 1))


FORMS = [
    _from_case(customer_create, {"owner": "", "volumes-0-commodity": "999999"}),
    customer_edit,
    _from_case(contact_create, {"email": "not an email"}),
    contact_edit,
    _from_case(complaint_create, {"received_at": BAD_DATE + "T00:00", "severity": "nonsense"}),
    _from_case(activity_create, {"happened_at": BAD_DATE + "T00:00", "contacts": ["999999"]}),
    activity_edit,
    _from_case(deal_create, {"laycan_end": "2026-12-01", "expected_signing_date": BAD_DATE}),
    deal_edit,
    _from_case(deal_sign, {"signed_on": BAD_DATE, "contract_number": ""}),
    _from_case(survey_create, {"surveyed_on": BAD_DATE, "product_quality": "9"}),
    research_create,
    research_edit,
    _from_case(training_create, {"starts_on": BAD_DATE}),
    _from_case(team_target_edit, {"sales_amount": "abc", "reason": ""}),
    target_split,
    _page("customers:tier", lambda cast: [CustomerFactory(owner=cast.rep).pk]),
    _page("deals:amend", lambda cast: [won_deal(cast).pk]),
    _page("deals:transfer", lambda cast: [DealFactory(customer=CustomerFactory(owner=cast.rep)).pk]),
    _page("deals:customer_transfer", lambda cast: [CustomerFactory(owner=cast.rep).pk]),
    _page("targets:tonnage", lambda cast: [2026, 4, TeamTargetFactory(team=cast.rep.team, year=2026,
                                                                      quarter=4).team_id]),
    _page("targets:weights"),
    _page("org:user_create"),
    _page("org:user_edit", lambda cast: [cast.rep.pk]),
    _page("org:user_hand_over", lambda cast: [cast.rep.pk]),
    _page("org:team_create"),
    _page("org:department_create"),
    _page("customers:tier_policy_edit", lambda cast: ["high"]),
    _page("customers:commodity_create"),
    _page("pipeline_settings:port_create"),
    _page("pipeline_settings:rate_create"),
    _page("pipeline_settings:lost_reason_create"),
    _page("accounts:profile_edit"),
    _page("accounts:password_change"),
    coaching_create,
]


def fields_of(page) -> tuple[list[str], dict]:
    """The names of the fields of the page's forms and formsets, and the values of the hidden ones
    (a formset's management form, a version) that a browser would send back as they are."""
    fields, hidden = [], {}
    contexts = page.context if isinstance(page.context, list) else [page.context]
    objects = {id(value): value for context in contexts for value in context.flatten().values()}
    for value in objects.values():
        if isinstance(value, BaseFormSet):
            hidden |= {field.html_name: field.value() for field in value.management_form}
            forms = list(value.forms)
        elif isinstance(value, BaseForm):
            forms = [value]
        else:
            continue
        for form in forms:
            for field in form:
                if field.is_hidden and field.value() not in (None, ""):
                    hidden[field.html_name] = field.value()
                else:
                    fields.append(field.html_name)
    return list(dict.fromkeys(fields)), hidden


def chinese(user):
    user.language = "zh-hans"
    user.save()
    return user


def has_errors(response) -> bool:
    """Whether the page shows a refused form: a field or form error of any form in the context."""
    html = response.content.decode()
    return any(mark in html for mark in ('aria-invalid="true"', "invalid-feedback", "alert-danger", "errorlist"))


@pytest.mark.parametrize("make_form", FORMS, ids=[make.__name__ for make in FORMS])
def test_a_refused_form_shows_no_english_of_ours_to_any_position_that_may_post_it(client, cast, make_form):
    form = make_form(cast)
    english, posted = {}, 0
    for role in ROLES[1:]:
        client.force_login(chinese(cast.by_role(role)))
        page = client.get(form.url)
        if page.status_code != 200:
            continue  # not a form this position may open
        # Every field empty (an empty POST would leave `Form(request.POST or None)` unbound), the hidden
        # ones (a formset's management form, a version) as the page gives them.
        fields, hidden = fields_of(page)
        empty = {name: "" for name in fields} | hidden
        nonsense = {name: "x" * 1000 for name in fields} | hidden
        for number, data in enumerate([empty, *[hidden | values for values in form.invalid or [nonsense]]]):
            response = client.post(form.url, data)
            if number == 0 and response.status_code == 302:
                continue  # a form whose every field may be left empty
            assert response.status_code == 200, (role, number, response.status_code, response.get("Location"))
            assert has_errors(response), (role, number)
            posted += 1
            if found := _english_words(response.content.decode()):
                english[f"{role} #{number}"] = sorted(found)
    assert posted
    assert english == {}, "\n".join(f"{who}: {words}" for who, words in english.items())


def test_a_refused_snooze_reads_in_chinese_on_the_inbox_and_in_its_row(client, cast):
    activity = ActivityFactory(customer=CustomerFactory(owner=cast.rep), owner=cast.rep, next_step="Send the offer",
                               next_step_due=timezone.localdate() - datetime.timedelta(days=1))
    reminders.raise_reminders()
    reminder = Reminder.objects.get(recipient=cast.rep, cause=f"activity:{activity.pk}")
    client.force_login(chinese(cast.rep))
    url = reverse("reminders:snooze", args=[reminder.pk])
    for data in [{}, {"days": "99"}, {"days": "abc"}]:
        page = client.post(url, data, follow=True)
        assert page.status_code == 200
        assert [message.level_tag for message in page.context["messages"]] == ["error"]
        assert _english_words(page.content.decode()) == set()
        row = client.post(url, data, headers={"HX-Request": "true"})
        assert row.status_code == 200
        assert _english_words(row.content.decode()) == set()


def test_a_refused_losing_reads_in_chinese_on_the_deal(client, cast):
    deal = DealFactory(customer=CustomerFactory(owner=cast.rep))
    client.force_login(chinese(cast.rep))
    for data in [{}, {"lost_reason": "999999", "version": deal.version}]:
        page = client.post(reverse("deals:lose", args=[deal.pk]), data, follow=True)
        assert page.status_code == 200
        assert [message.level_tag for message in page.context["messages"]] == ["error"]
        assert _english_words(page.content.decode()) == set()
