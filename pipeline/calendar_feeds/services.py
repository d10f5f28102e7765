"""Creating, regenerating and revoking a person's calendar feed, and finding it by its token."""

from django.db import transaction

from accounts.models import User

from .models import CalendarFeed, hash_token


@transaction.atomic
def issue_feed(*, user: User) -> str:
    """A new secret token for the user's feed (the old URL stops working); returns it, to show once."""
    token = CalendarFeed.new_token()
    CalendarFeed.objects.update_or_create(user=user, defaults={"token_hash": hash_token(token)})
    return token


def revoke_feed(*, user: User) -> None:
    CalendarFeed.objects.filter(user=user).delete()


def feed_for_token(token: str) -> CalendarFeed | None:
    """The active feed the token opens, with its user; None for an unknown or revoked token or an
    inactive user."""
    return (CalendarFeed.objects.select_related("user")
            .filter(token_hash=hash_token(token), user__is_active=True).first())
