"""Visits and calls (客户追踪): a rep logs one in under a minute, with a next step; the customer's last
contact and next follow-up follow; everyone sees the activities of the customers they serve."""

import re
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.models import Position, User
from accounts.services import RuleError
from accounts.sql import InFirstRead
from customers import panels
from customers.models import Customer
from pipeline import activities, selectors
from pipeline.forms.activities import ActivityForm
from pipeline.models import Activity
from pipeline.panels import customer_activities_panel

from .access import OUT_OF_SCOPE, assert_answers, each_role_and, expect
from .conftest import ROLES
from .factories import ActivityFactory, ContactFactory, CustomerFactory, DealFactory, UserFactory
from .queries import index_names

OK, FOUND, FORBIDDEN, MISSING, NOT_ALLOWED = 200, 302, 403, 404, 405
Kind = Activity.Kind


def days(n: int):
    return timezone.localdate() + timedelta(days=n)


@pytest.fixture
def activity(cast, customer):
    """The rep's visit yesterday, with a next step due in a week."""
    return ActivityFactory(customer=customer, owner=cast.rep, happened_at=timezone.now() - timedelta(days=1),
                           next_step="Send the revised CFR offer", next_step_due=days(7))


@pytest.fixture
def panel():
    """The activities panel on the customer page, registered as PipelineConfig.ready() does."""
    overview = panels._sections[panels.OVERVIEW].panels
    registered = customer_activities_panel in overview
    panels.register_panel(customer_activities_panel)
    yield
    if not registered:  # leave other tests' customer pages as they were
        overview.remove(customer_activities_panel)


def log(cast, customer, *, contacts=(), by=None, **fields) -> Activity:
    values = {"kind": Kind.VISIT, "customer": customer, "happened_at": timezone.now() - timedelta(hours=1),
              "summary": "Discussed Q1 coal needs."} | fields
    return activities.activity_log(activity=Activity(**values), contacts=contacts, by=by or cast.rep)


def activity_form(customer, **overrides) -> dict:
    return {
        "kind": Kind.VISIT,
        "customer": customer.pk,
        "deal": "",
        "happened_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "summary": "Met the purchasing manager; they need 2 cargoes of NAR 5500 in Q1.",
        "outcome": "Will send their tender in January",
        "next_step": "Send the revised CFR offer",
        "next_step_due": days(3).isoformat(),
    } | overrides


# --- Logging, and the customer's follow-up dates --------------------------------------------------


def test_logging_records_who_and_updates_the_customers_follow_up_dates(cast, customer):
    contact = ContactFactory(customer=customer)
    deal = DealFactory(customer=customer)
    happened = timezone.now() - timedelta(hours=2)
    activity = log(cast, customer, contacts=[contact], deal=deal, happened_at=happened, next_step="Send offer",
                   next_step_due=days(5))
    customer.refresh_from_db()
    assert (activity.owner, activity.deal, list(activity.contacts.all())) == (cast.rep, deal, [contact])
    assert customer.last_contacted_at == happened
    assert customer.next_follow_up_on == days(5)


def test_the_latest_activity_and_the_earliest_open_next_step_win(cast, customer):
    now = timezone.now()
    log(cast, customer, happened_at=now - timedelta(days=3), next_step="Call back", next_step_due=days(10))
    log(cast, customer, happened_at=now - timedelta(days=1), next_step="Visit the mill", next_step_due=days(2))
    log(cast, customer, happened_at=now - timedelta(days=5), summary="Old call, no next step.")
    customer.refresh_from_db()
    assert customer.last_contacted_at == now - timedelta(days=1)
    assert customer.next_follow_up_on == days(2)


def test_marking_the_next_step_done_moves_the_follow_up_to_the_next_open_step(cast, customer):
    first = log(cast, customer, next_step="Visit the mill", next_step_due=days(2))
    second = log(cast, customer, next_step="Call back", next_step_due=days(9))
    activities.next_step_done(activity=first, by=cast.rep)
    customer.refresh_from_db()
    assert customer.next_follow_up_on == days(9)
    activities.next_step_done(activity=second, by=cast.rep)
    customer.refresh_from_db()
    assert customer.next_follow_up_on is None
    assert Activity.objects.filter(next_step_done=True).count() == 2


def test_a_next_step_is_done_only_once(cast, activity):
    activities.next_step_done(activity=activity, by=cast.rep)
    with pytest.raises(RuleError, match="already done"):
        activities.next_step_done(activity=Activity.objects.get(pk=activity.pk), by=cast.rep)


def test_an_activity_without_a_next_step_has_nothing_to_mark_done(cast, customer):
    activity = log(cast, customer)
    with pytest.raises(RuleError, match="no next step"):
        activities.next_step_done(activity=activity, by=cast.rep)


