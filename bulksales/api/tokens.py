"""Creating, finding and revoking personal API tokens (shared by the profile page and the command)."""

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.security import new_secret
from accounts.security import secret_hash as hash_key
from accounts.services import RuleError

from .models import ApiToken

PREFIX_LENGTH = 8
# Writing last_used on every request would cost a write per call: once a minute is enough to show it.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for the user; returns the record and the secret, which is never shown again."""
    name = name.strip()
    if not name:
        raise RuleError(_("Give the token a name."))
    key = "bs_" + new_secret()
    token = ApiToken.objects.create(user=user, name=name[:100], key_hash=hash_key(key), prefix=key[:PREFIX_LENGTH])
    return token, key


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True)


def token_revoke(*, user: User, pk: int) -> ApiToken:
    """Revoke one of the user's own tokens (another's answers as missing)."""
    token = tokens_of(user).filter(pk=pk).first()
    if token is None:
        raise ApiToken.DoesNotExist
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


def user_for_key(key: str) -> User | None:
    """The active user a live token belongs to, stamping when it was last used; None if it doesn't count."""
    token = (ApiToken.objects.select_related("user").filter(key_hash=hash_key(key), revoked_at__isnull=True)
             .first())
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used is None or now - token.last_used >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
    return token.user
