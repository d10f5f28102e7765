"""Factories for the organisation (accounts): departments, teams, people, trainings."""

import datetime

import factory

from accounts.models import Attendance, Department, Position, Team, Training, User

from .base import named_factory

PASSWORD = "a-Long-test-passw0rd"


DepartmentFactory = named_factory(Department, "Sales", "销售部")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    position = Position.REP
    department = factory.SubFactory(DepartmentFactory)
    password = factory.django.Password(PASSWORD)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    name_zh = factory.Sequence(lambda n: f"团队{n}")
    department = factory.SubFactory(DepartmentFactory)
    manager = factory.SubFactory(UserFactory, position=Position.MANAGER)


class TrainingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Training

    title = factory.Sequence(lambda n: f"Training {n}")
    starts_on = datetime.date(2026, 10, 1)
    ends_on = datetime.date(2026, 10, 2)
    trainer = "Outside trainer"
    created_by = factory.SubFactory(UserFactory, position=Position.DIRECTOR)


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    training = factory.SubFactory(TrainingFactory)
    attendee = factory.SubFactory(UserFactory)
