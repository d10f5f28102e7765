"""The access policy itself: who sees which people and which owned records, per position."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import access
from accounts.access import RecordKind
from accounts.models import Attendance, User

from .factories import AttendanceFactory, TrainingFactory


def visible_usernames(viewer):
    return set(access.users_visible_to(viewer).values_list("username", flat=True))


def test_a_director_sees_everyone(cast):
    assert visible_usernames(cast.director) == set(User.objects.values_list("username", flat=True))


def test_a_manager_sees_themselves_and_their_teams_members_only(cast):
    assert visible_usernames(cast.manager) == {"manager", "rep", "am"}


@pytest.mark.parametrize("role", ["rep", "account_manager", "service", "marketing"])
def test_everyone_else_sees_only_themselves(cast, role):
    viewer = cast.by_role(role)
    assert visible_usernames(viewer) == {viewer.username}


def test_a_deactivated_director_sees_nobody(cast):
    cast.director.is_active = False
    assert not access.users_visible_to(cast.director).exists()


@pytest.fixture
def attendance_records(cast):
    """Owned records of one kind, one per person, to exercise the owner-based rule."""
    training = TrainingFactory(created_by=cast.director)
    for person in User.objects.all():
        AttendanceFactory(training=training, attendee=person)
    return Attendance.objects.all()


def owners(viewer, records, kind):
    return set(access.owned_by_visible(viewer, records, kind, owner_field="attendee").values_list(
        "attendee__username", flat=True))


def test_the_people_a_user_sees_among_some_are_those_users_visible_to_gives(cast):
    """visible_user_ids answers most users without a query (the director, anyone about themselves): the same
    answer as users_visible_to, for every role, about every mix of people."""
    from itertools import combinations

    from django.contrib.auth.models import AnonymousUser

    inactive_director = User.objects.create(username="gone", position=cast.director.position, is_active=False)
    everyone = list(User.objects.values_list("pk", flat=True))
    viewers = [getattr(cast, role) for role in ("director", "manager", "rep", "account_manager", "other_manager",
                                                "other_rep", "service", "marketing")]
    for viewer in [*viewers, inactive_director, AnonymousUser()]:
        for size in (1, 2):
            for ids in combinations(everyone, size):
                expected = set(access.users_visible_to(viewer).filter(pk__in=ids).values_list("pk", flat=True))
                assert access.visible_user_ids(viewer, ids) == expected, (viewer, ids)
        if viewer.is_authenticated and viewer.is_active and not viewer.is_manager:
            with CaptureQueriesContext(connection) as queries:
                access.visible_user_ids(viewer, everyone)
            assert not queries.captured_queries


def test_owned_records_follow_the_hierarchy(cast, attendance_records):
    everyone = set(User.objects.values_list("username", flat=True))
    assert owners(cast.director, attendance_records, RecordKind.ATTENDANCE) == everyone
    assert owners(cast.manager, attendance_records, RecordKind.ATTENDANCE) == {"manager", "rep", "am"}
    assert owners(cast.rep, attendance_records, RecordKind.ATTENDANCE) == {"rep"}
    assert owners(cast.account_manager, attendance_records, RecordKind.ATTENDANCE) == {"am"}


def test_customer_service_sees_every_customer_and_complaint_but_no_deal(cast, attendance_records):
    everyone = set(User.objects.values_list("username", flat=True))
    assert owners(cast.service, attendance_records, RecordKind.CUSTOMER) == everyone
    assert owners(cast.service, attendance_records, RecordKind.COMPLAINT) == everyone
    assert owners(cast.service, attendance_records, RecordKind.DEAL) == set()


def test_marketing_sees_all_market_research_and_only_its_own_otherwise(cast, attendance_records):
    everyone = set(User.objects.values_list("username", flat=True))
    assert owners(cast.marketing, attendance_records, RecordKind.MARKET_RESEARCH) == everyone
    assert owners(cast.marketing, attendance_records, RecordKind.CUSTOMER) == {"marketing"}


def test_every_seller_reads_all_market_research_and_customer_service_none(cast, attendance_records):
    everyone = set(User.objects.values_list("username", flat=True))
    for seller in (cast.rep, cast.account_manager, cast.other_manager):
        assert owners(seller, attendance_records, RecordKind.MARKET_RESEARCH) == everyone
    assert owners(cast.service, attendance_records, RecordKind.MARKET_RESEARCH) == set()


def test_teams_are_visible_to_the_director_and_to_their_own_manager(cast):
    assert access.teams_visible_to(cast.director).count() == 2
    assert [team.manager for team in access.teams_visible_to(cast.manager)] == [cast.manager]
    assert not access.teams_visible_to(cast.rep).exists()


def test_who_sees_a_whole_team_sees_every_record_its_scorecard_counts(cast):
    """A team's page skips the visibility condition for whoever sees the whole team (`access.of_team`): that
    is sound only if they see every deal, activity and complaint of the team's people, its manager's own too."""
    from accounts.models import Team
    from customers import selectors as customer_selectors
    from customers.models import Complaint
    from pipeline import selectors as pipeline_selectors
    from pipeline.models import Activity, Deal
    from targets.kpis import scoring_team_q

    from .factories import ActivityFactory, ComplaintFactory, CustomerFactory, DealFactory

    sellers = [cast.manager, cast.rep, cast.account_manager, cast.other_manager, cast.other_rep]
    for owner in sellers:
        customer = CustomerFactory(owner=owner)
        DealFactory(owner=owner, customer=customer)
        # A deal shared with a seller of the other team: its second seller's manager sees it too.
        DealFactory(owner=owner, customer=customer, co_seller=sellers[-1 - sellers.index(owner)], co_seller_share=30)
        ActivityFactory(owner=owner, customer=customer)
        ComplaintFactory(customer=customer)
    everyone = [cast.director, cast.manager, cast.rep, cast.account_manager, cast.other_manager, cast.other_rep,
                cast.service, cast.marketing]
    for team in Team.objects.all():
        seeing = {viewer.username for viewer in everyone if access.sees_whole_team(viewer, team)}
        assert seeing == {"director", team.manager.username}
        for viewer in everyone:
            for records, visible, person in [
                (Deal.objects.all(), pipeline_selectors.deals_visible_to, "owner"),
                (Activity.objects.all(), pipeline_selectors.activities_visible_to, "owner"),
                (Complaint.objects.all(), customer_selectors.complaints_visible_to, "customer__owner"),
            ]:
                team_records = records.filter(scoring_team_q(team, person))
                assert team_records.exists()
                picked = set(access.of_team(viewer, team, records, visible).filter(scoring_team_q(team, person)))
                assert picked == set(visible(viewer).filter(scoring_team_q(team, person)))
                if viewer.username in seeing:
                    assert picked == set(team_records)


def test_the_records_of_a_contract_are_those_of_the_deals_a_user_sees_whoever_asks(cast):
    """`of_visible_deals` reads a seller's own few contracts first (accounts.sql.InFirstRead) and a manager's
    team's as a semi-join: either way, exactly the records of the deals `deals_visible_to` gives."""
    from django.contrib.auth.models import AnonymousUser

    from customers.models import Customer
    from pipeline import selectors as pipeline_selectors
    from pipeline.receivables.models import Invoice

    from .factories import CustomerFactory, DealFactory, InvoiceFactory

    for owner, co_seller in [(cast.rep, None), (cast.other_rep, cast.rep), (cast.other_rep, None),
                             (cast.account_manager, None), (cast.manager, cast.other_rep)]:
        deal = DealFactory(customer=CustomerFactory(owner=owner), co_seller=co_seller,
                           **({"co_seller_share": 30} if co_seller else {}))
        InvoiceFactory(deal=deal)
    for viewer in [cast.director, cast.manager, cast.other_manager, cast.rep, cast.account_manager, cast.other_rep,
                   cast.service, cast.marketing, AnonymousUser()]:
        seen = set(pipeline_selectors.of_visible_deals(viewer, Invoice.objects.all()).values_list("deal", flat=True))
        deals = pipeline_selectors.deals_visible_to(viewer) if viewer.is_authenticated else []
        assert seen == {deal.pk for deal in deals if deal.invoices.exists()}, viewer
        # Those of one customer's contracts (the customer's page), read from its contracts: the same records.
        for customer in Customer.objects.filter(deals__invoices__isnull=False).distinct():
            of_customer = pipeline_selectors.of_visible_deals(viewer, Invoice.objects.all(), customer)
            assert set(of_customer.values_list("deal", flat=True)) == {
                deal.pk for deal in deals if deal.customer_id == customer.pk and deal.invoices.exists()}, viewer
    assert len(set(pipeline_selectors.of_visible_deals(cast.rep, Invoice.objects.all()))) == 2  # own, and co-sold


