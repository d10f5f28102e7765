"""Quarterly targets (销售目标): the director sets and adjusts each team's targets, the team's manager splits
them among the reps, reps read their own share; every change keeps old and new value, who, when and why."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from accounts.models import Position
from targets.models import RepTarget, ScoreWeights, TargetRevision, TeamTarget
from targets.periods import quarter_of

from .conftest import ROLES
from .factories import RepTargetFactory, TeamFactory, TeamTargetFactory, UserFactory
from .queries import assert_queries_pinned

YEAR, QUARTER = 2026, 4


@pytest.fixture
def team_a(cast):
    return cast.rep.team


@pytest.fixture
def team_b(cast):
    return cast.other_rep.team


@pytest.fixture
def target_a(team_a):
    """Team A's Q4: 100 million, 500,000 t, 10 contracts, 4 new customers, satisfaction at least 4."""
    return TeamTargetFactory(team=team_a, year=YEAR, quarter=QUARTER)


def url(name: str, *args) -> str:
    return reverse(f"targets:{name}", args=args)


def team_form(**overrides) -> dict:
    return {
        "sales_amount": "120000000", "tonnage": "600000", "signed_contracts": "12", "new_customers": "5",
        "min_satisfaction": "4.2", "reason": "",
    } | overrides


def split_form(rows: list, reason: str = "") -> dict:
    """rows: (rep, sales amount, tonnage, contracts, new customers), in the page's order (by name)."""
    data = {"shares-TOTAL_FORMS": len(rows), "shares-INITIAL_FORMS": len(rows), "shares-MIN_NUM_FORMS": 0,
            "shares-MAX_NUM_FORMS": 1000, "reason": reason}
    for index, (rep, amount, tonnage, contracts, customers) in enumerate(rows):
        data |= {f"shares-{index}-rep": rep.pk, f"shares-{index}-sales_amount": amount,
                 f"shares-{index}-tonnage": tonnage, f"shares-{index}-signed_contracts": contracts,
                 f"shares-{index}-new_customers": customers}
    return data


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and reverse("accounts:login") in response["Location"]


# --- Who may open what -------------------------------------------------------------------------

EVERY_SELLER = {"director": 200, "manager": 200, "rep": 200, "account_manager": 200, "other_manager": 200,
                "other_rep": 200, "service": 403, "marketing": 403}
DIRECTOR_ONLY = {role: 403 for role in ROLES if role != "anonymous"} | {"director": 200}
TEAM_A_PAGES = DIRECTOR_ONLY | {"manager": 200, "other_manager": 404}

PAGES = {
    "quarter (current)": (lambda team: url("quarter"), EVERY_SELLER),
    "quarter": (lambda team: url("quarter", YEAR, QUARTER), EVERY_SELLER),
    "team_edit": (lambda team: url("team_edit", YEAR, QUARTER, team.pk), DIRECTOR_ONLY),
    "split": (lambda team: url("split", YEAR, QUARTER, team.pk), TEAM_A_PAGES),
    "history": (lambda team: url("history", YEAR, QUARTER, team.pk), TEAM_A_PAGES),
    "weights": (lambda team: url("weights"), DIRECTOR_ONLY),
}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_opens_for_exactly_the_right_people(client_as, cast, target_a, role, page):
    make_url, expected = PAGES[page]
    response = client_as(cast.by_role(role)).get(make_url(target_a.team))
    if role == "anonymous":
        assert is_login_redirect(response)
    else:
        assert response.status_code == expected[role]


POSTS = {
    "team_edit": (lambda team: url("team_edit", YEAR, QUARTER, team.pk), team_form(reason="Market up")),
    "split": (lambda team: url("split", YEAR, QUARTER, team.pk), {}),
    "copy_forward": (lambda team: url("copy_forward", YEAR, QUARTER), {"uplift_percent": "10"}),
    "weights": (lambda team: url("weights"), {"sales_amount": 100, "signed_contracts": 0, "new_customers": 0,
                                              "satisfaction": 0, "sales_cycle": 0}),
}
WRONG_POSTERS = {
    "team_edit": {role: 403 for role in DIRECTOR_ONLY if role != "director"},
    "split": {role: code for role, code in TEAM_A_PAGES.items() if code != 200},
    "copy_forward": {role: 403 for role in DIRECTOR_ONLY if role != "director"},
    "weights": {role: 403 for role in DIRECTOR_ONLY if role != "director"},
}


