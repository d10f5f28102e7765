"""Customers: buyer profiles with contacts and commodities, duplicates caught on entry, the list
with its filters and exports, value tiers with their policy, and satisfaction surveys."""

import csv
import datetime
import io

import pytest
import tablib
from django.urls import reverse

from accounts.models import HandOver, Position
from customers.models import Complaint, Contact, Customer, SatisfactionSurvey, Tier, TierChange, TierPolicy
from customers.services import name_key
from customers.tiers import recompute_tiers
from customers.validators import uscc_check_character

from .access import assert_answers, each_role_and, expect
from .conftest import ROLES
from .factories import CommodityFactory, ComplaintFactory, ContactFactory, CustomerFactory, SurveyFactory, UserFactory
from .queries import assert_queries_pinned

OK, FORBIDDEN, MISSING = 200, 403, 404


def uscc(body: str = "91370200MA3C12345") -> str:
    return body + uscc_check_character(body)


@pytest.fixture
def customer(cast):
    """A customer of the rep in team A, with a primary contact."""
    customer = CustomerFactory(name="日照宏达钢铁有限公司", short_name="日照宏达", owner=cast.rep)
    ContactFactory(customer=customer, name="王芳", is_primary=True)
    return customer


def customer_form(cast, **overrides):
    return {
        "name": "唐山兴业钢铁有限公司",
        "short_name": "唐山兴业",
        "registration_number": uscc(),
        "country": "CN",
        "province": "河北",
        "city": "唐山",
        "address": "",
        "kind": Customer.Kind.STEEL_MILL,
        "status": Customer.Status.PROSPECT,
        "lead_source": Customer.LeadSource.TRADE_SHOW,
        "payment_terms": "lc_sight",
        "owner": cast.rep.pk,
        "notes": "",
        "volumes-TOTAL_FORMS": "2",
        "volumes-INITIAL_FORMS": "0",
        "volumes-0-commodity": CommodityFactory(name="Iron ore fines", name_zh="铁矿粉").pk,
        "volumes-0-estimated_annual_tonnes": "300000",
        "volumes-1-commodity": "",
        "volumes-1-estimated_annual_tonnes": "",
        "contact-name": "李强",
        "contact-title": "采购经理",
        "contact-mobile": "13800138000",
        "contact-email": "",
        "contact-wechat_id": "",
    } | overrides


# --- Who may open what -------------------------------------------------------------------------

CUSTOMER_SCOPE = {role: MISSING for role in ROLES} | {"director": OK, "manager": OK, "rep": OK, "service": OK}
PAGES = [
    ("list", lambda c: reverse("customers:list"), {role: OK for role in ROLES}),
    ("export csv", lambda c: reverse("customers:export", args=["csv"]), {role: OK for role in ROLES}),
    ("create", lambda c: reverse("customers:create"),
     {role: OK for role in ROLES} | {"service": FORBIDDEN, "marketing": FORBIDDEN}),
    ("detail", lambda c: reverse("customers:detail", args=[c.pk]), CUSTOMER_SCOPE),
    ("complaints tab", lambda c: reverse("customers:section", args=[c.pk, "service"]), CUSTOMER_SCOPE),
    ("history tab", lambda c: reverse("customers:section", args=[c.pk, "history"]), CUSTOMER_SCOPE),
    # Customer service sees the customer, not the money of its contracts: no such tab for them.
    ("receivables tab", lambda c: reverse("customers:section", args=[c.pk, "receivables"]),
     CUSTOMER_SCOPE | {"service": MISSING}),
    ("no such tab", lambda c: reverse("customers:section", args=[c.pk, "payments"]), {role: MISSING for role in ROLES}),
    ("edit", lambda c: reverse("customers:edit", args=[c.pk]), CUSTOMER_SCOPE | {"service": FORBIDDEN}),
    ("add contact", lambda c: reverse("customers:contact_create", args=[c.pk]),
     CUSTOMER_SCOPE | {"service": FORBIDDEN}),
    ("edit contact", lambda c: reverse("customers:contact_edit", args=[c.pk, c.contacts.get().pk]),
     CUSTOMER_SCOPE | {"service": FORBIDDEN}),
    ("set tier", lambda c: reverse("customers:tier", args=[c.pk]),
     CUSTOMER_SCOPE | {"service": FORBIDDEN, "rep": FORBIDDEN}),
    ("survey", lambda c: reverse("customers:survey_create", args=[c.pk]), CUSTOMER_SCOPE),
    ("tier policies", lambda c: reverse("customers:tier_policies"), {role: OK for role in ROLES}),
    ("edit tier policy", lambda c: reverse("customers:tier_policy_edit", args=["high"]),
     {role: FORBIDDEN for role in ROLES} | {"director": OK}),
    ("commodities", lambda c: reverse("customers:commodities"), {role: FORBIDDEN for role in ROLES} | {"director": OK}),
    ("new commodity", lambda c: reverse("customers:commodity_create"),
     {role: FORBIDDEN for role in ROLES} | {"director": OK}),
]