def test_the_payments_a_user_sees_are_those_of_the_customers_whose_deals_they_see(cast):
    """`payments_visible_to` reads a seller's own customers first (accounts.sql.InFirstRead) and a manager's and
    the director's through the customer's owner: either way, the payments of exactly the customers whose owner's
    deals the user sees; customer service sees none."""
    from django.contrib.auth.models import AnonymousUser

    from pipeline.receivables.selectors import payments_visible_to

    from .factories import CustomerFactory, PaymentFactory

    owners = [cast.rep, cast.other_rep, cast.account_manager, cast.manager, cast.other_manager]
    paid = {owner: {PaymentFactory(customer=CustomerFactory(owner=owner)).pk for _n in range(2)} for owner in owners}
    expected = {
        cast.director: set().union(*paid.values()),
        cast.manager: paid[cast.manager] | {pk for owner in owners if owner.team_id and owner.team.manager_id ==
                                            cast.manager.pk for pk in paid[owner]},
        cast.rep: paid[cast.rep],
        cast.other_rep: paid[cast.other_rep],
        cast.account_manager: paid[cast.account_manager],
        cast.service: set(),
        AnonymousUser(): set(),
    }
    for viewer, payments in expected.items():
        assert set(payments_visible_to(viewer).values_list("pk", flat=True)) == payments, viewer
    assert len(expected[cast.manager]) > len(paid[cast.manager])  # their team's too