def test_the_follow_up_dates_are_refreshed_for_many_customers_in_one_update(cast, django_assert_num_queries):
    customers = CustomerFactory.create_batch(5, owner=cast.rep)
    now = timezone.now()
    for index, customer in enumerate(customers):
        ActivityFactory(customer=customer, happened_at=now - timedelta(days=index), next_step="Call",
                        next_step_due=days(index + 1))
        ActivityFactory(customer=customer, happened_at=now - timedelta(days=10), next_step="Old",
                        next_step_due=days(-3), next_step_done=True)
    untouched = CustomerFactory(owner=cast.rep)
    with django_assert_num_queries(1):
        assert activities.refresh_customer_follow_up([customer.pk for customer in customers]) == 5
    for index, customer in enumerate(customers):
        customer.refresh_from_db()
        assert (customer.last_contacted_at, customer.next_follow_up_on) == (now - timedelta(days=index),
                                                                            days(index + 1))
    untouched.refresh_from_db()
    assert untouched.last_contacted_at is None
    # A seeder or a repair job may pass a queryset of ids: still one UPDATE.
    with django_assert_num_queries(1):
        assert activities.refresh_customer_follow_up(Customer.objects.filter(owner=cast.rep).values("pk")) == 6


def test_editing_an_activity_to_another_customer_refreshes_both(cast, customer):
    second = CustomerFactory(owner=cast.rep)
    activity = log(cast, customer, next_step="Call", next_step_due=days(4))
    activity.customer = second
    activities.activity_log(activity=activity, contacts=[], by=cast.rep)
    customer.refresh_from_db()
    second.refresh_from_db()
    assert (customer.last_contacted_at, customer.next_follow_up_on) == (None, None)
    assert second.next_follow_up_on == days(4)


def test_a_rep_cannot_log_against_another_teams_customer(cast, other_customer):
    with pytest.raises(RuleError, match="customers you can see"):
        log(cast, other_customer)
    assert not Activity.objects.exists()


def test_a_contact_of_another_customer_is_refused(cast, customer):
    stranger = ContactFactory(customer=CustomerFactory(owner=cast.rep), name="Li Wei")
    with pytest.raises(RuleError, match="Li Wei is not a contact of"):
        log(cast, customer, contacts=[stranger])
    assert not Activity.objects.exists()


def test_a_deal_of_another_customer_is_refused(cast, customer):
    deal = DealFactory(customer=CustomerFactory(owner=cast.rep))
    with pytest.raises(RuleError, match="choose one of this customer's deals"):
        log(cast, customer, deal=deal)


def test_an_activity_more_than_a_day_ahead_is_refused(cast, customer):
    log(cast, customer, happened_at=timezone.now() + timedelta(hours=20))  # tomorrow morning's meeting
    with pytest.raises(RuleError, match="more than a day in the future"):
        log(cast, customer, happened_at=timezone.now() + timedelta(days=2))


@pytest.mark.parametrize("role", ["service", "marketing"])
def test_customer_service_and_marketing_do_not_log_activities(cast, customer, role):
    with pytest.raises(RuleError, match="does not log"):
        log(cast, customer, by=cast.by_role(role))


@pytest.mark.parametrize("role,allowed", [("rep", True), ("manager", True), ("director", True),
                                          ("account_manager", False), ("other_manager", False)])
def test_only_the_logger_their_manager_and_the_director_change_an_activity(cast, activity, role, allowed):
    assert selectors.can_change_activity(cast.by_role(role), activity) is allowed


def test_a_rep_cannot_change_what_their_manager_logged_on_their_customer(cast, customer):
    theirs = log(cast, customer, by=cast.manager, summary="Manager's visit.")
    theirs.summary = "Rewritten"
    with pytest.raises(RuleError, match="Only the person who logged"):
        activities.activity_log(activity=theirs, contacts=[], by=cast.rep)
    assert Activity.objects.get(pk=theirs.pk).summary == "Manager's visit."


# --- Every page and post, as every position ----------------------------------------------------------


SELLERS = {role: OK for role in ROLES} | {"service": FORBIDDEN, "marketing": FORBIDDEN}
# The activity is on team A's rep's customer: OUT_OF_SCOPE.

PAGES = [
    ("list", lambda a: reverse("activities:list"), expect(**SELLERS)),
    ("create", lambda a: reverse("activities:create"), expect(**SELLERS)),
    ("create from customer", lambda a: reverse("activities:create") + f"?customer={a.customer_id}",
     expect(**SELLERS)),
    ("edit", lambda a: reverse("activities:edit", args=[a.pk]), expect(**SELLERS | OUT_OF_SCOPE)),
]


@each_role_and("name,url,expected", PAGES)
def test_each_activity_page_answers_each_position_as_the_policy_says(client_as, cast, activity, role, name, url,
                                                                     expected):
    assert_answers(client_as(cast.by_role(role)).get(url(activity)), expected[role], f"{name} as {role}")


