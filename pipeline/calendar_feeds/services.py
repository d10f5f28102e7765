"""Creating, regenerating and revoking a person's calendar feed, and finding it by its token."""

from django.db import transaction

from accounts.models import User
from accounts.security import new_secret, secret_hash

from .models import CalendarFeed


@transaction.atomic
def issue_feed(*, user: User) -> str:
    """A new secret token for the user's feed (the old URL stops working); returns it, to show once."""
    token = new_secret()
    CalendarFeed.objects.update_or_create(user=user, defaults={"token_hash": secret_hash(token)})
    return token


def revoke_feed(*, user: User) -> None:
    CalendarFeed.objects.filter(user=user).delete()


def feed_for_token(token: str) -> CalendarFeed | None:
    """The active feed the token opens, with its user; None for an unknown or revoked token or an
    inactive user."""
    return (CalendarFeed.objects.select_related("user")
            .filter(token_hash=secret_hash(token), user__is_active=True).first())