@pytest.mark.parametrize("action,role", [
    (action, role) for action in POSTS for role in ROLES if role == "anonymous" or role in WRONG_POSTERS[action]
])
def test_nobody_else_can_post_and_nothing_changes(client_as, cast, target_a, role, action):
    make_url, data = POSTS[action]
    if action == "split":
        data = split_form([(cast.account_manager, "1", "1", "1", "1"), (cast.rep, "1", "1", "1", "1")], "Stretch")
    response = client_as(cast.by_role(role)).post(make_url(target_a.team), data)
    if role == "anonymous":
        assert is_login_redirect(response)
    else:
        assert response.status_code == WRONG_POSTERS[action][role]
    assert TargetRevision.objects.count() == 0
    assert TeamTarget.objects.count() == 1 and not RepTarget.objects.exists()
    assert ScoreWeights.current().sales_amount == 40


def test_a_director_gets_404_for_an_unknown_team_or_quarter(client_as, cast):
    director = client_as(cast.director)
    for page in ("team_edit", "split", "history"):
        assert director.get(url(page, YEAR, QUARTER, 999_999)).status_code == 404
    assert director.get(url("quarter", YEAR, 5)).status_code == 404
    assert director.get(url("quarter", 1999, 1)).status_code == 404


def test_copying_forward_is_a_post(client_as, cast):
    assert client_as(cast.director).get(url("copy_forward", YEAR, QUARTER)).status_code == 405


# --- The director sets and adjusts team targets -------------------------------------------------


def test_a_director_sets_then_adjusts_a_team_target_and_the_revision_keeps_old_new_who_why(client_as, cast,
                                                                                            team_a):
    director = client_as(cast.director)
    response = director.post(url("team_edit", YEAR, QUARTER, team_a.pk), team_form())
    assert response.status_code == 302
    target = TeamTarget.objects.get(team=team_a, year=YEAR, quarter=QUARTER)
    assert (target.sales_amount, target.signed_contracts, target.min_satisfaction) == (
        Decimal(120000000), 12, Decimal("4.2"))
    assert TargetRevision.objects.filter(team_target=target, old_value__isnull=True).count() == 5

    response = director.post(url("team_edit", YEAR, QUARTER, team_a.pk),
                             team_form(sales_amount="135000000", reason="Steel mills restocking"))
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.sales_amount == Decimal(135000000)
    revision = TargetRevision.objects.filter(team_target=target).exclude(old_value__isnull=True).get()
    assert (revision.figure, revision.old_value, revision.new_value) == (
        "sales_amount", Decimal(120000000), Decimal(135000000))
    assert (revision.by, revision.reason, revision.rep) == (cast.director, "Steel mills restocking", None)
    assert revision.at is not None


def test_adjusting_a_target_needs_a_reason_shown_on_the_form_and_nothing_changes(client_as, cast, target_a):
    response = client_as(cast.director).post(url("team_edit", YEAR, QUARTER, target_a.team.pk),
                                             team_form(sales_amount="90000000"))
    assert response.status_code == 200
    assert "Say why the target changes." in response.context["form"].non_field_errors()
    assert "Say why the target changes." in response.content.decode()
    target_a.refresh_from_db()
    assert target_a.sales_amount == Decimal(100000000)
    assert not TargetRevision.objects.exists()


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("sales_amount", "-1", "greater than or equal to 0"),
        ("tonnage", "-0.5", "greater than or equal to 0"),
        ("signed_contracts", "-1", "greater than or equal to 0"),
        ("new_customers", "2.5", "Enter a whole number."),
        ("min_satisfaction", "5.5", "less than or equal to 5"),
        ("min_satisfaction", "-1", "greater than or equal to 0"),
        ("sales_amount", "a lot", "Enter a number."),
        ("tonnage", "", "This field is required."),
    ],
)
def test_bad_figures_are_explained_and_nothing_is_saved(client_as, cast, team_a, field, value, message):
    response = client_as(cast.director).post(url("team_edit", YEAR, QUARTER, team_a.pk), team_form(**{field: value}))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not TeamTarget.objects.exists() and not TargetRevision.objects.exists()


