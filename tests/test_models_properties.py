"""What the pages show of a model, computed once on the model: a deal's next stage, a customer's region
and a tier's service strategy in the reader's language."""

import pytest
from django.utils import translation

from customers.models import Customer, TierPolicy
from pipeline.models import Deal, Stage


@pytest.mark.parametrize(("stage", "expected"), [
    (Stage.RESEARCH, Stage.DEVELOPMENT),
    (Stage.DEVELOPMENT, Stage.NEGOTIATION),
    (Stage.NEGOTIATION, Stage.FOLLOW_UP),
    (Stage.FOLLOW_UP, None),
])
def test_next_stage_is_the_one_after_in_the_stage_order(stage, expected):
    assert Deal(stage=stage).next_stage == expected


def test_next_stage_renders_as_the_value_the_move_form_posts():
    assert str(Deal(stage="research").next_stage) == "development"


def test_region_of_a_chinese_customer_is_province_and_city():
    assert Customer(country="CN", province="Shandong", city="Rizhao").region == "Shandong Rizhao"


def test_region_of_a_foreign_customer_is_country_in_the_readers_language_and_city():
    customer = Customer(country="JP", province="Osaka Prefecture", city="Osaka")
    assert customer.region == "Japan · Osaka"
    with translation.override("zh-hans"):
        assert customer.region == "日本 · Osaka"


@pytest.mark.parametrize(("country", "province", "city", "expected"), [
    ("CN", "", "Rizhao", "Rizhao"),
    ("CN", "Shandong", "", "Shandong"),
    ("CN", "", "", ""),
    ("JP", "", "", "Japan"),
])
def test_region_leaves_out_blank_parts(country, province, city, expected):
    assert Customer(country=country, province=province, city=city).region == expected


def test_strategy_is_the_english_text_for_an_english_reader():
    policy = TierPolicy(service_strategy="Visit monthly.", service_strategy_zh="每月拜访。")
    assert policy.strategy == "Visit monthly."


def test_strategy_is_the_chinese_text_for_a_chinese_reader():
    policy = TierPolicy(service_strategy="Visit monthly.", service_strategy_zh="每月拜访。")
    with translation.override("zh-hans"):
        assert policy.strategy == "每月拜访。"


def test_strategy_falls_back_to_english_when_there_is_no_chinese_text():
    policy = TierPolicy(service_strategy="Visit monthly.", service_strategy_zh="")
    with translation.override("zh-hans"):
        assert policy.strategy == "Visit monthly."
