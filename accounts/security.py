"""Who is asking (the client's address behind trusted proxies) and how often: sign-in lockout and throttles;
and the secrets that stand for a person in a URL or a header (API tokens, calendar feeds)."""

import hashlib
import ipaddress
import secrets
import time

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _from_trusted_proxy(peer: str) -> bool:
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network, strict=False) for network in settings.TRUSTED_PROXY_NETWORKS)


def client_address(request: HttpRequest) -> str:
    """The address of whoever sent the request (django-axes's AXES_CLIENT_IP_CALLABLE too).

    Behind TRUSTED_PROXY_COUNT proxies, each appends the address it received from to X-Forwarded-For,
    so the client is that many entries from the right: whatever a client writes in the header itself
    sits further left and is ignored. The header is read only from a peer in TRUSTED_PROXY_NETWORKS,
    so a client that reaches the app directly cannot name someone else's address."""
    peer = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count < 1 or not _from_trusted_proxy(peer):
        return peer
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < count or not _is_address(hops[-count]):
        return peer
    return hops[-count]


def within_limit(scope: str, key: str, *, limit: int, window_minutes: int) -> bool:
    """Count one more request for (scope, key) in the current window; False once `limit` is passed.

    A fixed window in the throttle cache (Redis in production, so every web process counts together)."""
    window = window_minutes * 60
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]  # no address kept in clear in the cache
    name = f"{scope}:{digest}:{int(time.time()) // window}"
    cache = caches["throttle"]
    cache.add(name, 0, window)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.add(name, 1, window)
        count = 1
    return count <= limit


def password_reset_allowed(request: HttpRequest, email: str) -> bool:
    """Both counts move on every request, so a flood for one address also spends the client's."""
    per_address = within_limit("reset-address", email.strip().lower(), limit=settings.PASSWORD_RESET_LIMIT_PER_ADDRESS,
                               window_minutes=settings.PASSWORD_RESET_WINDOW_MINUTES)
    per_client = within_limit("reset-client", client_address(request), limit=settings.PASSWORD_RESET_LIMIT_PER_CLIENT,
                              window_minutes=settings.PASSWORD_RESET_WINDOW_MINUTES)
    return per_address and per_client


def new_secret() -> str:
    """A secret that opens one person's data without a session (an API token, a calendar feed's URL)."""
    return secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    """What is stored of such a secret, like a password's hash: a leaked database opens nothing."""
    return hashlib.sha256(secret.encode()).hexdigest()