def test_the_service_refuses_negative_targets_from_any_door(cast, team_a):
    from accounts.services import RuleError
    from targets.services import team_target_set

    with pytest.raises(RuleError):
        team_target_set(team=team_a, year=YEAR, quarter=QUARTER, by=cast.director,
                        figures={"sales_amount": Decimal(-5), "tonnage": Decimal(0), "signed_contracts": 0,
                                 "new_customers": 0, "min_satisfaction": Decimal(4)})
    assert not TeamTarget.objects.exists()


def test_the_director_sees_every_team_and_what_is_missing(client_as, cast, target_a, team_b):
    response = client_as(cast.director).get(url("quarter", YEAR, QUARTER))
    rows = {row.team: row for row in response.context["teams"]}
    assert set(rows) == {target_a.team, team_b}
    assert rows[team_b].target is None
    assert rows[target_a.team].unallocated and not rows[target_a.team].over
    page = response.content.decode()
    assert "Not fully allocated" in page and "No targets set for this quarter." in page
    assert url("team_edit", YEAR, QUARTER, team_b.pk) in page
    assert url("copy_forward", YEAR, QUARTER) in page and url("weights") in page


def test_a_manager_sees_only_their_teams_and_cannot_change_team_targets(client_as, cast, target_a, team_b):
    TeamTargetFactory(team=team_b, year=YEAR, quarter=QUARTER)
    response = client_as(cast.manager).get(url("quarter", YEAR, QUARTER))
    assert [row.team for row in response.context["teams"]] == [target_a.team]
    page = response.content.decode()
    assert f'href="{url("split", YEAR, QUARTER, target_a.team.pk)}"' in page
    assert f'href="{url("team_edit", YEAR, QUARTER, target_a.team.pk)}"' not in page
    assert url("copy_forward", YEAR, QUARTER) not in page


def test_the_quarter_page_opens_on_the_current_quarter_with_links_either_side(client_as, cast):
    year, quarter = quarter_of(timezone.localdate())
    response = client_as(cast.director).get(url("quarter"))
    assert (response.context["year"], response.context["quarter"]) == (year, quarter)
    assert response.context["previous"] and response.context["next"]


# --- The manager splits them among the reps -------------------------------------------------------


def test_a_manager_splits_and_the_overview_shows_what_is_left(client_as, cast, target_a):
    manager = client_as(cast.manager)
    response = manager.post(url("split", YEAR, QUARTER, target_a.team.pk), split_form([
        (cast.account_manager, "30000000", "150000", "3", "1"),
        (cast.rep, "40000000", "200000", "4", "1"),
    ]))
    assert response.status_code == 302
    shares = {share.rep: share for share in RepTarget.objects.all()}
    assert shares[cast.rep].sales_amount == Decimal(40000000)
    assert shares[cast.account_manager].signed_contracts == 3
    revisions = TargetRevision.objects.filter(rep=cast.rep)
    assert [(r.reason_code, r.reason) for r in revisions] == [(TargetRevision.Reason.SPLIT, "")] * 4

    response = manager.get(url("quarter", YEAR, QUARTER))
    row = response.context["teams"][0]
    left = {figure.name: figure.left for figure in row.figures if figure.left is not None}
    assert left == {"sales_amount": Decimal(30000000), "tonnage": Decimal(150000), "signed_contracts": 3,
                    "new_customers": 2}
    assert row.unallocated and not row.over
    assert "30,000,000 left" in response.content.decode()