@each_role_and("name,url,expected", PAGES)
def test_customer_pages_answer_each_position_as_the_policy_says(client_as, cast, customer, role, name, url, expected):
    assert_answers(client_as(cast.by_role(role)).get(url(customer)), expect(expected)[role], f"{name} as {role}")


@pytest.mark.parametrize("role", ["other_manager", "other_rep", "account_manager", "marketing"])
def test_posting_to_another_teams_customer_answers_404_and_changes_nothing(client_as, cast, customer, role):
    client = client_as(cast.by_role(role))
    assert client.post(reverse("customers:edit", args=[customer.pk]), customer_form(cast)).status_code == MISSING
    assert client.post(reverse("customers:tier", args=[customer.pk]),
                       {"tier": "high", "reason": "x"}).status_code == MISSING
    customer.refresh_from_db()
    assert (customer.name, customer.tier) == ("日照宏达钢铁有限公司", Tier.GENERAL)


def test_a_rep_sees_only_their_own_customers_and_customer_service_sees_all(client_as, cast, customer):
    CustomerFactory(name="Other team's buyer", owner=cast.other_rep)

    def names(user):
        return {c.name for c in client_as(user).get(reverse("customers:list")).context["page"]}

    assert names(cast.rep) == {"日照宏达钢铁有限公司"}
    assert names(cast.manager) == {"日照宏达钢铁有限公司"}
    assert names(cast.service) == {"日照宏达钢铁有限公司", "Other team's buyer"}
    assert names(cast.director) == {"日照宏达钢铁有限公司", "Other team's buyer"}
    assert names(cast.marketing) == set()


# --- Creating and editing ------------------------------------------------------------------------


