"""Factories for targets: team targets and their shares per seller."""

from decimal import Decimal

import factory

from targets.models import RepTarget, TeamTarget

from .accounts import TeamFactory, UserFactory


class TeamTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamTarget

    team = factory.SubFactory(TeamFactory)
    year = 2026
    quarter = 4
    sales_amount = Decimal("100000000")
    tonnage = Decimal("500000")
    signed_contracts = 10
    new_customers = 4
    min_satisfaction = Decimal("4.0")


class RepTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RepTarget

    team_target = factory.SubFactory(TeamTargetFactory)
    rep = factory.SubFactory(UserFactory)
    sales_amount = Decimal("25000000")
    tonnage = Decimal("125000")
    signed_contracts = 3
    new_customers = 1