def test_over_allocation_is_saved_but_clearly_flagged(client_as, cast, target_a):
    manager = client_as(cast.manager)
    response = manager.post(url("split", YEAR, QUARTER, target_a.team.pk), split_form([
        (cast.account_manager, "60000000", "250000", "6", "2"),
        (cast.rep, "60000000", "250000", "4", "2"),
    ]), follow=True)
    assert RepTarget.objects.count() == 2
    assert any("Over-allocated" in text and "Sales amount" in text for text in messages_of(response))
    row = response.context["teams"][0]
    over = {figure.name for figure in row.figures if figure.over}
    assert over == {"sales_amount"}
    page = response.content.decode()
    assert "over by 20,000,000" in page and "The reps' shares add up to more than the team target." in page

    split_page = manager.get(url("split", YEAR, QUARTER, target_a.team.pk))
    assert split_page.context["over"]


def test_changing_a_reps_share_needs_a_reason(client_as, cast, target_a):
    RepTargetFactory(team_target=target_a, rep=cast.rep)
    rows = [(cast.account_manager, "0", "0", "0", "0"), (cast.rep, "26000000", "125000", "3", "1")]
    manager = client_as(cast.manager)
    response = manager.post(url("split", YEAR, QUARTER, target_a.team.pk), split_form(rows))
    assert response.status_code == 200
    assert "Say why the target changes." in response.content.decode()
    assert RepTarget.objects.get(rep=cast.rep).sales_amount == Decimal(25000000)

    response = manager.post(url("split", YEAR, QUARTER, target_a.team.pk), split_form(rows, "New Rizhao mill"))
    assert response.status_code == 302
    revision = TargetRevision.objects.get(rep=cast.rep)
    assert (revision.old_value, revision.new_value, revision.by, revision.reason) == (
        Decimal(25000000), Decimal(26000000), cast.manager, "New Rizhao mill")
    assert not RepTarget.objects.filter(rep=cast.account_manager).exists()  # nothing entered, no empty share


def test_lowering_a_team_target_below_its_shares_warns_the_director(client_as, cast, target_a):
    RepTargetFactory(team_target=target_a, rep=cast.rep, sales_amount=Decimal(60000000))
    response = client_as(cast.director).post(url("team_edit", YEAR, QUARTER, target_a.team.pk),
                                             team_form(sales_amount="50000000", reason="Weak steel demand"))
    assert response.status_code == 302
    assert any("Over-allocated" in text for text in messages_of(response))


def test_the_share_of_a_rep_who_left_still_counts_and_is_shown(client_as, cast, target_a):
    RepTargetFactory(team_target=target_a, rep=cast.rep, sales_amount=Decimal(40000000))
    cast.rep.is_active = False
    cast.rep.save()
    response = client_as(cast.manager).get(url("split", YEAR, QUARTER, target_a.team.pk))
    assert [form.rep_user for form in response.context["formset"]] == [cast.account_manager]
    assert [share.rep for share in response.context["former_shares"]] == [cast.rep]
    assert response.context["figures"][0].allocated == Decimal(40000000)


def test_a_manager_cannot_split_another_team(client_as, cast, team_b):
    target_b = TeamTargetFactory(team=team_b, year=YEAR, quarter=QUARTER)
    response = client_as(cast.manager).post(url("split", YEAR, QUARTER, team_b.pk),
                                            split_form([(cast.other_rep, "1", "1", "1", "1")]))
    assert response.status_code == 404
    assert not target_b.shares.exists()


def test_a_rep_cannot_split(client_as, cast, target_a):
    response = client_as(cast.rep).post(url("split", YEAR, QUARTER, target_a.team.pk),
                                        split_form([(cast.account_manager, "0", "0", "0", "0"),
                                                    (cast.rep, "99000000", "1", "1", "1")]))
    assert response.status_code == 403
    assert not RepTarget.objects.exists()


