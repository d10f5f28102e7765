"""Training plans: planned by directors and managers, visible to the person, their manager and
the director, with attendance and a score per attendee."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import Attendance, Training

from .factories import AttendanceFactory, TrainingFactory
from .queries import assert_queries_pinned


def training_form(**overrides):
    return {
        "title": "Laytime and demurrage",
        "kind": Training.Kind.INTERNAL,
        "starts_on": "2026-12-10",
        "ends_on": "2026-12-11",
        "trainer": "张伟",
        "description": "",
    } | overrides


def test_a_manager_plans_a_training_for_their_reps(client, cast):
    client.force_login(cast.manager)
    response = client.post(reverse("training:create"), training_form(attendees=[cast.rep.pk, cast.account_manager.pk]))
    training = Training.objects.get()
    assert response.status_code == 302
    assert training.created_by == cast.manager
    assert set(training.attendees.values_list("username", flat=True)) == {"rep", "am"}


def test_a_manager_cannot_put_another_teams_rep_on_a_training(client, cast):
    client.force_login(cast.manager)
    response = client.post(reverse("training:create"), training_form(attendees=[cast.other_rep.pk]))
    assert response.status_code == 200
    assert "Select a valid choice" in " ".join(response.context["form"].errors["attendees"])
    assert not Training.objects.exists()


def test_a_training_cannot_end_before_it_starts(client, cast):
    client.force_login(cast.director)
    response = client.post(reverse("training:create"), training_form(starts_on="2026-12-10", ends_on="2026-12-01"))
    assert "cannot end before it starts" in " ".join(response.context["form"].errors["ends_on"])
    assert not Training.objects.exists()


def test_a_malformed_date_is_explained(client, cast):
    client.force_login(cast.director)
    response = client.post(reverse("training:create"), training_form(starts_on="31/31/2026"))
    assert "Enter a valid date." in response.context["form"].errors["starts_on"]


@pytest.fixture
def shared_training(cast):
    """A director's training attended by one rep of each team."""
    training = TrainingFactory(created_by=cast.director, starts_on=datetime.date(2026, 9, 1),
                               ends_on=datetime.date(2026, 9, 1))
    AttendanceFactory(training=training, attendee=cast.rep, attended=True, score=88)
    AttendanceFactory(training=training, attendee=cast.other_rep, attended=True, score=54)
    return training


def test_a_rep_sees_their_own_score_but_not_a_colleagues(client, cast, shared_training):
    client.force_login(cast.rep)
    response = client.get(reverse("training:detail", args=[shared_training.pk]))
    assert [row.attendee for row in response.context["attendances"]] == [cast.rep]
    assert ">54<" not in response.content.decode()  # the colleague's score is not shown


def test_a_manager_sees_only_their_teams_attendees(client, cast, shared_training):
    client.force_login(cast.other_manager)
    response = client.get(reverse("training:detail", args=[shared_training.pk]))
    assert [row.attendee for row in response.context["attendances"]] == [cast.other_rep]


def test_the_director_sees_every_attendee(client, cast, shared_training):
    client.force_login(cast.director)
    response = client.get(reverse("training:detail", args=[shared_training.pk]))
    assert {row.attendee for row in response.context["attendances"]} == {cast.rep, cast.other_rep}


def test_the_profile_shows_a_persons_training_plan(client, cast, shared_training):
    client.force_login(cast.manager)
    response = client.get(reverse("org:user_detail", args=[cast.rep.pk]))
    rows = list(response.context["attendances"])
    assert [(row.training, row.score) for row in rows] == [(shared_training, 88)]


def post_attendance(client, training, *entries):
    """Post the attendance form: one (attended, score, comment) entry per attendee, in pk order."""
    rows = list(Attendance.objects.filter(training=training).order_by("pk"))
    data = {"form-TOTAL_FORMS": str(len(rows)), "form-INITIAL_FORMS": str(len(rows))}
    for index, (row, (attended, score, comment)) in enumerate(zip(rows, entries, strict=True)):
        data |= {f"form-{index}-id": row.pk, f"form-{index}-attended": attended,
                 f"form-{index}-score": score, f"form-{index}-comment": comment}
    return client.post(reverse("training:attendance", args=[training.pk]), data)


def test_recording_attendance_and_scores(client, cast, shared_training):
    client.force_login(cast.director)
    response = post_attendance(client, shared_training, ("true", "95", "Excellent"), ("false", "", "Sick leave"))
    assert response.status_code == 302
    rows = list(Attendance.objects.filter(training=shared_training).order_by("pk"))
    assert (rows[0].attended, rows[0].score, rows[0].comment) == (True, 95, "Excellent")
    assert (rows[1].attended, rows[1].score, rows[1].comment) == (False, None, "Sick leave")


def test_a_score_above_100_is_refused_and_nothing_is_saved(client, cast, shared_training):
    client.force_login(cast.director)
    response = post_attendance(client, shared_training, ("true", "70", ""), ("true", "130", ""))
    assert response.status_code == 200
    assert "less than or equal to 100" in response.content.decode()
    assert list(Attendance.objects.order_by("pk").values_list("score", flat=True)) == [88, 54]


def test_a_manager_cannot_record_attendance_of_another_teams_attendee(client, cast, shared_training):
    shared_training.created_by = cast.manager
    shared_training.save()
    client.force_login(cast.manager)
    other = Attendance.objects.get(attendee=cast.other_rep)
    response = client.post(
        reverse("training:attendance", args=[shared_training.pk]),
        {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-0-id": other.pk, "form-0-score": "1"},
    )
    assert response.status_code == 200
    assert "changed while you were editing" in response.content.decode()
    other.refresh_from_db()
    assert other.score == 54


def test_editing_keeps_recorded_attendance_of_people_who_stay(client, cast):
    training = TrainingFactory(created_by=cast.manager)
    AttendanceFactory(training=training, attendee=cast.rep, attended=True, score=77)
    client.force_login(cast.manager)
    client.post(
        reverse("training:edit", args=[training.pk]),
        training_form(title=training.title, attendees=[cast.rep.pk, cast.account_manager.pk]),
    )
    assert Attendance.objects.get(attendee=cast.rep).score == 77
    assert Attendance.objects.filter(training=training).count() == 2


def test_a_manager_editing_a_shared_training_does_not_drop_other_teams_attendees(client, cast, shared_training):
    client.force_login(cast.director)
    shared_training.created_by = cast.manager
    shared_training.save()
    client.force_login(cast.manager)
    client.post(reverse("training:edit", args=[shared_training.pk]), training_form(attendees=[]))
    assert list(shared_training.attendances.values_list("attendee__username", flat=True)) == ["rep_b"]


def test_the_training_list_costs_the_same_queries_however_many_trainings(client, cast):
    client.force_login(cast.manager)
    TrainingFactory(created_by=cast.manager)

    def more_trainings():
        for _ in range(15):
            AttendanceFactory(training=TrainingFactory(created_by=cast.director), attendee=cast.rep)

    _, response = assert_queries_pinned(5, lambda: client.get(reverse("training:list")), more_trainings)
    assert len(response.context["page"]) == 16