def test_the_deals_a_user_sees_are_the_same_with_their_people_read_first(cast):
    """`deals_visible_to(read_first=True)` (a manager's people read first, for the laycan calendar's index) and
    `deals_visible_to(whole_list=True)` (the whole deal list) give exactly the deals of the plain shape for every
    position: the owners' and the second sellers'."""
    from django.contrib.auth.models import AnonymousUser

    from pipeline import selectors as pipeline_selectors

    from .factories import CustomerFactory, DealFactory

    sellers = [cast.manager, cast.rep, cast.account_manager, cast.other_manager, cast.other_rep]
    for owner in sellers:
        customer = CustomerFactory(owner=owner)
        DealFactory(owner=owner, customer=customer)
        DealFactory(owner=owner, customer=customer, co_seller=sellers[-1 - sellers.index(owner)], co_seller_share=30)
    for viewer in [cast.director, *sellers, cast.service, cast.marketing, AnonymousUser()]:
        plain = set(pipeline_selectors.deals_visible_to(viewer))
        assert set(pipeline_selectors.deals_visible_to(viewer, read_first=True)) == plain, viewer
        # The whole deal list's shape (a seller's keys read first): the same deals again.
        assert set(pipeline_selectors.deals_visible_to(viewer, whole_list=True)) == plain, viewer
    assert len(set(pipeline_selectors.deals_visible_to(cast.other_manager, read_first=True))) == 6  # 2 x 2 + 2 shared
    assert len(set(pipeline_selectors.deals_visible_to(cast.director, read_first=True))) == 10


def test_the_activities_a_user_sees_are_those_of_the_customers_they_see_and_the_follow_ups_handed_to_them(cast):
    """`activities_visible_to`, in both its shapes (the customers seen as a subquery, or read first for a whole
    list: accounts.sql.InFirstRead; a page of the whole list either way, by position), OR-ed with the follow-ups
    handed to the user: exactly the activities of the customers `customers_visible_to` gives, and those whose next
    step is theirs, for every position."""
    from django.contrib.auth.models import AnonymousUser

    from customers import selectors as customer_selectors
    from pipeline import selectors as pipeline_selectors
    from pipeline.models import Activity

    from .factories import ActivityFactory, CustomerFactory

    sellers = [cast.manager, cast.rep, cast.account_manager, cast.other_manager, cast.other_rep]
    for owner in sellers:
        customer = CustomerFactory(owner=owner)
        ActivityFactory(owner=owner, customer=customer)
        # A follow-up on this customer handed to a seller of the other team.
        ActivityFactory(owner=owner, customer=customer, next_step="Call back",
                        next_step_owner=sellers[-1 - sellers.index(owner)])
    for viewer in [cast.director, *sellers]:
        customers = set(customer_selectors.customers_visible_to(viewer))
        expected = {activity for activity in Activity.objects.all()
                    if activity.customer in customers or activity.next_step_owner_id == viewer.pk}
        for whole_list, page in ((False, False), (True, False), (True, True)):
            visible = pipeline_selectors.activities_visible_to(viewer, whole_list=whole_list, page=page)
            assert set(visible) == expected, (viewer, whole_list, page)
            assert visible.count() == len(expected)
            assert set(visible.filter(owner=viewer)) == {activity for activity in expected if activity.owner == viewer}
    assert len(expected) < Activity.objects.count() == 10  # the last seller sees some, not all
    assert len(set(pipeline_selectors.activities_visible_to(cast.rep))) == 3  # their customer's two, one handed
    assert not pipeline_selectors.activities_visible_to(AnonymousUser()).exists()