def test_a_share_posted_for_someone_outside_the_team_is_refused(client_as, cast, target_a):
    response = client_as(cast.manager).post(url("split", YEAR, QUARTER, target_a.team.pk), split_form([
        (cast.account_manager, "1", "1", "1", "1"), (cast.other_rep, "1", "1", "1", "1")]))
    assert response.status_code == 200
    assert "changed while you were editing" in " ".join(response.context["formset"].non_form_errors())
    assert not RepTarget.objects.exists()


def test_a_bad_share_is_explained_and_no_share_is_saved(client_as, cast, target_a):
    response = client_as(cast.manager).post(url("split", YEAR, QUARTER, target_a.team.pk), split_form([
        (cast.account_manager, "1000", "10", "1", "1"), (cast.rep, "-5", "10", "1", "1")]))
    assert response.status_code == 200
    assert "greater than or equal to 0" in " ".join(response.context["formset"].forms[1].errors["sales_amount"])
    assert not RepTarget.objects.exists()


def test_the_split_page_says_when_the_team_has_no_targets_yet(client_as, cast, team_a):
    response = client_as(cast.manager).get(url("split", YEAR, QUARTER, team_a.pk))
    assert response.status_code == 200
    assert "has no targets for" in response.content.decode()


# --- Reps read their own share; the history keeps every change -------------------------------------


def test_a_rep_sees_only_their_share_and_their_own_revisions(client_as, cast, target_a):
    from targets.services import rep_targets_split

    shares = {cast.rep.pk: {"sales_amount": Decimal(25000000), "tonnage": Decimal(125000),
                            "signed_contracts": 3, "new_customers": 1},
              cast.account_manager.pk: {"sales_amount": Decimal(31000000), "tonnage": Decimal(170000),
                                        "signed_contracts": 4, "new_customers": 2}}
    rep_targets_split(team_target=target_a, shares=shares, by=cast.manager)
    response = client_as(cast.rep).get(url("quarter", YEAR, QUARTER))
    page = response.content.decode()
    assert "25,000,000" in page and "100,000,000" in page  # theirs beside the team's
    assert "31,000,000" not in page and "170,000" not in page
    assert "teams" not in response.context
    assert {revision.rep for revision in response.context["revisions"]} == {cast.rep}
    assert len(response.context["revisions"]) == 4


def test_a_rep_without_a_share_sees_the_team_target(client_as, cast, target_a):
    response = client_as(cast.rep).get(url("quarter", YEAR, QUARTER))
    assert response.context["team_target"] == target_a
    assert "has not given you a share" in response.content.decode()


def test_the_history_shows_team_and_rep_changes_with_old_new_who_why(client_as, cast, target_a):
    director = client_as(cast.director)
    director.post(url("team_edit", YEAR, QUARTER, target_a.team.pk), team_form(reason="Budget raised"))
    client_as(cast.manager).post(url("split", YEAR, QUARTER, target_a.team.pk), split_form([
        (cast.account_manager, "0", "0", "0", "0"), (cast.rep, "50000000", "1", "1", "1")]))
    response = client_as(cast.manager).get(url("history", YEAR, QUARTER, target_a.team.pk))
    revisions = response.context["revisions"]
    assert {revision.rep for revision in revisions} == {None, cast.rep}
    page = response.content.decode()
    assert "Budget raised" in page and "100,000,000" in page and "120,000,000" in page
    assert str(cast.director) in page and str(cast.manager) in page


# --- Copy forward and the score weights ------------------------------------------------------------


