"""Tiers that tell the truth: the demo's customers sit at the tier its own policies give them, a tier
change says who made it (the monthly job, the director who pressed "Recompute tiers now", the manager
who set it by hand) and why as a code, shown in the reader's language."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from customers.models import Customer, Tier, TierChange
from customers.services import tier_set_by_hand
from customers.tasks import recompute_customer_tiers
from customers.tiers import recompute_tiers

from .factories import CommodityFactory, CustomerFactory

Code = TierChange.ReasonCode
migration = importlib.import_module("customers.migrations.0006_tier_reason_code")


def volume(customer, tonnes):
    customer.commodity_volumes.create(commodity=CommodityFactory(), estimated_annual_tonnes=tonnes)


@pytest.fixture
def customer(cast):
    return CustomerFactory(owner=cast.rep)


@pytest.fixture
def big(cast):
    """A customer whose estimated volume makes it high-value (it starts as general)."""
    customer = CustomerFactory(owner=cast.rep)
    volume(customer, 150000)
    return customer


# --- The demo ------------------------------------------------------------------------------------------


def test_on_a_fresh_demo_recomputing_tiers_changes_nothing(demo):
    pinned = dict(Customer.objects.filter(tier_pinned=True).values_list("pk", "tier"))
    changes = TierChange.objects.count()

    assert recompute_tiers() == 0
    assert recompute_tiers() == 0
    assert TierChange.objects.count() == changes
    # The demo's hand-set tier is still there, and still pinned.
    assert pinned and dict(Customer.objects.filter(tier_pinned=True).values_list("pk", "tier")) == pinned
    assert set(Customer.objects.values_list("tier", flat=True)) == {Tier.HIGH, Tier.GENERAL, Tier.LOW}


def test_the_demos_tier_changes_carry_codes_not_english_sentences(demo):

    assert not TierChange.objects.filter(reason_code=Code.MONTHLY).exclude(reason="").exists()
    manual = TierChange.objects.get(reason_code=Code.MANUAL)
    assert manual.changed_by.username == "director" and manual.reason


# --- Who made the change, and why --------------------------------------------------------------------


def test_the_monthly_job_records_its_changes_as_its_own_with_the_monthly_code(big):
    assert recompute_tiers() == 1

    change = TierChange.objects.get(customer=big)
    assert (change.changed_by, change.reason_code, change.reason) == (None, Code.MONTHLY, "")


def test_a_recomputation_asked_by_a_director_is_recorded_as_theirs(cast, big):
    assert recompute_tiers(by=cast.director) == 1

    change = TierChange.objects.get(customer=big)
    assert (change.changed_by, change.reason_code, change.reason) == (cast.director, Code.RECOMPUTE, "")


def test_the_directors_button_records_the_changes_as_the_directors(client_as, cast, big):
    response = client_as(cast.director).post(reverse("customers:recompute_tiers"))

    assert response.status_code == 302
    change = TierChange.objects.get(customer=big)
    assert (change.changed_by, change.reason_code) == (cast.director, Code.RECOMPUTE)


def test_the_task_takes_the_directors_id_and_the_beat_none(cast, big):
    small = CustomerFactory(owner=cast.rep)
    volume(small, 500)

    assert recompute_customer_tiers.delay(user_id=cast.director.pk).get() == 2
    assert set(TierChange.objects.values_list("changed_by", "reason_code")) == {(cast.director.pk, Code.RECOMPUTE)}
    small.commodity_volumes.update(estimated_annual_tonnes=30000)  # general again, by the monthly run
    assert recompute_customer_tiers.delay().get() == 1
    assert TierChange.objects.get(customer=small, to_tier=Tier.GENERAL).reason_code == Code.MONTHLY


def test_a_tier_set_by_hand_keeps_the_managers_own_words(cast, customer):
    tier_set_by_hand(customer=customer, tier=Tier.HIGH, reason="Strategic mill", by=cast.manager)

    change = TierChange.objects.get()
    assert (change.changed_by, change.reason_code, change.reason) == (cast.manager, Code.MANUAL, "Strategic mill")


# --- Shown in the reader's language -----------------------------------------------------------------------


def history(client, customer) -> str:
    html = client.get(reverse("customers:section", args=[customer.pk, "history"])).content.decode()
    return html[html.index("Tier changes") if "Tier changes" in html else html.index("等级变更"):]


def test_the_customer_page_shows_who_and_why_in_english(client_as, cast, big):
    recompute_tiers(by=cast.director)
    tier_set_by_hand(customer=big, tier=Tier.LOW, reason="Payment problems", by=cast.manager)

    page = history(client_as(cast.rep), big)

    assert "Director · Recomputed on request from the trailing 12 months" in page
    assert "Manager A · Set by hand: Payment problems" in page


def test_the_customer_page_shows_who_and_why_in_chinese(client_as, cast, big):
    recompute_tiers()
    cast.rep.language = "zh-hans"
    cast.rep.save()

    page = history(client_as(cast.rep), big)

    assert "系统 · 每月按过去 12 个月的业绩重新计算" in page
    assert "Monthly recomputation" not in page


# --- The data migration -----------------------------------------------------------------------------------


def test_the_migration_turns_the_jobs_english_sentence_into_its_code(cast, customer):
    job = TierChange.objects.create(customer=customer, from_tier=Tier.GENERAL, to_tier=Tier.HIGH, changed_by=None,
                                    reason=migration.MONTHLY_TEXT)
    by_hand = TierChange.objects.create(customer=customer, from_tier=Tier.HIGH, to_tier=Tier.LOW,
                                        changed_by=cast.manager, reason="Payment problems")

    migration.reason_to_code(django_apps, None)

    job.refresh_from_db(), by_hand.refresh_from_db()
    assert (job.reason_code, job.reason) == (Code.MONTHLY, "")
    assert (by_hand.reason_code, by_hand.reason) == (Code.MANUAL, "Payment problems")