CHANGERS = {role: FOUND for role in ROLES} | OUT_OF_SCOPE | {"service": FORBIDDEN, "marketing": FORBIDDEN}
POSTS = [
    ("done", "activities:done", lambda a: {}, expect(**CHANGERS), lambda a: a.next_step_done),
    ("edit", "activities:edit", lambda a: activity_form(a.customer, summary="Edited."), expect(**CHANGERS),
     lambda a: a.summary == "Edited."),
]


@each_role_and("name,route,data,expected,happened", POSTS)
def test_each_activity_post_answers_each_position_as_the_policy_says(client_as, cast, activity, role, name, route,
                                                                     data, expected, happened):
    response = client_as(cast.by_role(role)).post(reverse(route, args=[activity.pk]), data(activity))
    activity.refresh_from_db()
    assert_answers(response, expected[role], f"{name} as {role}")
    assert happened(activity) is (expected[role] == FOUND), f"{name} as {role}"


def test_logging_is_open_to_every_seller_and_refused_to_the_others(client_as, cast):
    customers = {role: CustomerFactory(owner=cast.by_role(role)) for role in ROLES if role != "anonymous"}
    for role, customer in customers.items():
        response = client_as(cast.by_role(role)).post(reverse("activities:create"), activity_form(customer))
        assert response.status_code == (FORBIDDEN if role in ("service", "marketing") else FOUND), role
    assert Activity.objects.count() == 6


def test_marking_done_is_a_post_only(client_as, cast, activity):
    assert client_as(cast.rep).get(reverse("activities:done", args=[activity.pk])).status_code == NOT_ALLOWED


def test_a_rep_gets_403_on_an_activity_their_manager_logged_on_their_customer(client_as, cast, customer):
    theirs = log(cast, customer, by=cast.manager)
    assert client_as(cast.rep).get(reverse("activities:edit", args=[theirs.pk])).status_code == FORBIDDEN
    assert client_as(cast.manager).get(reverse("activities:edit", args=[theirs.pk])).status_code == OK


def test_a_missing_activity_is_404(client_as, cast):
    assert client_as(cast.director).get(reverse("activities:edit", args=[999999])).status_code == MISSING


# --- The list -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,sees",
    [
        ("director", {"mine", "theirs"}),
        ("manager", {"mine"}),
        ("rep", {"mine"}),
        ("account_manager", set()),
        ("other_manager", {"theirs"}),
        ("other_rep", {"theirs"}),
    ],
)
def test_each_seller_lists_the_activities_of_the_customers_they_serve(client_as, cast, customer, other_customer,
                                                                      role, sees):
    made = {"mine": ActivityFactory(customer=customer), "theirs": ActivityFactory(customer=other_customer)}
    response = client_as(cast.by_role(role)).get(reverse("activities:list"))
    assert {a.pk for a in response.context["page"]} == {made[name].pk for name in sees}


def test_the_list_filters_by_kind_owner_customer_dates_and_next_step(client_as, cast, customer):
    second = CustomerFactory(owner=cast.account_manager, name="Qingdao Cement Works")
    now = timezone.now()
    visit = ActivityFactory(customer=customer, owner=cast.rep, kind=Kind.VISIT, happened_at=now - timedelta(days=20),
                            next_step="Send offer", next_step_due=days(-2))
    call = ActivityFactory(customer=customer, owner=cast.manager, kind=Kind.CALL, happened_at=now - timedelta(days=1),
                           next_step="Call back", next_step_due=days(3))
    wechat = ActivityFactory(customer=second, owner=cast.account_manager, kind=Kind.WECHAT,
                             happened_at=now - timedelta(days=2), next_step="Done thing", next_step_done=True)
    client = client_as(cast.manager)

    def listed(**params):
        return {a.pk for a in client.get(reverse("activities:list"), params).context["page"]}

    assert listed() == {visit.pk, call.pk, wechat.pk}
    assert listed(kind="call") == {call.pk}
    assert listed(owner=cast.account_manager.pk) == {wechat.pk}
    assert listed(q="cement") == {wechat.pk}
    assert listed(happened_after=days(-5).isoformat()) == {call.pk, wechat.pk}
    assert listed(happened_before=days(-10).isoformat()) == {visit.pk}
    assert listed(next_step="open") == {visit.pk, call.pk}
    assert listed(next_step="overdue") == {visit.pk}
    assert listed(next_step="done") == {wechat.pk}


def test_the_owner_filter_offers_only_people_whose_activities_you_can_see(client_as, cast, customer, other_customer):
    ActivityFactory(customer=customer, owner=cast.rep)
    ActivityFactory(customer=other_customer, owner=cast.other_rep)
    response = client_as(cast.rep).get(reverse("activities:list"))
    assert list(response.context["filter"].form.fields["owner"].queryset) == [cast.rep]
    response = client_as(cast.rep).get(reverse("activities:list"), {"owner": cast.other_rep.pk})
    assert "Select a valid choice" in str(response.context["filter"].form.errors)


