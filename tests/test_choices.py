"""`accounts.choices.display`, a choice's label as get_FOO_display gives it, in the reader's language, with the
field's labels translated once per language; a page that lists people by their position with it; and the
score's parts, named once per language too."""

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.choices import display
from accounts.models import Position
from customers.models import Complaint
from pipeline.models import Deal, Outcome, Stage
from targets.models import ScoreWeights

from .factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_each_label_is_the_one_django_gives(language):
    with translation.override(language):
        for stage in Stage:
            assert display(Deal(stage=stage), "stage") == Deal(stage=stage).get_stage_display()
        for outcome in Outcome:  # labels with a context (pgettext)
            assert display(Deal(outcome=outcome), "outcome") == Deal(outcome=outcome).get_outcome_display()
        for category in Complaint.Category:
            assert display(Complaint(category=category), "category") == \
                Complaint(category=category).get_category_display()


def test_labels_follow_the_readers_language():
    deal = Deal(stage=Stage.NEGOTIATION)
    with translation.override("zh-hans"):
        assert display(deal, "stage") == "销售谈判"
    with translation.override("en"):
        assert display(deal, "stage") == "Negotiation"


def test_a_value_outside_the_choices_shows_as_it_is_and_no_record_as_nothing():
    assert display(Deal(stage="retired"), "stage") == "retired"
    assert display(None, "stage") == ""


def test_the_new_team_form_names_each_possible_member_with_their_position_and_team(client, cast):
    newcomer = UserFactory(full_name="韩梅", position=Position.ACCOUNT_MANAGER, team=None,
                           department=cast.rep.department)
    client.force_login(cast.director)
    for language, position in (("en", "Account Manager"), ("zh-hans", "客户经理")):
        client.cookies["django_language"] = language
        page = client.get(reverse("org:team_create")).content.decode()
        assert f'value="{newcomer.pk}"' in page
        assert f"韩梅 · {position}</label>" in page
        assert f"{cast.rep} · {display(cast.rep, 'position')} · {cast.rep.team}</label>" in page


def test_the_scores_parts_are_named_in_the_readers_language_each_time():
    for _round in range(2):  # translated once per language, asked for again in each
        with translation.override("zh-hans"):
            assert ScoreWeights.part_labels()["sales_amount"] == "销售额"
        with translation.override("en"):
            assert ScoreWeights.part_labels()["sales_amount"] == "Sales amount"
            assert list(ScoreWeights.part_labels()) == ScoreWeights.PARTS