def test_copy_forward_raises_every_figure_and_rounds_whole_numbers(client_as, cast, target_a):
    RepTargetFactory(team_target=target_a, rep=cast.rep, sales_amount=Decimal("33333333.33"), signed_contracts=3,
                     new_customers=1)
    response = client_as(cast.director).post(url("copy_forward", YEAR, QUARTER), {"uplift_percent": "15"},
                                             follow=True)
    assert response.redirect_chain[-1][0] == url("quarter", YEAR + 1, 1)
    copied = TeamTarget.objects.get(team=target_a.team, year=YEAR + 1, quarter=1)
    assert copied.sales_amount == Decimal("115000000.00")
    assert copied.tonnage == Decimal("575000.00")
    assert copied.signed_contracts == 12  # 11.5 rounds half up
    assert copied.new_customers == 5  # 4.6
    assert copied.min_satisfaction == Decimal("4.0")  # a floor is not raised
    share = copied.shares.get()
    assert (share.rep, share.sales_amount, share.signed_contracts, share.new_customers) == (
        cast.rep, Decimal("38333333.33"), 3, 1)  # 3.45 -> 3, 1.15 -> 1
    revision = TargetRevision.objects.filter(team_target=copied, figure="sales_amount", rep=None).get()
    assert (revision.reason_code, revision.reason_params, revision.reason) == (
        TargetRevision.Reason.COPIED, {"year": 2026, "quarter": 4, "uplift": "15"}, "")
    assert "1 team got targets for 2027 Q1." in messages_of(response)


def test_a_copied_reason_reads_in_the_readers_language_not_the_writers(client_as, cast, target_a):
    RepTargetFactory(team_target=target_a, rep=cast.rep)
    cast.director.language = "zh-hans"
    cast.director.save()
    client_as(cast.director).post(url("copy_forward", YEAR, QUARTER), {"uplift_percent": "12.5"})
    copied = TeamTarget.objects.get(team=target_a.team, year=YEAR + 1, quarter=1)
    assert {(revision.reason_code, str(revision.reason_params["uplift"]), revision.reason)
            for revision in copied.revisions.all()} == {(TargetRevision.Reason.COPIED, "12.5", "")}
    assert copied.revisions.filter(rep=cast.rep).exists()

    cast.manager.language = "en"
    cast.manager.save()
    page = client_as(cast.manager).get(url("history", YEAR + 1, 1, target_a.team.pk)).content.decode()
    assert "<span>Copied from 2026 Q4 with 12.5% uplift</span>" in page and "顺延" not in page

    cast.manager.language = "zh-hans"
    cast.manager.save()
    page = client_as(cast.manager).get(url("history", YEAR + 1, 1, target_a.team.pk)).content.decode()
    assert "<span>由 2026年第4季度顺延，上调比例 12.5%</span>" in page and "Copied from" not in page


def test_a_reason_typed_by_a_person_is_shown_as_typed_in_either_language(client_as, cast, target_a):
    # "Split" typed by hand is the person's word, not the system's (which reads 分解 in Chinese).
    client_as(cast.director).post(url("team_edit", YEAR, QUARTER, target_a.team.pk), team_form(reason="Split"))
    revision = TargetRevision.objects.filter(team_target=target_a).first()
    assert (revision.reason_code, revision.reason_params, revision.reason) == (
        TargetRevision.Reason.MANUAL, {}, "Split")
    cast.manager.language = "zh-hans"
    cast.manager.save()
    page = client_as(cast.manager).get(url("history", YEAR, QUARTER, target_a.team.pk)).content.decode()
    assert "<span>Split</span>" in page and "<span>分解</span>" not in page


def test_copy_forward_leaves_teams_that_already_have_targets_alone_and_says_so(client_as, cast, target_a, team_b):
    TeamTargetFactory(team=team_b, year=YEAR, quarter=QUARTER)
    already = TeamTargetFactory(team=team_b, year=YEAR + 1, quarter=1, sales_amount=Decimal(7))
    response = client_as(cast.director).post(url("copy_forward", YEAR, QUARTER), {"uplift_percent": "-10"},
                                             follow=True)
    texts = messages_of(response)
    assert "1 team got targets for 2027 Q1." in texts
    assert any("Left alone" in text and str(team_b) in text for text in texts)
    already.refresh_from_db()
    assert already.sales_amount == Decimal(7)
    assert TeamTarget.objects.get(team=target_a.team, year=YEAR + 1).sales_amount == Decimal("90000000.00")