def test_the_owner_filter_offers_the_authors_on_your_customers_and_of_steps_handed_to_you(
        client_as, cast, customer, other_customer):
    ActivityFactory.create_batch(2, customer=customer, owner=cast.rep)
    ActivityFactory(customer=customer, owner=cast.manager)  # the manager's visit to the rep's customer
    ActivityFactory(customer=other_customer, owner=cast.other_rep, next_step="Call back", next_step_owner=cast.rep)
    ActivityFactory(customer=other_customer, owner=cast.account_manager)  # nothing the rep sees
    response = client_as(cast.rep).get(reverse("activities:list"))
    offered = list(response.context["filter"].form.fields["owner"].queryset)
    assert sorted(offered, key=lambda person: person.full_name) == offered  # by name, each once
    assert set(offered) == {cast.rep, cast.manager, cast.other_rep}
    response = client_as(cast.rep).get(reverse("activities:list"), {"owner": cast.other_rep.pk})
    assert [activity.owner for activity in response.context["page"]] == [cast.other_rep]


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_the_authors_offered_are_those_of_the_activities_the_user_sees(cast, customer, other_customer, role):
    """The "Logged by" choices are read their own way (selectors.activity_authors_visible_to), so they are held to
    the activities each position sees: on its customers, and the next steps handed to it."""
    ActivityFactory(customer=customer, owner=cast.rep)
    ActivityFactory(customer=customer, owner=cast.manager)
    ActivityFactory(customer=other_customer, owner=cast.other_rep)
    ActivityFactory(customer=other_customer, owner=cast.account_manager, next_step="Call", next_step_owner=cast.rep)
    ActivityFactory(customer=CustomerFactory(owner=cast.account_manager), owner=cast.account_manager)
    ActivityFactory(customer=customer, owner=cast.rep, next_step="Call", next_step_owner=cast.rep)
    user = cast.by_role(role)
    seen = selectors.activities_visible_to(user, whole_list=True)
    assert set(selectors.activity_authors_visible_to(user)) == {activity.owner for activity in seen}
    # The list reads the authors with how many each logged, for the heading's count (all but who sees everyone).
    by_author = selectors.activities_seen_by_author(user)
    if selectors.can_sell(user) and not access.sees_everyone(user):
        assert by_author == Counter(activity.owner_id for activity in seen)
    else:
        assert by_author is None


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_the_lists_count_is_of_the_activities_the_user_sees(client_as, cast, customer, other_customer, role):
    """The unfiltered list's heading is counted its own way (selectors.count_activities_visible_to), so it is held
    to the activities each position sees: on its customers, and the next steps handed to it, each once (one handed
    over on a customer it sees too)."""
    ActivityFactory(customer=customer, owner=cast.rep)
    ActivityFactory(customer=customer, owner=cast.manager, next_step="Call", next_step_owner=cast.rep)
    ActivityFactory(customer=other_customer, owner=cast.other_rep)
    ActivityFactory(customer=other_customer, owner=cast.account_manager, next_step="Call", next_step_owner=cast.rep)
    ActivityFactory(customer=CustomerFactory(owner=cast.account_manager), owner=cast.account_manager)
    user = cast.by_role(role)
    seen = selectors.activities_visible_to(user, whole_list=True).count()
    assert selectors.count_activities_visible_to(user) == seen
    if selectors.can_sell(user):
        page = client_as(user).get(reverse("activities:list")).context["page"]
        assert page.paginator.count == seen == len(page.object_list)


@pytest.mark.parametrize("role", ["rep", "account_manager", "manager", "director"])
def test_a_filtered_list_shows_and_counts_the_same_activities(client_as, cast, customer, other_customer, role):
    """A manager's page of the list is found in another shape than its count (selectors.activities_visible_to):
    both hold the same activities, filtered or not, as every other position's."""
    ActivityFactory(customer=customer, owner=cast.rep, kind=Activity.Kind.VISIT)
    ActivityFactory(customer=customer, owner=cast.manager, kind=Activity.Kind.CALL)
    ActivityFactory(customer=other_customer, owner=cast.other_rep, kind=Activity.Kind.VISIT)
    ActivityFactory(customer=other_customer, owner=cast.account_manager, kind=Activity.Kind.VISIT,
                    next_step="Call", next_step_owner=cast.rep)
    ActivityFactory(customer=CustomerFactory(owner=cast.account_manager), owner=cast.account_manager,
                    kind=Activity.Kind.VISIT)
    user = cast.by_role(role)
    seen = selectors.activities_visible_to(user)
    for query, expected in (({}, seen), ({"kind": Activity.Kind.VISIT}, seen.filter(kind=Activity.Kind.VISIT))):
        page = client_as(user).get(reverse("activities:list"), query).context["page"]
        assert {activity.pk for activity in page.object_list} == {activity.pk for activity in expected}
        assert page.paginator.count == expected.count() > 0


