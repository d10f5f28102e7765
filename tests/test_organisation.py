"""A director runs the organisation: people, departments, teams, deactivation and hand-overs."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Department, HandOver, Position, Team, User

from .factories import PASSWORD, DepartmentFactory, UserFactory
from .queries import assert_queries_pinned


@pytest.fixture
def director_client(client, cast):
    client.force_login(cast.director)
    return client


def new_user_form(cast, **overrides):
    return {
        "full_name": "孙悦",
        "username": "sunyue",
        "email": "sunyue@example.com",
        "phone": "+86 138 1234 5678",
        "position": Position.REP,
        "department": cast.rep.department_id,
        "team": cast.rep.team_id,
        "password1": "Grain-cargo-2026!",
        "password2": "Grain-cargo-2026!",
    } | overrides


def test_a_director_creates_a_rep_who_can_then_sign_in(director_client, cast, client):
    response = director_client.post(reverse("org:user_create"), new_user_form(cast))
    person = User.objects.get(username="sunyue")
    assert response.status_code == 302
    assert (person.full_name, person.position, person.team) == ("孙悦", Position.REP, cast.rep.team)
    client.logout()
    assert client.post("/accounts/login/", {"username": "sunyue", "password": "Grain-cargo-2026!"}).status_code == 302


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"username": "rep"}, "username", "A user with that username already exists."),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"email": ""}, "email", "This field is required."),
        ({"password2": "something-else-1"}, "password2", "The two password fields didn"),
        ({"position": "admiral"}, "position", "Select a valid choice."),
    ],
)
def test_bad_input_on_the_new_user_form_is_explained_and_nothing_is_saved(director_client, cast, overrides, field,
                                                                         message):
    before = User.objects.count()
    response = director_client.post(reverse("org:user_create"), new_user_form(cast, **overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert User.objects.count() == before


def test_a_director_moves_a_rep_to_another_team(director_client, cast):
    other_team = cast.other_rep.team
    form = new_user_form(cast, username="rep", email="rep@example.com", full_name="Rep A", team=other_team.pk)
    response = director_client.post(reverse("org:user_edit", args=[cast.rep.pk]), form)
    assert response.status_code == 302
    cast.rep.refresh_from_db()
    assert cast.rep.team == other_team


def test_a_manager_who_still_manages_a_team_cannot_become_a_rep(director_client, cast):
    form = new_user_form(
        cast, username="manager", email="manager@example.com", position=Position.REP, team=""
    )
    response = director_client.post(reverse("org:user_edit", args=[cast.manager.pk]), form)
    assert response.status_code == 200
    assert "hand the team over" in " ".join(response.context["form"].errors["position"])
    cast.manager.refresh_from_db()
    assert cast.manager.position == Position.MANAGER


def test_a_deactivated_user_cannot_sign_in_but_stays_listed(director_client, cast, client):
    response = director_client.post(reverse("org:user_set_active", args=[cast.rep.pk]), {"active": "0"})
    assert response.status_code == 302
    cast.rep.refresh_from_db()
    assert not cast.rep.is_active
    listing = director_client.get(reverse("org:user_list"), {"is_active": "0"})
    assert [person.username for person in listing.context["page"]] == ["rep"]
    client.logout()
    assert client.post("/accounts/login/", {"username": "rep", "password": PASSWORD}).status_code == 200


def test_a_director_can_reactivate_a_user(director_client, cast):
    User.objects.filter(pk=cast.rep.pk).update(is_active=False)
    director_client.post(reverse("org:user_set_active", args=[cast.rep.pk]), {"active": "1"})
    cast.rep.refresh_from_db()
    assert cast.rep.is_active


def test_a_manager_of_a_team_cannot_be_deactivated_before_a_hand_over(director_client, cast):
    response = director_client.post(reverse("org:user_set_active", args=[cast.manager.pk]), {"active": "0"},
                                    follow=True)
    assert "still manages a team" in response.content.decode()
    cast.manager.refresh_from_db()
    assert cast.manager.is_active


def test_a_director_cannot_deactivate_themselves(director_client, cast):
    director_client.post(reverse("org:user_set_active", args=[cast.director.pk]), {"active": "0"})
    cast.director.refresh_from_db()
    assert cast.director.is_active


def test_the_user_list_filters_by_position_team_and_search(director_client, cast):
    def usernames(**params):
        return {person.username for person in director_client.get(reverse("org:user_list"), params).context["page"]}

    assert usernames(position=Position.MANAGER) == {"manager", "manager_b"}
    assert usernames(team=cast.rep.team_id) == {"rep", "am"}
    assert usernames(q="Rep ") == {"rep", "rep_b"}


def test_the_user_list_costs_the_same_queries_however_many_users(director_client, cast):
    _, response = assert_queries_pinned(
        7, lambda: director_client.get(reverse("org:user_list")),
        lambda: UserFactory.create_batch(40, team=cast.rep.team, department=cast.rep.department))
    assert len(response.context["page"]) == 48


def test_a_director_adds_and_renames_a_department(director_client):
    director_client.post(reverse("org:department_create"), {"name": "Logistics", "name_zh": "物流部"})
    department = Department.objects.get(name="Logistics")
    director_client.post(reverse("org:department_edit", args=[department.pk]),
                         {"name": "Shipping", "name_zh": "航运部"})
    department.refresh_from_db()
    assert (department.name, department.name_zh) == ("Shipping", "航运部")


def test_a_department_name_must_be_unique(director_client, cast):
    response = director_client.post(reverse("org:department_create"), {"name": "Sales"})
    assert "already exists" in " ".join(response.context["form"].errors["name"])


def test_the_department_list_counts_members_and_teams_in_the_database(director_client, cast):
    def more_departments():
        for number in range(5):
            UserFactory.create_batch(3, department=DepartmentFactory(name=f"Department {number}"))

    response, _ = assert_queries_pinned(4, lambda: director_client.get(reverse("org:department_list")),
                                        more_departments)
    sales = next(d for d in response.context["departments"] if d.name == "Sales")
    assert (sales.member_count, sales.team_count) == (6, 2)


def test_a_director_creates_a_team_and_its_members_move_into_it(director_client, cast):
    response = director_client.post(
        reverse("org:team_create"),
        {
            "name": "Grain team",
            "name_zh": "粮食组",
            "department": cast.rep.department_id,
            "manager": cast.other_manager.pk,
            "members": [cast.rep.pk, cast.other_rep.pk],
        },
    )
    team = Team.objects.get(name="Grain team")
    assert response.status_code == 302
    assert set(team.members.values_list("username", flat=True)) == {"rep", "rep_b"}


def test_removing_a_member_from_a_team_leaves_them_without_one(director_client, cast):
    team = cast.rep.team
    director_client.post(
        reverse("org:team_edit", args=[team.pk]),
        {"name": team.name, "department": team.department_id, "manager": team.manager_id, "members": [cast.rep.pk]},
    )
    cast.account_manager.refresh_from_db()
    assert cast.account_manager.team is None
    assert list(team.members.all()) == [cast.rep]


def test_a_team_manager_must_be_a_manager_or_director(director_client, cast):
    team = cast.rep.team
    response = director_client.post(
        reverse("org:team_edit", args=[team.pk]),
        {"name": team.name, "department": team.department_id, "manager": cast.rep.pk},
    )
    assert "Select a valid choice" in " ".join(response.context["form"].errors["manager"])


def test_a_manager_sees_their_team_page_with_its_members(client, cast):
    client.force_login(cast.manager)
    response = client.get(reverse("org:team_detail", args=[cast.rep.team_id]))
    assert {person.username for person in response.context["members"]} == {"rep", "am"}


def test_team_names_show_in_the_users_language(client, cast):
    client.force_login(cast.manager)
    cast.manager.language = "zh-hans"
    cast.manager.save()
    assert "煤炭组" in client.get(reverse("org:team_list")).content.decode()


# --- Hand-over ----------------------------------------------------------------------------------


def test_a_hand_over_moves_everything_the_leaver_owns_and_is_recorded(director_client, cast):
    successor = UserFactory(username="successor", position=Position.MANAGER)
    leaving_team = cast.rep.team
    response = director_client.post(
        reverse("org:user_hand_over", args=[cast.manager.pk]),
        {"to_user": successor.pk, "reason": "Moved to the Singapore office", "deactivate": "on"},
    )
    assert response.status_code == 302
    leaving_team.refresh_from_db()
    cast.manager.refresh_from_db()
    assert leaving_team.manager == successor
    assert not cast.manager.is_active
    record = HandOver.objects.get()
    assert (record.from_user, record.to_user, record.done_by) == (cast.manager, successor, cast.director)
    assert record.moved == {"accounts.Team.manager": 1}
    assert record.reason == "Moved to the Singapore office"
    listing = director_client.get(reverse("org:handover_list")).content.decode()
    assert "Moved to the Singapore office" in listing
    # When, with its date kept on one line (accounts/templatetags/moments.py).
    assert f'<td class="cell-title"><span class="text-nowrap">{timezone.localdate():%Y-%m-%d}</span> ' in listing


def test_a_hand_over_is_all_or_nothing(director_client, cast, monkeypatch):
    successor = UserFactory(username="successor", position=Position.MANAGER)
    team = cast.rep.team

    def fail(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(HandOver.objects, "create", fail)
    with pytest.raises(RuntimeError):
        director_client.post(
            reverse("org:user_hand_over", args=[cast.manager.pk]),
            {"to_user": successor.pk, "reason": "leaving", "deactivate": "on"},
        )
    team.refresh_from_db()
    cast.manager.refresh_from_db()
    assert team.manager == cast.manager
    assert cast.manager.is_active


def test_a_team_cannot_be_handed_to_a_rep(director_client, cast):
    response = director_client.post(
        reverse("org:user_hand_over", args=[cast.manager.pk]),
        {"to_user": cast.other_rep.pk, "reason": "leaving", "deactivate": "on"},
    )
    assert response.status_code == 200
    assert "cannot take over teams managed" in response.content.decode()
    assert not HandOver.objects.exists()
    cast.manager.refresh_from_db()
    assert cast.manager.is_active


def test_records_cannot_be_handed_to_a_deactivated_user(director_client, cast):
    User.objects.filter(pk=cast.other_rep.pk).update(is_active=False)
    response = director_client.post(
        reverse("org:user_hand_over", args=[cast.rep.pk]), {"to_user": cast.other_rep.pk, "reason": "leaving"}
    )
    assert "Select a valid choice" in " ".join(response.context["form"].errors["to_user"])
    assert not HandOver.objects.exists()


def test_a_hand_over_needs_a_reason(director_client, cast):
    response = director_client.post(reverse("org:user_hand_over", args=[cast.rep.pk]), {"to_user": cast.other_rep.pk})
    assert "This field is required." in response.context["form"].errors["reason"]


def test_a_department_in_use_by_a_team_survives(cast):
    # Departments are referenced by teams and people; the database refuses to orphan them.
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        Department.objects.get(name="Sales").delete()