@pytest.mark.parametrize("uplift", ["-51", "200.5", "", "ten"])
def test_copy_forward_refuses_an_uplift_out_of_range(client_as, cast, target_a, uplift):
    response = client_as(cast.director).post(url("copy_forward", YEAR, QUARTER), {"uplift_percent": uplift})
    assert response.status_code == 302
    assert messages_of(response)
    assert TeamTarget.objects.count() == 1


def test_copy_forward_from_an_empty_quarter_says_there_is_nothing_to_copy(client_as, cast):
    response = client_as(cast.director).post(url("copy_forward", YEAR, QUARTER), {"uplift_percent": "5"})
    assert any("nothing to copy" in text for text in messages_of(response))


def weights_form(**overrides) -> dict:
    return {"sales_amount": 40, "signed_contracts": 20, "new_customers": 15, "satisfaction": 15,
            "sales_cycle": 10} | overrides


def test_the_director_sets_score_weights_that_add_up_to_100(client_as, cast):
    response = client_as(cast.director).post(url("weights"), weights_form(sales_amount=30, sales_cycle=20))
    assert response.status_code == 302
    weights = ScoreWeights.current()
    assert (weights.sales_amount, weights.sales_cycle) == (30, 20)


@pytest.mark.parametrize("overrides,message", [
    ({"sales_amount": 50}, "The five weights must add up to 100; they add up to 110."),
    ({"sales_amount": -10, "sales_cycle": 60}, "greater than or equal to 0"),
    ({"sales_amount": ""}, "This field is required."),
])
def test_weights_that_do_not_add_up_are_refused(client_as, cast, overrides, message):
    response = client_as(cast.director).post(url("weights"), weights_form(**overrides))
    assert response.status_code == 200
    assert message in " ".join(e for errors in response.context["form"].errors.values() for e in errors)
    assert ScoreWeights.current().sales_amount == 40


def test_the_pages_render_in_chinese(client_as, cast, target_a):
    RepTargetFactory(team_target=target_a, rep=cast.rep)
    director = client_as(cast.director)
    director.post(reverse("accounts:language"), {"language": "zh-hans"})
    for page in ("quarter", "team_edit", "split", "history"):
        args = (YEAR, QUARTER) if page == "quarter" else (YEAR, QUARTER, target_a.team.pk)
        response = director.get(url(page, *args))
        assert response.status_code == 200 and 'lang="zh-hans"' in response.content.decode()


# --- Cost --------------------------------------------------------------------------------------


def teams_with_targets(count: int) -> None:
    for _ in range(count):
        team = TeamFactory()
        reps = UserFactory.create_batch(2, team=team, position=Position.REP)
        target = TeamTargetFactory(team=team, year=YEAR, quarter=QUARTER)
        for rep in reps:
            RepTargetFactory(team_target=target, rep=rep)


def test_the_quarter_page_costs_the_same_queries_however_many_teams(client_as, cast):
    teams_with_targets(2)
    director = client_as(cast.director)
    # Session, user, the teams, their targets with the shares summed, their tonnage per commodity,
    # the reminder badge.
    few, many = assert_queries_pinned(6, lambda: director.get(url("quarter", YEAR, QUARTER)),
                                      lambda: teams_with_targets(8))
    assert (len(few.context["teams"]), len(many.context["teams"])) == (4, 12)


# --- Tonnage per commodity ---------------------------------------------------------------------


def tonnage_post(rows, reason=""):
    data = {"tonnage-TOTAL_FORMS": str(len(rows)), "tonnage-INITIAL_FORMS": "0", "reason": reason}
    for index, (commodity, tonnes) in enumerate(rows):
        data |= {f"tonnage-{index}-commodity": commodity, f"tonnage-{index}-tonnes": tonnes}
    return data


@pytest.mark.parametrize("role,expected", [("director", 200), ("manager", 403), ("rep", 403), ("service", 403),
                                           ("marketing", 403)])