def test_a_managers_page_of_the_whole_list_is_found_the_other_way_from_its_count(cast):
    """Which shape finds the rows (the reasons in `selectors.activities_visible_to`): the customers seen read first
    as an array for a count, and for a page of a seller's list; hashed against the newest-first walk for a page of a
    manager's, whose team logs a good share of all activities."""
    def reads_first(user: User, **shape: bool) -> bool:
        def nodes(node: object) -> Iterator[object]:
            yield node
            for child in [*getattr(node, "children", ()), *getattr(node, "get_source_expressions", list)()]:
                yield from nodes(child)
        return any(isinstance(node, InFirstRead)
                   for node in nodes(selectors.activities_visible_to(user, **shape).query.where))

    for user in (cast.rep, cast.account_manager):
        assert reads_first(user, whole_list=True) and reads_first(user, whole_list=True, page=True)
    assert reads_first(cast.manager, whole_list=True)
    assert not reads_first(cast.manager, whole_list=True, page=True)
    assert not reads_first(cast.rep) and not reads_first(cast.manager)


def test_the_authors_on_the_customers_seen_are_read_from_the_customer_index_alone(cast, customer):
    """The "Logged by" choices of a manager's list read their team's 43,000 activities at the large size: from the
    index that carries each activity's author (`activity_by_customer`), not row by row. Held on what the query
    reads, not on a plan: for a test's few rows PostgreSQL took that index, the plain customer index or another
    covering one, depending on whether autovacuum had yet visited the table in the suite. The part over the
    customers seen reads an activity's customer and author only, both in the index, which starts with the
    customer; the OR of the two parts (each row's next-step owner too) would not."""
    ActivityFactory(customer=customer, owner=cast.rep)
    index = next(index for index in Activity._meta.indexes if index.name == "activity_by_customer")
    assert index.fields[0] == "customer" and "owner" in index.include
    assert "activity_by_customer" in index_names("pipeline_activity")
    sql = str(selectors.activity_authors_visible_to(cast.manager).query)
    part = re.search(r'SELECT (\w+)\."owner_id" AS "owner" FROM "pipeline_activity" \1 WHERE \1\."customer_id"', sql)
    assert part, sql
    assert set(re.findall(part.group(1) + r'\."(\w+)"', sql)) == {"owner_id", "customer_id"}, sql


def test_the_list_and_the_customer_page_name_whom_a_visit_was_with(
        client_as, cast, customer, django_assert_max_num_queries):
    met = [ContactFactory(customer=customer, name="Wang Fang"), ContactFactory(customer=customer, name="Zhou Lei")]
    ActivityFactory(customer=customer, owner=cast.rep, summary="Plant visit").contacts.set(met)
    ActivityFactory(customer=customer, owner=cast.rep, summary="Call about the tender")
    client = client_as(cast.rep)
    for page in (reverse("activities:list"), reverse("customers:detail", args=[customer.pk])):
        html = client.get(page).content.decode()
        rows = {row.split("</tr>")[0] for row in html.split("<tr")[1:] if "Plant visit" in row or "the tender" in row}
        assert len(rows) == 2
        [visit] = [row for row in rows if "Plant visit" in row]
        [call] = [row for row in rows if "the tender" in row]
        assert "With Wang Fang, Zhou Lei" in visit or "With Zhou Lei, Wang Fang" in visit
        assert "With" not in call
    ActivityFactory.create_batch(5, customer=customer, owner=cast.rep)[0].contacts.set(met)
    with django_assert_max_num_queries(8):  # the contacts of a page's activities in one query, whatever their number
        client.get(reverse("activities:list"))


def test_the_list_highlights_overdue_next_steps_and_offers_to_mark_them_done(client_as, cast, customer):
    overdue = ActivityFactory(customer=customer, owner=cast.rep, next_step="Send offer", next_step_due=days(-1))
    html = client_as(cast.rep).get(reverse("activities:list")).content.decode()
    assert 'class="table-warning"' in html
    assert reverse("activities:done", args=[overdue.pk]) in html
    assert "Overdue" in html


def test_the_list_pages_by_fifty(client_as, cast, customer):
    ActivityFactory.create_batch(51, customer=customer)
    response = client_as(cast.rep).get(reverse("activities:list"))
    assert len(response.context["page"]) == 50
    assert response.context["page"].paginator.num_pages == 2


# --- The form: prefilled, narrowed, and explained ---------------------------------------------------------