def test_a_rep_creates_a_customer_with_its_commodity_and_primary_contact(client_as, cast):
    response = client_as(cast.rep).post(reverse("customers:create"), customer_form(cast))
    customer = Customer.objects.get(name="唐山兴业钢铁有限公司")
    assert response.status_code == 302
    assert customer.owner == cast.rep
    assert [(v.commodity.name, v.estimated_annual_tonnes) for v in customer.commodity_volumes.all()] == [
        ("Iron ore fines", 300000)]
    contact = customer.contacts.get()
    assert (contact.name, contact.mobile, contact.is_primary) == ("李强", "+86 138 0013 8000", True)
    assert customer.history.count() == 1


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"registration_number": "91370200MA3C123450"}, "registration_number", "check character does not match"),
        ({"registration_number": "9137020"}, "registration_number", "has 18 characters"),
        ({"registration_number": "91370200MA3C12345I"}, "registration_number", "cannot contain I"),
        ({"name": ""}, "name", "This field is required."),
        ({"kind": "shipyard"}, "kind", "Select a valid choice."),
    ],
)
def test_bad_company_data_is_explained_and_nothing_is_saved(client_as, cast, overrides, field, message):
    response = client_as(cast.rep).post(reverse("customers:create"), customer_form(cast, **overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Customer.objects.exists() and not Contact.objects.exists()


def test_a_foreign_buyer_keeps_its_own_registration_number(client_as, cast):
    client_as(cast.rep).post(reverse("customers:create"), customer_form(
        cast, name="Hai Phong Steel JSC", country="VN", registration_number="0200123456", **{"contact-mobile": ""},
        **{"contact-email": "buyer@hps.example"}))
    assert Customer.objects.get().registration_number == "0200123456"


def test_a_bad_mobile_number_is_explained(client_as, cast):
    response = client_as(cast.rep).post(reverse("customers:create"), customer_form(cast, **{"contact-mobile": "12345"}))
    assert response.status_code == 200
    assert "not a valid phone number" in " ".join(response.context["contact_form"].errors["mobile"])
    assert not Customer.objects.exists()


def test_a_negative_tonnage_is_refused(client_as, cast):
    response = client_as(cast.rep).post(
        reverse("customers:create"), customer_form(cast, **{"volumes-0-estimated_annual_tonnes": "-5"}))
    assert response.status_code == 200
    assert not Customer.objects.exists()


def test_the_same_registration_number_is_refused(client_as, cast):
    CustomerFactory(registration_number=uscc(), owner=cast.other_rep)
    response = client_as(cast.rep).post(reverse("customers:create"), customer_form(cast))
    assert "already exists" in " ".join(response.context["form"].errors["registration_number"])
    assert Customer.objects.count() == 1


def test_a_near_duplicate_name_is_shown_before_saving_and_saved_once_confirmed(client_as, cast):
    CustomerFactory(name="Tangshan Xingye Steel Co., Ltd.", name_key=name_key("Tangshan Xingye Steel Co., Ltd."),
                    owner=cast.other_rep)
    client = client_as(cast.rep)
    form = customer_form(cast, name="Tangshan Xingye Steel Ltd", registration_number="")
    first = client.post(reverse("customers:create"), form)
    assert first.status_code == 200
    assert "very similar name" in first.content.decode()
    assert [c.name for c in first.context["form"].similar] == ["Tangshan Xingye Steel Co., Ltd."]
    # Another team's customer: its name and owner are shown, not a link to it.
    assert reverse("customers:detail", args=[Customer.objects.get().pk]) not in first.content.decode()
    assert Customer.objects.count() == 1
    second = client.post(reverse("customers:create"), form | {"confirm_not_duplicate": "on"})
    assert second.status_code == 302
    assert Customer.objects.count() == 2


def test_a_rep_cannot_give_a_customer_to_another_teams_rep(client_as, cast):
    response = client_as(cast.rep).post(reverse("customers:create"), customer_form(cast, owner=cast.other_rep.pk))
    assert "Select a valid choice" in " ".join(response.context["form"].errors["owner"])


def test_a_manager_can_give_a_customer_to_a_rep_of_their_team(client_as, cast):
    client_as(cast.manager).post(reverse("customers:create"), customer_form(cast, owner=cast.account_manager.pk))
    assert Customer.objects.get().owner == cast.account_manager


def test_editing_a_customer_is_kept_in_its_history(client_as, cast, customer):
    client = client_as(cast.rep)
    form = customer_form(cast, name=customer.name, registration_number="", status=Customer.Status.DORMANT)
    form |= {"volumes-0-commodity": "", "volumes-0-estimated_annual_tonnes": ""}
    assert client.post(reverse("customers:edit", args=[customer.pk]), form).status_code == 302
    latest = client.get(reverse("customers:section", args=[customer.pk, "history"])).context["changes"][0]
    assert latest["who"] == cast.rep
    assert {"status", "city"} <= set(map(str, latest["fields"]))


def test_a_customer_with_no_recorded_history_still_opens(client_as, cast, customer):
    """Rows written in bulk (an import of years of data) have no history records."""
    customer.history.all().delete()
    response = client_as(cast.rep).get(reverse("customers:section", args=[customer.pk, "history"]))
    assert response.status_code == 200
    assert response.context["changes"] == []
    assert customer.name in response.content.decode()


def test_making_a_contact_primary_demotes_the_previous_one(client_as, cast, customer):
    client_as(cast.rep).post(reverse("customers:contact_create", args=[customer.pk]), {
        "name": "赵磊", "title": "燃料部经理", "mobile": "+86 139 0000 1111", "email": "", "wechat_id": "",
        "is_primary": "on"})
    assert list(customer.contacts.values_list("name", "is_primary")) == [("赵磊", True), ("王芳", False)]


def test_a_contact_needs_a_way_to_reach_them(client_as, cast, customer):
    response = client_as(cast.rep).post(reverse("customers:contact_create", args=[customer.pk]), {
        "name": "赵磊", "title": "", "mobile": "", "email": "", "wechat_id": ""})
    assert "at least one way to reach" in response.content.decode()
    assert customer.contacts.count() == 1


def test_the_database_refuses_two_primary_contacts(customer):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        Contact.objects.create(customer=customer, name="Second", is_primary=True)


# --- The list ---------------------------------------------------------------------------------


def names_listed(client, **params):
    return {c.name for c in client.get(reverse("customers:list"), params).context["page"]}


def test_the_list_filters_by_tier_status_commodity_region_and_contact_search(client_as, cast, customer):
    coal = CommodityFactory(name="Thermal coal")
    plant = CustomerFactory(name="华能日照发电有限公司", owner=cast.rep, tier=Tier.HIGH, province="山东", city="日照",
                            status=Customer.Status.PROSPECT)
    plant.commodity_volumes.create(commodity=coal, estimated_annual_tonnes=500000)
    ContactFactory(customer=plant, name="周强", mobile="+86 186 1111 2222", is_primary=True)
    client = client_as(cast.rep)
    assert names_listed(client, tier="high") == {"华能日照发电有限公司"}
    assert names_listed(client, status="prospect") == {"华能日照发电有限公司"}
    assert names_listed(client, commodity=coal.pk) == {"华能日照发电有限公司"}
    assert names_listed(client, q="周强") == {"华能日照发电有限公司"}
    assert names_listed(client, q="1111") == {"华能日照发电有限公司"}
    assert names_listed(client, region="日照") == {"华能日照发电有限公司"}
    assert names_listed(client, region="Rizhao") == {"日照宏达钢铁有限公司"}


def test_the_list_filters_by_last_contact_and_treats_never_as_long_ago(client_as, cast, customer):
    import datetime

    CustomerFactory(name="Recently called", owner=cast.rep,
                    last_contacted_at=datetime.datetime(2026, 11, 20, tzinfo=datetime.UTC))
    client = client_as(cast.rep)
    assert names_listed(client, contacted_after="2026-11-01") == {"Recently called"}
    assert names_listed(client, contacted_before="2026-11-01") == {"日照宏达钢铁有限公司"}


def test_the_list_sorts_by_a_column(client_as, cast, customer):
    CustomerFactory(name="Aardvark Trading", owner=cast.rep)
    page = client_as(cast.rep).get(reverse("customers:list"), {"sort": "-name"}).context["page"]
    assert [c.name for c in page][-1] == "Aardvark Trading"


@pytest.mark.parametrize("sort", ["tier", "-tier"])
def test_a_list_sorted_by_a_shared_value_pages_through_every_customer_once(client_as, cast, sort):
    """Sorted by a column many customers share, the ties are ordered by their key, in the sort's direction
    (accounts.filters.with_tie_breaker): page after page, every customer once, none left out."""
    from accounts.pages import PAGE_SIZE

    made = [CustomerFactory(owner=cast.rep, tier=Tier.HIGH) for _ in range(PAGE_SIZE + 5)]
    client = client_as(cast.rep)
    listed = [row.pk for number in (1, 2)
              for row in client.get(reverse("customers:list"), {"sort": sort, "page": number}).context["page"]]
    assert listed == sorted((customer.pk for customer in made), reverse=sort.startswith("-"))


@pytest.mark.parametrize(("sort", "order"), [("last_contacted", ["march", "october", "never"]),
                                             ("-last_contacted", ["october", "march", "never"])])
def test_customers_never_contacted_come_last_whichever_the_sort(client_as, cast, sort, order):
    """Sorted by when they were last contacted, either way, the customers never contacted come last
    (accounts.filters.sort_order): the most recently contacted first, not a page of those never called."""
    from django.utils import timezone

    made = {"never": CustomerFactory(owner=cast.rep)}
    for name, month in (("march", 3), ("october", 10)):
        made[name] = CustomerFactory(owner=cast.rep)
        Customer.objects.filter(pk=made[name].pk).update(
            last_contacted_at=timezone.make_aware(datetime.datetime(2026, month, 2, 10, 0)))
    Customer.objects.filter(pk=made["never"].pk).update(last_contacted_at=None)
    names = {customer.pk: name for name, customer in made.items()}
    page = client_as(cast.rep).get(reverse("customers:list"), {"sort": sort}).context["page"]
    assert [names[row.pk] for row in page if row.pk in names] == order


def test_customers_of_one_name_page_through_the_list_once_each(client_as, cast):
    """The list's own order, by name, ends with the key: customers sharing a name (a group's branches) are each on
    one page, none left out."""
    from accounts.pages import PAGE_SIZE

    made = [CustomerFactory(owner=cast.rep, name="Rizhao Steel") for _ in range(PAGE_SIZE + 5)]
    # Changed rows move in PostgreSQL's table: read in its order, they would come last.
    Customer.objects.filter(pk__in=[made[0].pk, made[1].pk]).update(city="日照")
    client = client_as(cast.rep)
    listed = [row.pk for number in (1, 2)
              for row in client.get(reverse("customers:list"), {"page": number}).context["page"]]
    assert listed == [customer.pk for customer in made]


def test_the_owner_and_team_filters_offer_only_what_the_user_may_see(client_as, cast):
    form = client_as(cast.manager).get(reverse("customers:list")).context["filter"].form
    assert set(form.fields["owner"].queryset) == {cast.manager, cast.rep, cast.account_manager}
    assert list(form.fields["team"].queryset) == [cast.rep.team]


def test_the_owner_filter_shows_the_people_escaped_and_keeps_the_choice(client_as, cast):
    UserFactory(full_name="<b>Bold</b> 刘", team=cast.rep.team, department=cast.rep.department)
    html = client_as(cast.manager).get(reverse("customers:list"), {"owner": cast.rep.pk}).content.decode()
    select = html[html.index('<select name="owner"'):]
    select = select[:select.index("</select>")]
    assert f'<option value="{cast.rep.pk}" selected>Rep A</option>' in select
    assert "&lt;b&gt;Bold&lt;/b&gt; 刘</option>" in select and "<b>" not in select
    assert "Rep B" not in select  # another team's rep
    assert 'form-select' in select[:select.index(">")]  # still styled by the form layout


def test_a_bad_filter_value_is_marked_on_its_field_with_the_reason(client_as, cast):
    html = client_as(cast.rep).get(reverse("customers:list"), {"contacted_after": "31/02/2026"}).content.decode()
    field = html[html.index('name="contacted_after"'):]
    assert 'value="31/02/2026"' in field[:200] and "is-invalid" in field[:200]
    assert 'id="id_contacted_after_error" class="invalid-feedback">Enter a valid date.</div>' in field


def test_the_list_costs_the_same_queries_whatever_the_number_of_customers(client_as, cast, customer):
    client = client_as(cast.manager)

    def more_customers():
        for other in CustomerFactory.create_batch(30, owner=cast.rep):
            ContactFactory(customer=other, is_primary=True)

    _, response = assert_queries_pinned(10, lambda: client.get(reverse("customers:list")), more_customers)
    assert len(response.context["page"]) == 31


@pytest.mark.parametrize("tab, expected", [
    # The session, the user, the customer, the tabs' two flags (open complaints; an overdue invoice), the bell,
    # then the overview's contacts, volumes, tier policy, deals, visits (their contacts only once there are
    # any) and transfers.
    ("", 12),
    # The claims panel looks whether the customer has any shipment or claim (one query; this one has neither,
    # so it asks nothing more); the latest surveys and their averages are one query, the complaints one.
    ("service", 9),
    # Receivables' panel reads its figures per currency, the payments on account and the latest payments.
    ("receivables", 9),
    # The tier changes and the record's history.
    ("history", 8),
])
def test_each_tab_of_the_customer_page_costs_the_same_queries_whatever_its_history(client_as, cast, customer, tab,
                                                                                 expected):
    """Whether the rep may change their own customer or record its payments takes no query
    (access.visible_user_ids)."""
    client = client_as(cast.rep)
    # A contact and a survey from the start: the page reads its lists of surveys only once there are any.
    ContactFactory(customer=customer)
    SurveyFactory(customer=customer)

    def more_history():
        for index in range(10):
            ContactFactory(customer=customer)
            SurveyFactory(customer=customer)
            customer.notes = f"note {index}"
            customer.save()

    url = reverse("customers:detail", args=[customer.pk]) + (f"{tab}/" if tab else "")
    assert_queries_pinned(expected, lambda: client.get(url), more_history)


def test_the_tabs_flag_open_complaints_as_far_as_the_user_sees_them(client_as, cast, customer):
    """The overview's complaints tab counts the customer's open and investigated complaints (not the resolved
    ones); each tab is its own address, the open one marked."""
    for status in (Complaint.Status.OPEN, Complaint.Status.INVESTIGATING, Complaint.Status.RESOLVED):
        ComplaintFactory(customer=customer, status=status)
    ComplaintFactory(customer=CustomerFactory(owner=cast.rep))  # another customer's: not counted
    overview = client_as(cast.rep).get(reverse("customers:detail", args=[customer.pk]))
    tabs = {tab.key: tab for tab in overview.context["tabs"]}
    assert list(tabs) == ["overview", "service", "receivables", "history"]
    assert (tabs["service"].flag, tabs["receivables"].flag, tabs["history"].flag) == ("2", "", "")
    assert tabs["service"].url == reverse("customers:section", args=[customer.pk, "service"])
    html = overview.content.decode()
    assert f'<a class="nav-link active" aria-current="page" href="{tabs["overview"].url}">Overview</a>' in html
    assert (f'<a class="nav-link" href="{tabs["service"].url}">Complaints and satisfaction '
            '<span class="badge rounded-pill text-bg-danger">2</span></a>') in html
    # Customer service has no money tab.
    assert [tab.key for tab in client_as(cast.service).get(
        reverse("customers:detail", args=[customer.pk])).context["tabs"]] == ["overview", "service", "history"]


def test_the_overview_reads_a_fraction_of_what_the_whole_page_did(client_as, cast, customer):
    """The page as one column of every card made 18 queries for this customer; its overview makes 12, the
    other tabs each fewer still, and each reads only what it shows."""
    client = client_as(cast.rep)
    SurveyFactory(customer=customer)
    overview = client.get(reverse("customers:detail", args=[customer.pk]))
    assert {"contacts", "volumes", "policy"} <= set(overview.context.keys())
    assert not {"surveys", "complaints", "changes", "tier_changes"} & set(overview.context.keys())
    service = client.get(reverse("customers:section", args=[customer.pk, "service"]))
    assert {"surveys", "complaints"} <= set(service.context.keys())
    assert not {"contacts", "changes"} & set(service.context.keys())


# --- Export -------------------------------------------------------------------------------------


def test_the_csv_export_holds_exactly_the_filtered_customers_the_user_may_see(client_as, cast, customer):
    CustomerFactory(name="Other team's buyer", owner=cast.other_rep)
    CustomerFactory(name="Dormant buyer", owner=cast.rep, status=Customer.Status.DORMANT)
    response = client_as(cast.rep).get(reverse("customers:export", args=["csv"]), {"status": "active"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(row["Name"], row["Contact name"], row["Owner"]) for row in rows] == [
        ("日照宏达钢铁有限公司", "王芳", "rep")]


def test_the_excel_export_opens_as_a_spreadsheet(client_as, cast, customer):
    response = client_as(cast.service).get(reverse("customers:export", args=["xlsx"]))
    sheet = tablib.Dataset().load(response.content, format="xlsx")
    assert sheet.headers[0] == "Name"
    assert sheet[0][0] == "日照宏达钢铁有限公司"


def test_an_unknown_export_format_is_not_found(client_as, cast):
    assert client_as(cast.rep).get("/customers/export.pdf").status_code == MISSING


# --- Tiers -------------------------------------------------------------------------------------


def volume(customer, tonnes):
    customer.commodity_volumes.create(commodity=CommodityFactory(), estimated_annual_tonnes=tonnes)


def test_the_tier_job_suggests_from_estimated_volume_and_records_each_change(cast):
    big, middle, small = (CustomerFactory(owner=cast.rep) for _ in range(3))
    volume(big, 150000)
    volume(middle, 20000)
    volume(small, 500)
    assert recompute_tiers() == 2  # middle stays general
    big.refresh_from_db(), small.refresh_from_db(), middle.refresh_from_db()
    assert (big.tier, middle.tier, small.tier) == (Tier.HIGH, Tier.GENERAL, Tier.LOW)
    change = TierChange.objects.get(customer=big)
    assert (change.from_tier, change.to_tier, change.changed_by) == (Tier.GENERAL, Tier.HIGH, None)


def test_running_the_tier_job_twice_changes_nothing_the_second_time(cast):
    for tonnes in (150000, 500):
        volume(CustomerFactory(owner=cast.rep), tonnes)
    recompute_tiers()
    changes = TierChange.objects.count()
    assert recompute_tiers() == 0
    assert TierChange.objects.count() == changes


def test_the_tier_job_leaves_a_tier_set_by_hand_alone(client_as, cast, customer):
    volume(customer, 500)
    response = client_as(cast.manager).post(reverse("customers:tier", args=[customer.pk]),
                                            {"tier": "high", "reason": "Strategic mill"})
    assert response.status_code == 302
    recompute_tiers()
    customer.refresh_from_db()
    assert (customer.tier, customer.tier_pinned) == (Tier.HIGH, True)
    # The list and the customer's page show the tier with the pin of a tier set by hand.
    pinned = ('<span class="badge tier-high">High-value customer</span> <i aria-hidden="true" '
              'class="bi bi-pin-angle-fill text-secondary" title="Set by hand"></i>')
    assert pinned in client_as(cast.manager).get(reverse("customers:list")).text
    assert pinned in client_as(cast.manager).get(reverse("customers:detail", args=[customer.pk])).text
    change = TierChange.objects.get()
    assert (change.changed_by, change.reason) == (cast.manager, "Strategic mill")


def test_a_tier_given_back_is_recomputed(client_as, cast, customer):
    volume(customer, 500)
    client = client_as(cast.manager)
    client.post(reverse("customers:tier", args=[customer.pk]), {"tier": "high", "reason": "Strategic mill"})
    client.post(reverse("customers:tier", args=[customer.pk]), {"release": "1"})
    recompute_tiers()
    customer.refresh_from_db()
    assert (customer.tier, customer.tier_pinned) == (Tier.LOW, False)


def test_setting_a_tier_by_hand_needs_a_reason(client_as, cast, customer):
    response = client_as(cast.manager).post(reverse("customers:tier", args=[customer.pk]), {"tier": "high"})
    assert "This field is required." in response.context["form"].errors["reason"]
    customer.refresh_from_db()
    assert customer.tier == Tier.GENERAL


def test_a_director_changes_a_tier_policy_and_tiers_follow(client_as, cast):
    mill = CustomerFactory(owner=cast.rep)
    volume(mill, 20000)
    recompute_tiers()
    policy = TierPolicy.objects.get(tier=Tier.HIGH)
    response = client_as(cast.director).post(reverse("customers:tier_policy_edit", args=["high"]), {
        "min_signed_amount": "30000000", "min_signed_tonnes": "15000", "max_contact_gap_days": "10",
        "service_strategy": policy.service_strategy, "service_strategy_zh": policy.service_strategy_zh})
    assert response.status_code == 302
    client_as(cast.director).post(reverse("customers:recompute_tiers"))
    mill.refresh_from_db()
    assert mill.tier == Tier.HIGH


def test_a_tier_policy_refuses_a_zero_day_contact_gap(client_as, cast):
    policy = TierPolicy.objects.get(tier=Tier.HIGH)
    response = client_as(cast.director).post(reverse("customers:tier_policy_edit", args=["high"]), {
        "min_signed_amount": "1", "min_signed_tonnes": "1", "max_contact_gap_days": "0",
        "service_strategy": policy.service_strategy})
    assert response.status_code == 200
    policy.refresh_from_db()
    assert policy.max_contact_gap_days == 7


def test_the_customer_page_shows_its_tiers_service_strategy_in_the_users_language(client_as, cast, customer):
    cast.rep.language = "zh-hans"
    cast.rep.save()
    page = client_as(cast.rep).get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "常规维护" in page


def test_tier_policies_exist_with_the_plans_default_contact_gaps(db):
    assert dict(TierPolicy.objects.values_list("tier", "max_contact_gap_days")) == {"high": 7, "general": 30, "low": 90}


# --- Surveys, commodities, hand-over ------------------------------------------------------------


def test_a_rep_records_a_survey_and_the_page_shows_the_averages(client_as, cast, customer):
    client = client_as(cast.rep)
    response = client.post(reverse("customers:survey_create", args=[customer.pk]), {
        "contact": customer.contacts.get().pk, "surveyed_on": "2026-11-01", "method": "visit",
        "product_quality": "4", "delivery": "3", "service": "5", "recommend": "9", "comment": "Happy with the pellets"})
    assert response.status_code == 302
    survey = SatisfactionSurvey.objects.get()
    assert (survey.recorded_by, survey.average) == (cast.rep, 4.0)
    summary = client.get(reverse("customers:section", args=[customer.pk, "service"])).context["survey_summary"]
    assert (summary["count"], summary["recommend"]) == (1, 9)


def test_the_page_lists_the_latest_twelve_surveys_and_averages_them_all(client_as, cast, customer):
    """The list and the averages come from one query (window aggregates over all the customer's surveys, before
    the list's limit): the averages are still of every survey, not of the twelve shown."""
    for day in range(1, 15):  # 14 surveys: the two oldest score 1 for quality, the rest 5
        SurveyFactory(customer=customer, surveyed_on=datetime.date(2026, 10, day), product_quality=1 if day <= 2 else 5,
                      delivery=3, service=4, recommend=day % 11)
    SurveyFactory(customer=CustomerFactory(owner=cast.rep), product_quality=1)  # another customer's: not counted
    context = client_as(cast.rep).get(reverse("customers:section", args=[customer.pk, "service"])).context
    assert [survey.surveyed_on.day for survey in context["surveys"]] == list(range(14, 2, -1))
    summary = context["survey_summary"]
    assert summary["count"] == 14
    assert (round(summary["quality"], 4), summary["delivery"], summary["service"]) == (round(62 / 14, 4), 3, 4)
    assert round(summary["recommend"], 4) == round(sum(day % 11 for day in range(1, 15)) / 14, 4)


def test_a_customer_without_surveys_says_so(client_as, cast, customer):
    response = client_as(cast.rep).get(reverse("customers:section", args=[customer.pk, "service"]))
    assert response.context["survey_summary"]["count"] == 0 and list(response.context["surveys"]) == []
    assert "No survey yet." in response.content.decode()


@pytest.mark.parametrize("field,value", [("product_quality", "6"), ("recommend", "11"), ("surveyed_on", "2099-01-01")])
def test_a_survey_out_of_range_is_refused(client_as, cast, customer, field, value):
    data = {"contact": "", "surveyed_on": "2026-11-01", "method": "phone", "product_quality": "4", "delivery": "4",
            "service": "4", "recommend": "8", "comment": ""} | {field: value}
    response = client_as(cast.rep).post(reverse("customers:survey_create", args=[customer.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not SatisfactionSurvey.objects.exists()


def test_a_survey_cannot_name_another_customers_contact(client_as, cast, customer):
    stranger = ContactFactory(customer=CustomerFactory(owner=cast.rep))
    response = client_as(cast.rep).post(reverse("customers:survey_create", args=[customer.pk]), {
        "contact": stranger.pk, "surveyed_on": "2026-11-01", "method": "phone", "product_quality": "4",
        "delivery": "4", "service": "4", "recommend": "8"})
    assert "Select a valid choice" in " ".join(response.context["form"].errors["contact"])


def test_a_director_adds_a_commodity(client_as, cast):
    client_as(cast.director).post(reverse("customers:commodity_create"), {"name": "Bauxite", "name_zh": "铝土矿"})
    page = client_as(cast.director).get(reverse("customers:commodities")).content.decode()
    assert "铝土矿" in page


def test_a_hand_over_moves_a_leaving_reps_customers(client_as, cast, customer):
    successor = UserFactory(position=Position.REP, team=cast.rep.team)
    response = client_as(cast.director).post(reverse("org:user_hand_over", args=[cast.rep.pk]),
                                             {"to_user": successor.pk, "reason": "Resigned", "deactivate": "on"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.owner == successor
    assert HandOver.objects.get().moved["customers.Customer.owner"] == 1


def test_the_list_finds_customers_not_contacted_within_their_tiers_cadence(client_as, cast):
    import datetime

    from django.utils import timezone

    now = timezone.now()
    CustomerFactory(name="High, called 10 days ago", owner=cast.rep, tier=Tier.HIGH,
                    last_contacted_at=now - datetime.timedelta(days=10))
    CustomerFactory(name="General, called 10 days ago", owner=cast.rep, tier=Tier.GENERAL,
                    last_contacted_at=now - datetime.timedelta(days=10))
    CustomerFactory(name="Low, called 100 days ago", owner=cast.rep, tier=Tier.LOW,
                    last_contacted_at=now - datetime.timedelta(days=100))
    CustomerFactory(name="Lost, never mind", owner=cast.rep, tier=Tier.LOW, status=Customer.Status.LOST,
                    last_contacted_at=now - datetime.timedelta(days=100))
    assert names_listed(client_as(cast.rep), overdue_contact="on") == {"High, called 10 days ago",
                                                                        "Low, called 100 days ago"}


def test_a_new_customer_is_the_reps_own_unless_they_choose_otherwise(client_as, cast):
    form = client_as(cast.rep).get(reverse("customers:create")).context["form"]
    assert form["owner"].value() == cast.rep.pk
