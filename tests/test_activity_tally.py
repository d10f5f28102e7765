"""The activities' tally (ActivityTally), which the database keeps by triggers on the activities' table: after every
way an activity is written (logged, moved to another customer, handed to another author by a bulk update, bulk
inserted, deleted, with its customer or in a rolled-back transaction) it holds what grouping the activities says,
and the activity list's heading and "Logged by" choices read it."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from bulksales.demo.bulk import insert_rows
from pipeline import activities
from pipeline.models import Activity, ActivityTally

from .factories import ActivityFactory, CustomerFactory


def tally() -> dict[tuple[int, int], int]:
    return {(row.customer_id, row.author_id): row.activities for row in ActivityTally.objects.filter(activities__gt=0)}


def grouped() -> dict[tuple[int, int], int]:
    return {(customer, author): count for customer, author, count
            in Activity.objects.values_list("customer", "owner").order_by().annotate(count=Count("*"))}


def test_the_tally_follows_every_way_an_activity_is_written(cast):
    rep, other = cast.rep, cast.other_rep
    mine, second, theirs = CustomerFactory(owner=rep), CustomerFactory(owner=rep), CustomerFactory(owner=other)
    logged = activities.activity_log(activity=Activity(customer=mine, kind=Activity.Kind.VISIT, summary="Coke plant",
                                                       happened_at=timezone.now()), contacts=[], by=rep)
    ActivityFactory(customer=mine)
    ActivityFactory(customer=theirs)
    assert tally() == grouped() == {(mine.pk, rep.pk): 2, (theirs.pk, other.pk): 1}

    # Edited: a change the tally does not count, then the activity moved to the rep's other customer.
    logged.summary = "Coke plant, second kiln"
    logged = activities.activity_log(activity=logged, contacts=[], by=rep)
    assert tally() == grouped() == {(mine.pk, rep.pk): 2, (theirs.pk, other.pk): 1}
    logged.customer = second
    logged = activities.activity_log(activity=logged, contacts=[], by=rep)
    assert tally() == grouped() == {(mine.pk, rep.pk): 1, (second.pk, rep.pk): 1, (theirs.pk, other.pk): 1}

    # Written in bulk, by queryset: inserted, handed to another author, moved, deleted.
    Activity.objects.bulk_create([ActivityFactory.build(customer=mine, owner=rep) for _ in range(3)])
    assert tally()[(mine.pk, rep.pk)] == 4
    Activity.objects.filter(customer=mine).update(owner=cast.account_manager)
    assert tally() == grouped()
    assert tally()[(mine.pk, cast.account_manager.pk)] == 4 and (mine.pk, rep.pk) not in tally()
    Activity.objects.filter(customer=second).update(customer=theirs)
    assert tally() == grouped() == {(mine.pk, cast.account_manager.pk): 4, (theirs.pk, rep.pk): 1,
                                    (theirs.pk, other.pk): 1}
    Activity.objects.filter(pk=logged.pk).delete()
    assert tally() == grouped()

    # A customer deleted with its activities.
    theirs.delete()
    assert tally() == grouped() == {(mine.pk, cast.account_manager.pk): 4}


def test_a_load_in_bulk_is_tallied_once_per_pair_of_each_statement(cast):
    """The seed's and an import's way in: many rows of several pairs in one statement (COPY on PostgreSQL, whose
    triggers count a statement's rows per pair), then several deleted in one statement."""
    rep, other = cast.rep, cast.other_rep
    mine, theirs = CustomerFactory(owner=rep), CustomerFactory(owner=other)
    now = timezone.now()
    rows = [(Activity.Kind.CALL, customer.pk, author.pk, now, "Price check", "", "")
            for customer, author, times in ((mine, rep, 40), (mine, other, 2), (theirs, other, 25))
            for _ in range(times)]
    assert insert_rows(Activity, ["kind", "customer", "owner", "happened_at", "summary", "outcome", "next_step"],
                       rows) == 67
    assert tally() == grouped() == {(mine.pk, rep.pk): 40, (mine.pk, other.pk): 2, (theirs.pk, other.pk): 25}
    ActivityFactory(customer=mine)
    assert tally()[(mine.pk, rep.pk)] == 41

    assert Activity.objects.filter(owner=other).delete()[0] == 27
    assert tally() == grouped() == {(mine.pk, rep.pk): 41}


def test_a_rolled_back_write_leaves_the_tally_as_it_was(cast):
    activity = ActivityFactory(customer=CustomerFactory(owner=cast.rep))
    before = tally()
    with pytest.raises(RuntimeError), transaction.atomic():
        Activity.objects.filter(pk=activity.pk).update(owner=cast.other_rep)
        ActivityFactory(customer=activity.customer)
        raise RuntimeError
    assert tally() == before == grouped()


@pytest.mark.parametrize("who", ["director", "manager"])
def test_the_activity_list_counts_and_names_from_the_tally(client_as, cast, who):
    """The unfiltered list's heading and its "Logged by" choices are the tally's: written behind its back (here by
    changing the tally itself), they show it; filtered, the list counts its rows."""
    user = getattr(cast, who)
    for owner in (cast.rep, cast.account_manager):
        ActivityFactory(customer=CustomerFactory(owner=owner))
    answer = client_as(user).get(reverse("activities:list"))
    assert answer.context["page"].paginator.count == 2
    assert set(answer.context["filter"].form.fields["owner"].queryset) == {cast.rep, cast.account_manager}

    ActivityTally.objects.filter(author=cast.rep).update(activities=5)
    ActivityTally.objects.filter(author=cast.account_manager).update(activities=0)
    answer = client_as(user).get(reverse("activities:list"))
    assert answer.context["page"].paginator.count == 5
    assert set(answer.context["filter"].form.fields["owner"].queryset) == {cast.rep}
    filtered = client_as(user).get(reverse("activities:list"), {"kind": Activity.Kind.VISIT})
    assert filtered.context["page"].paginator.count == 2


def test_the_operators_check_finds_a_drifted_activity_tally_and_repair_writes_it_again(cast):
    mine = ActivityFactory(customer=CustomerFactory(owner=cast.rep))
    ActivityFactory(customer=CustomerFactory(owner=cast.other_rep))
    # Written around the triggers: one pair's count wrong, one pair missing.
    ActivityTally.objects.filter(author=cast.rep).update(activities=3)
    ActivityTally.objects.filter(author=cast.other_rep).delete()
    with pytest.raises(CommandError) as failed:
        call_command("pipeline_tally")
    theirs = Activity.objects.get(owner=cast.other_rep)
    assert str(failed.value).splitlines()[:3] == [
        "The activity tally differs from the activities in 2 groups:",
        f"  customer {mine.customer_id}, author {cast.rep.pk}: tally 3, activities 1",
        f"  customer {theirs.customer_id}, author {cast.other_rep.pk}: tally 0, activities 1"]
    out = StringIO()
    call_command("pipeline_tally", "--repair", stdout=out)
    assert out.getvalue().splitlines()[1] == "Rebuilt the activity tally; 2 groups had drifted:"
    assert tally() == grouped()
    # The triggers go on from the rebuilt rows.
    ActivityFactory(customer=mine.customer)
    assert tally() == grouped()