def test_the_customer_page_link_fixes_the_customer_and_offers_its_deals_and_contacts(client_as, cast, customer):
    mine = ContactFactory(customer=customer, name="Wang Fang")
    deal = DealFactory(customer=customer)
    elsewhere = CustomerFactory(owner=cast.rep)
    ContactFactory(customer=elsewhere)
    DealFactory(customer=elsewhere)
    response = client_as(cast.rep).get(reverse("activities:create"), {"customer": customer.pk})
    form = response.context["form"]
    assert form.fixed_customer == customer
    assert form["customer"].value() == customer.pk
    assert list(form.fields["contacts"].queryset) == [mine]
    assert list(form.fields["deal"].queryset) == [deal]
    assert form["happened_at"].value() is not None
    html = response.content.decode()
    assert f'<input type="hidden" name="customer" value="{customer.pk}"' in html
    assert 'type="datetime-local"' in html and 'type="date"' in html
    assert "Wang Fang" in html


def test_the_deal_link_prefills_the_deal_and_its_customer(client_as, cast, customer):
    deal = DealFactory(customer=customer)
    form = client_as(cast.rep).get(reverse("activities:create"), {"deal": deal.pk}).context["form"]
    assert form.fixed_customer == customer
    assert form["deal"].value() == deal.pk


def test_another_teams_customer_or_deal_or_nonsense_is_not_prefilled(client_as, cast, other_customer):
    theirs = DealFactory(customer=other_customer)
    for params in ({"customer": other_customer.pk}, {"deal": theirs.pk}):
        form = client_as(cast.rep).get(reverse("activities:create"), params).context["form"]
        assert form.fixed_customer is None, params
        assert form["customer"].value() is None
        assert not form.fields["deal"].queryset.exists()
    # Nonsense is not an id at all (accounts.params): not found, like an id that does not exist.
    for params in ({"customer": "abc"}, {"deal": "1 OR 1"}):
        assert client_as(cast.rep).get(reverse("activities:create"), params).status_code == 404, params


def test_the_form_offers_only_what_the_user_may_choose(cast, customer, other_customer):
    DealFactory(customer=other_customer)
    ContactFactory(customer=other_customer)
    form = ActivityForm(user=cast.rep)
    assert list(form.fields["customer"].queryset) == [customer]
    # Until a customer is chosen, no deal or contact is offered.
    assert not form.fields["deal"].queryset.exists()
    assert not form.fields["contacts"].queryset.exists()
    manager_form = ActivityForm(user=cast.manager)
    assert list(manager_form.fields["customer"].queryset) == [customer]
    assert set(ActivityForm(user=cast.director).fields["customer"].queryset) == {customer, other_customer}


def test_choosing_a_customer_reloads_its_deals_and_contacts_in_place(client_as, cast, customer):
    ContactFactory(customer=customer, name="Wang Fang")
    html = client_as(cast.rep).get(reverse("activities:create")).content.decode()
    assert f'hx-get="{reverse("activities:create")}"' in html
    assert 'hx-select="#activity-links"' in html
    fragment = client_as(cast.rep).get(reverse("activities:create"), {"customer": customer.pk},
                                       headers={"HX-Request": "true"}).content.decode()
    assert 'id="activity-links"' in fragment and "Wang Fang" in fragment


def test_a_rep_logs_a_visit_from_the_customer_page(client_as, cast, customer):
    contact = ContactFactory(customer=customer)
    deal = DealFactory(customer=customer)
    url = reverse("activities:create") + f"?customer={customer.pk}"
    response = client_as(cast.rep).post(url, activity_form(customer, deal=deal.pk, contacts=[contact.pk]))
    activity = Activity.objects.get()
    assert response.status_code == FOUND
    assert response["Location"] == reverse("customers:detail", args=[customer.pk])
    assert (activity.owner, activity.deal, list(activity.contacts.all())) == (cast.rep, deal, [contact])
    customer.refresh_from_db()
    assert customer.last_contacted_at == activity.happened_at
    assert customer.next_follow_up_on == days(3)


def test_logging_from_the_list_returns_to_the_list(client_as, cast, customer):
    response = client_as(cast.rep).post(reverse("activities:create"), activity_form(customer))
    assert response["Location"] == reverse("activities:list")