def test_only_the_director_sets_tonnage_per_commodity(client_as, cast, role, expected):
    TeamTargetFactory(team=cast.rep.team, year=2026, quarter=4)
    url = reverse("targets:tonnage", args=[2026, 4, cast.rep.team_id])
    assert client_as(cast.by_role(role)).get(url).status_code == expected


def test_the_director_splits_a_teams_tonnage_by_commodity_and_each_change_is_kept(client_as, cast):
    from customers.models import Commodity
    from targets.models import CommodityTonnage

    target = TeamTargetFactory(team=cast.rep.team, year=2026, quarter=4)
    ore = Commodity.objects.create(name="Iron ore fines", name_zh="铁矿粉")
    coal = Commodity.objects.create(name="Thermal coal", name_zh="动力煤")
    client = client_as(cast.director)
    url = reverse("targets:tonnage", args=[2026, 4, cast.rep.team_id])
    assert client.post(url, tonnage_post([(ore.pk, "300000"), (coal.pk, "200000")])).status_code == 302
    response = client.post(url, tonnage_post([(ore.pk, "350000")]))
    assert "Say why the target changes" in response.content.decode()
    client.post(url, tonnage_post([(ore.pk, "350000")], reason="Mill restarted its blast furnace"))
    assert list(CommodityTonnage.objects.values_list("commodity__name", "tonnes")) == [
        ("Iron ore fines", Decimal("350000.00"))]
    changes = list(target.revisions.filter(figure__startswith="tonnage:").order_by("pk").values_list(
        "figure", "old_value", "new_value"))
    assert ("tonnage:Iron ore fines", Decimal("300000.00"), Decimal("350000.00")) in changes
    assert ("tonnage:Thermal coal", Decimal("200000.00"), Decimal("0.00")) in changes
    page = client.get(reverse("targets:quarter", args=[2026, 4])).content.decode()
    assert "Iron ore fines 350,000 t" in page


def test_tonnage_per_commodity_refuses_a_negative_figure_and_a_commodity_twice(client_as, cast):
    from customers.models import Commodity
    from targets.models import CommodityTonnage

    TeamTargetFactory(team=cast.rep.team, year=2026, quarter=4)
    ore = Commodity.objects.create(name="Iron ore fines")
    client = client_as(cast.director)
    url = reverse("targets:tonnage", args=[2026, 4, cast.rep.team_id])
    assert "greater than or equal to 0" in client.post(url, tonnage_post([(ore.pk, "-5")])).content.decode()
    assert "listed twice" in client.post(url, tonnage_post([(ore.pk, "5"), (ore.pk, "6")])).content.decode()
    assert not CommodityTonnage.objects.exists()


# --- Reasons stored before they were codes -------------------------------------------------------


def test_the_migration_turns_stored_system_sentences_into_codes_and_leaves_peoples_words(cast, target_a):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("targets.migrations.0006_revision_reason_code")
    stored = ["Copied from 2026 Q3 with 15% uplift", "由 2026年第2季度顺延，上调比例 -7.5%", "Split", "Set",
              "Copied from the old plan", "Budget raised"]
    for reason in stored:
        TargetRevision.objects.create(team_target=target_a, figure="sales_amount", new_value=1, by=cast.director,
                                      reason=reason)
    migration.backfill_codes(apps, None)
    rows = {(r.reason_code, tuple(sorted(r.reason_params.items())), r.reason) for r in TargetRevision.objects.all()}
    assert rows == {
        ("copied", (("quarter", 3), ("uplift", "15"), ("year", 2026)), ""),
        ("copied", (("quarter", 2), ("uplift", "-7.5"), ("year", 2026)), ""),
        ("split", (), ""), ("set", (), ""),
        ("manual", (), "Copied from the old plan"), ("manual", (), "Budget raised"),
    }
    migration.restore_sentences(apps, None)
    assert sorted(TargetRevision.objects.values_list("reason", flat=True)) == sorted(
        [*stored[:1], "Copied from 2026 Q2 with -7.5% uplift", *stored[2:]])
