"""Every organisation page, opened as every position: 200 where allowed, 403 for a page the
position may not use, 404 for a record outside the user's scope, sign-in for anonymous visitors."""

import pytest
from django.urls import reverse

from .access import assert_answers, each_role_and, expect
from .conftest import ROLES
from .factories import AttendanceFactory, TrainingFactory

OK, FORBIDDEN, MISSING = 200, 403, 404
DIRECTOR_ONLY = {role: FORBIDDEN for role in ROLES} | {"director": OK}
EVERYONE = {role: OK for role in ROLES}


@pytest.fixture
def training(cast):
    """A director's training that the rep of team A attends."""
    training = TrainingFactory(created_by=cast.director)
    AttendanceFactory(training=training, attendee=cast.rep)
    return training


# (name, url builder, expected status per role)
PAGES = [
    ("profile", lambda c, t: reverse("accounts:profile"), expect(EVERYONE)),
    ("profile edit", lambda c, t: reverse("accounts:profile_edit"), expect(EVERYONE)),
    ("password change", lambda c, t: reverse("accounts:password_change"), expect(EVERYONE)),
    ("user list", lambda c, t: reverse("org:user_list"), expect(DIRECTOR_ONLY)),
    ("user create", lambda c, t: reverse("org:user_create"), expect(DIRECTOR_ONLY)),
    (
        "a rep's profile",
        lambda c, t: reverse("org:user_detail", args=[c.rep.pk]),
        expect({role: MISSING for role in ROLES}, director=OK, manager=OK, rep=OK),
    ),
    ("user edit", lambda c, t: reverse("org:user_edit", args=[c.rep.pk]), expect(DIRECTOR_ONLY)),
    ("hand-over", lambda c, t: reverse("org:user_hand_over", args=[c.rep.pk]), expect(DIRECTOR_ONLY)),
    ("hand-over list", lambda c, t: reverse("org:handover_list"), expect(DIRECTOR_ONLY)),
    ("department list", lambda c, t: reverse("org:department_list"), expect(DIRECTOR_ONLY)),
    ("department create", lambda c, t: reverse("org:department_create"), expect(DIRECTOR_ONLY)),
    (
        "department edit",
        lambda c, t: reverse("org:department_edit", args=[c.rep.department_id]),
        expect(DIRECTOR_ONLY),
    ),
    (
        "team list",
        lambda c, t: reverse("org:team_list"),
        expect({role: FORBIDDEN for role in ROLES}, director=OK, manager=OK, other_manager=OK),
    ),
    (
        "team page",
        lambda c, t: reverse("org:team_detail", args=[c.rep.team_id]),
        expect({role: FORBIDDEN for role in ROLES}, director=OK, manager=OK, other_manager=MISSING),
    ),
    ("team create", lambda c, t: reverse("org:team_create"), expect(DIRECTOR_ONLY)),
    ("team edit", lambda c, t: reverse("org:team_edit", args=[c.rep.team_id]), expect(DIRECTOR_ONLY)),
    ("training list", lambda c, t: reverse("training:list"), expect(EVERYONE)),
    (
        "training page",
        lambda c, t: reverse("training:detail", args=[t.pk]),
        expect({role: MISSING for role in ROLES}, director=OK, manager=OK, rep=OK),
    ),
    (
        "training create",
        lambda c, t: reverse("training:create"),
        expect({role: FORBIDDEN for role in ROLES}, director=OK, manager=OK, other_manager=OK),
    ),
    (
        "training edit",
        lambda c, t: reverse("training:edit", args=[t.pk]),
        # The rep's manager sees the training but did not plan it; team B's manager does not see it.
        expect({role: FORBIDDEN for role in ROLES}, director=OK, other_manager=MISSING),
    ),
    (
        "attendance",
        lambda c, t: reverse("training:attendance", args=[t.pk]),
        expect({role: FORBIDDEN for role in ROLES}, director=OK, other_manager=MISSING),
    ),
]


@each_role_and("name,url,expected", PAGES)
def test_each_page_answers_each_position_as_the_policy_says(client_as, cast, training, role, name, url, expected):
    assert_answers(client_as(cast.by_role(role)).get(url(cast, training)), expected[role], f"{name} as {role}")


@pytest.mark.parametrize(
    "route",
    ["org:user_edit", "org:user_hand_over", "org:user_set_active"],
)
@pytest.mark.parametrize("role", ["manager", "rep", "service", "marketing"])
def test_only_a_director_can_post_to_change_people(client_as, cast, route, role):
    response = client_as(cast.by_role(role)).post(reverse(route, args=[cast.other_rep.pk]), {"active": "0"})
    assert response.status_code == FORBIDDEN
    cast.other_rep.refresh_from_db()
    assert cast.other_rep.is_active


def test_a_manager_cannot_open_another_teams_member(client_as, cast):
    response = client_as(cast.manager).get(reverse("org:user_detail", args=[cast.other_rep.pk]))
    assert response.status_code == MISSING


def test_missing_and_out_of_scope_records_look_the_same(client_as, cast):
    client = client_as(cast.rep)
    assert client.get(reverse("org:user_detail", args=[cast.other_rep.pk])).status_code == MISSING
    assert client.get(reverse("org:user_detail", args=[999999])).status_code == MISSING