def test_a_rep_cannot_log_against_another_teams_customer_through_the_page(client_as, cast, other_customer):
    response = client_as(cast.rep).post(reverse("activities:create"), activity_form(other_customer))
    assert response.status_code == OK
    assert "Select a valid choice" in " ".join(response.context["form"].errors["customer"])
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"summary": "   "}, "summary", "This field is required"),
        ({"happened_at": (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")}, "happened_at",
         "more than a day in the future"),
        ({"happened_at": "yesterday"}, "happened_at", "Enter a valid date/time"),
        ({"next_step": ""}, "next_step", "Say what the next step is"),
        ({"next_step_due": days(-30).isoformat()}, "next_step_due", "cannot be due before the activity"),
        ({"kind": "telegram"}, "kind", "Select a valid choice"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_saved(client_as, cast, customer, overrides, field, message):
    response = client_as(cast.rep).post(reverse("activities:create"), activity_form(customer, **overrides))
    assert response.status_code == OK
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert not Activity.objects.exists()


def test_a_deal_of_another_customer_is_explained(client_as, cast, customer):
    elsewhere = CustomerFactory(owner=cast.rep, name="Jinan Power")
    deal = DealFactory(customer=elsewhere)
    response = client_as(cast.rep).post(reverse("activities:create"), activity_form(customer, deal=deal.pk))
    errors = " ".join(response.context["form"].errors["deal"])
    assert "This deal is with Jinan Power" in errors
    assert "This deal is with Jinan Power" in response.content.decode()
    assert not Activity.objects.exists()


def test_a_contact_of_another_customer_is_explained(client_as, cast, customer):
    stranger = ContactFactory(customer=CustomerFactory(owner=cast.rep), name="Li Wei")
    response = client_as(cast.rep).post(reverse("activities:create"),
                                        activity_form(customer, contacts=[stranger.pk]))
    assert "Li Wei is not a contact of" in " ".join(response.context["form"].errors["contacts"])
    assert not Activity.objects.exists()


def test_a_contact_or_deal_of_another_team_is_not_a_valid_choice(client_as, cast, customer, other_customer):
    theirs = ContactFactory(customer=other_customer)
    deal = DealFactory(customer=other_customer)
    response = client_as(cast.rep).post(reverse("activities:create"),
                                        activity_form(customer, contacts=[theirs.pk], deal=deal.pk))
    errors = response.context["form"].errors
    assert "Select a valid choice" in errors["contacts"][0] and "Select a valid choice" in errors["deal"][0]
    assert not Activity.objects.exists()


def test_editing_keeps_the_logger_and_can_reopen_a_next_step(client_as, cast, activity):
    activities.next_step_done(activity=activity, by=cast.rep)
    response = client_as(cast.manager).post(reverse("activities:edit", args=[activity.pk]),
                                            activity_form(activity.customer, summary="Edited by the manager."))
    assert response.status_code == FOUND
    activity.refresh_from_db()
    assert (activity.owner, activity.summary, activity.next_step_done) == (cast.rep, "Edited by the manager.", False)
    activity.customer.refresh_from_db()
    assert activity.customer.next_follow_up_on == days(3)


def test_the_edit_form_shows_what_was_logged(client_as, cast, activity):
    contact = ContactFactory(customer=activity.customer)
    activity.contacts.add(contact)
    form = client_as(cast.rep).get(reverse("activities:edit", args=[activity.pk])).context["form"]
    assert form["summary"].value() == activity.summary
    assert form["contacts"].value() == [contact.pk]
    assert "next_step_done" in form.fields


def test_marking_done_through_the_page_moves_the_customers_follow_up(client_as, cast, activity):
    later = ActivityFactory(customer=activity.customer, next_step="Call back", next_step_due=days(20))
    activities.refresh_customer_follow_up([activity.customer_id])
    back = reverse("customers:detail", args=[activity.customer_id])
    response = client_as(cast.rep).post(reverse("activities:done", args=[activity.pk]), {"next": back})
    assert response["Location"] == back
    activity.customer.refresh_from_db()
    assert activity.customer.next_follow_up_on == later.next_step_due
    response = client_as(cast.rep).post(reverse("activities:done", args=[activity.pk]), follow=True)
    assert "already done" in response.content.decode()


def test_a_return_address_elsewhere_is_ignored(client_as, cast, activity):
    response = client_as(cast.rep).post(reverse("activities:done", args=[activity.pk]),
                                        {"next": "https://evil.example/"})
    assert response["Location"] == reverse("activities:list")


# --- The panel on the customer page ---------------------------------------------------------------------------


def test_the_customer_page_shows_the_latest_ten_activities_and_a_log_button(client_as, cast, customer, panel):
    now = timezone.now()
    for index in range(12):
        ActivityFactory(customer=customer, owner=cast.rep, happened_at=now - timedelta(days=index),
                        summary=f"Visit number {index}", next_step="Send offer" if index == 0 else "",
                        next_step_due=days(2) if index == 0 else None)
    html = client_as(cast.rep).get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "Visit number 0" in html and "Visit number 9" in html and "Visit number 10" not in html
    assert f'{reverse("activities:create")}?customer={customer.pk}' in html
    assert "Log a visit" in html
    assert "bi-person-walking" in html
    assert "Send offer" in html


def test_the_panel_shows_nothing_to_customer_service(cast, customer):
    ActivityFactory(customer=customer)
    request = RequestFactory().get("/")
    request.user = cast.service
    assert customer_activities_panel(request, customer) == ""


def test_the_panel_offers_mark_done_only_to_who_may_change_the_activity(cast, customer):
    mine = ActivityFactory(customer=customer, owner=cast.rep, next_step="Call", next_step_due=days(1))
    managers = ActivityFactory(customer=customer, owner=cast.manager, next_step="Visit", next_step_due=days(2))
    request = RequestFactory().get("/")
    request.user = cast.rep
    html = customer_activities_panel(request, customer)
    assert reverse("activities:done", args=[mine.pk]) in html
    assert reverse("activities:done", args=[managers.pk]) not in html


# --- Query counts -----------------------------------------------------------------------------------------------


def _queries(callable_) -> int:
    with CaptureQueriesContext(connection) as context:
        callable_()
    return len(context.captured_queries)


# The layout's own queries (session, user, navigation badges) are in the bound; the rows are not.
LIST_BOUND = 10


def test_the_list_costs_the_same_queries_however_many_activities(client_as, cast, customer, other_customer):
    client = client_as(cast.director)
    for _ in range(3):
        activity = ActivityFactory(customer=customer, deal=DealFactory(customer=customer), next_step="Call",
                                   next_step_due=days(1))
        activity.contacts.add(ContactFactory(customer=customer))
    few = _queries(lambda: client.get(reverse("activities:list")))
    assert len(client.get(reverse("activities:list")).context["page"]) == 3
    for index in range(27):
        owner = UserFactory(position=Position.REP)
        activity = ActivityFactory(customer=other_customer if index % 2 else CustomerFactory(owner=owner),
                                   owner=owner, deal=DealFactory(customer=other_customer))
        activity.contacts.add(ContactFactory(customer=activity.customer))
    many = _queries(lambda: client.get(reverse("activities:list")))
    assert len(client.get(reverse("activities:list")).context["page"]) == 30
    assert many == few <= LIST_BOUND


def test_the_panel_and_the_customer_page_cost_the_same_queries_with_3_or_30_activities(client_as, cast, customer,
                                                                                       panel):
    request = RequestFactory().get("/")
    request.user = cast.manager
    client = client_as(cast.manager)
    page = reverse("customers:detail", args=[customer.pk])

    def add(count):
        for index in range(count):
            activity = ActivityFactory(customer=customer, owner=cast.rep if index % 2 else cast.manager,
                                       next_step="Call", next_step_due=days(index))
            activity.contacts.add(ContactFactory(customer=customer))

    add(3)
    few_panel, few_page = _queries(lambda: customer_activities_panel(request, customer)), _queries(
        lambda: client.get(page))
    add(27)
    assert _queries(lambda: customer_activities_panel(request, customer)) == few_panel <= 3
    assert _queries(lambda: client.get(page)) == few_page


def test_who_sees_too_many_customers_to_list_picks_the_customer_of_a_visit_first(client_as, cast, customer,
                                                                                  other_customer, monkeypatch):
    from customers import selectors as customer_selectors

    monkeypatch.setattr(customer_selectors, "LISTED_CUSTOMERS", 1)
    client = client_as(cast.director)
    html = client.get(reverse("activities:create")).content.decode()
    assert "With which customer?" in html and 'name="summary"' not in html
    html = client.get(reverse("activities:create"), {"q": customer.name[:6]}).content.decode()
    assert f'href="?customer={customer.pk}"' in html
    response = client.post(reverse("activities:create") + f"?customer={customer.pk}", activity_form(customer))
    assert response.status_code == 302 and Activity.objects.get().customer == customer
    # From a customer's page the customer is known: no search.
    given = client.get(reverse("activities:create"), {"customer": other_customer.pk})
    assert 'name="summary"' in given.content.decode()


def test_editing_as_who_sees_too_many_customers_keeps_the_customer_or_picks_another(client_as, cast, customer,
                                                                                   other_customer, monkeypatch):
    from customers import selectors as customer_selectors

    monkeypatch.setattr(customer_selectors, "LISTED_CUSTOMERS", 1)
    activity = ActivityFactory(owner=cast.rep, customer=customer)
    client = client_as(cast.director)
    edit = reverse("activities:edit", args=[activity.pk])
    response = client.get(edit)
    assert response.context["form"]["customer"].value() == customer.pk and "Another customer" in response.text
    assert f'<option value="{other_customer.pk}"' not in response.text  # no drop-down of every customer
    assert "With which customer?" in client.get(edit, {"pick": "1"}).text
    moved = client.get(edit, {"customer": other_customer.pk})
    assert moved.context["form"]["customer"].value() == other_customer.pk
    assert client.post(edit + f"?customer={other_customer.pk}", activity_form(
        other_customer, next_step_done="")).status_code == 302
    activity.refresh_from_db()
    assert activity.customer == other_customer
