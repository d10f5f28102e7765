"""Reads of the pipeline, each starting from the access policy in accounts.access."""

from django.db.models import QuerySet

from accounts import access
from accounts.access import RecordKind
from accounts.models import Position, User
from customers import selectors as customer_selectors

from .models import Activity, Deal, MarketResearch, Reminder


def deals_visible_to(user: User) -> QuerySet[Deal]:
    return access.owned_by_visible(user, Deal.objects.all(), RecordKind.DEAL)


def activities_visible_to(user: User) -> QuerySet[Activity]:
    # An activity is seen by whoever sees its customer's owner's records (the owner, manager, director).
    return access.owned_by_visible(user, Activity.objects.all(), RecordKind.ACTIVITY, owner_field="customer__owner")


def research_visible_to(user: User) -> QuerySet[MarketResearch]:
    return access.owned_by_visible(user, MarketResearch.objects.all(), RecordKind.MARKET_RESEARCH,
                                   owner_field="author")


def reminders_for(user: User) -> QuerySet[Reminder]:
    """A person's own inbox; nobody reads another's."""
    if not user.is_authenticated:
        return Reminder.objects.none()
    return Reminder.objects.filter(recipient=user)


def can_sell(user: User) -> bool:
    """Deals and activities are the sellers' (customer service and marketing do not sell)."""
    return access.can_sell(user)


def can_change_deal(user: User, deal: Deal) -> bool:
    return can_sell(user) and access.users_visible_to(user).filter(pk=deal.owner_id).exists()


def possible_owners(user: User) -> QuerySet[User]:
    return customer_selectors.possible_owners(user)


def can_research(user: User) -> bool:
    return user.is_authenticated and user.is_active and (can_sell(user) or user.position == Position.MARKETING)


def can_run_pipeline_settings(user: User) -> bool:
    """Ports, exchange rates and reasons for losing are the director's lists."""
    return access.can_run_organisation(user)
