"""Integration clients: creating and revoking keys, and authenticating, authorising and
rate-limiting API requests.

Views declare what they need as attributes, so rooms below `console` never import this module:
`required_scope` (an `ApiScope` value a client key must carry), `export_scope` (a scope that
also opens the view, for listings of everyone; the view itself decides what it lets such a key
do) and, for endpoints people may also use with their session, `people_permission` (a Django
permission such as `customers.view_customer`).
"""

import ipaddress
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.throttling import BaseThrottle

from console.integrations.models import ApiClient, ApiScope
from console.redis_cache import cache_or

KEY_PREFIX = "cck_"


@dataclass(frozen=True)
class IssuedKey:
    client: ApiClient
    key: str


def create_api_client(*, name: str, scopes: list[str]) -> IssuedKey:
    unknown = sorted(set(scopes) - set(ApiScope.values))
    if unknown:
        raise ValueError(
            f"unknown scopes: {', '.join(unknown)} (known: {', '.join(ApiScope.values)})"
        )
    if not scopes:
        raise ValueError("at least one scope is required")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    client = ApiClient.objects.create(
        name=name,
        key_hash=ApiClient.hash_key(key),
        key_prefix=key[: len(KEY_PREFIX) + 6],
        scopes=sorted(set(scopes)),
    )
    return IssuedKey(client=client, key=key)


def reissue_api_client(*, name: str, scopes: list[str]) -> IssuedKey:
    """A fresh key for a client the product runs itself (the simulator): the old one goes."""
    ApiClient.objects.filter(name=name).delete()
    return create_api_client(name=name, scopes=scopes)


def revoke_api_clients(*, clients) -> int:
    revoking = clients.filter(revoked_at__isnull=True)
    key_hashes = list(revoking.values_list("key_hash", flat=True))
    revoked = revoking.update(revoked_at=timezone.now())
    forget_cached_clients(key_hashes)
    return revoked


LAST_USED_RESOLUTION = timedelta(minutes=1)


def _cache_key(key_hash: str) -> str:
    return f"api-client:{key_hash}"


def forget_cached_clients(key_hashes: list[str]) -> None:
    """Drop clients from the cache now and again when the transaction commits: a request that
    read the client before the change committed may have put the old one back meanwhile."""
    keys = [_cache_key(key_hash) for key_hash in key_hashes]
    # With Redis away, what it held is gone or expires within API_CLIENT_CACHE_SECONDS.
    cache_or(None, lambda: cache.delete_many(keys))
    transaction.on_commit(lambda: cache_or(None, lambda: cache.delete_many(keys)))


def forget_changed_client(sender, instance: ApiClient, **kwargs) -> None:
    """A client saved (scopes edited in the admin) or deleted (a key reissued)."""
    forget_cached_clients([instance.key_hash])


def client_for_key(key: str) -> ApiClient | None:
    """Every API request needs its client: taken from the cache when it is shared by every process
    (settings.API_CLIENT_CACHE_SECONDS), read from the database otherwise. A change to a client
    drops it from the cache at once (forget_cached_clients). Without Redis, from the database."""
    key_hash = ApiClient.hash_key(key)
    cached_for = settings.API_CLIENT_CACHE_SECONDS
    client = cache_or(None, lambda: cache.get(_cache_key(key_hash))) if cached_for else None
    if client is None:
        # Unknown keys are not remembered: anyone could fill the cache with them.
        client = ApiClient.objects.filter(key_hash=key_hash).first()
        if client is None:
            return None
        if cached_for:
            _cache_client(key_hash, client, timeout=cached_for)
    if not client.is_active:
        return None
    now = timezone.now()
    # Written at most once a minute so a busy client does not write on every request.
    if client.last_used_at is None or now - client.last_used_at > LAST_USED_RESOLUTION:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
        if cached_for:
            _cache_client(key_hash, client, timeout=cached_for)
    return client


def _cache_client(key_hash: str, client: ApiClient, *, timeout: int) -> None:
    cache_or(None, lambda: cache.set(_cache_key(key_hash), client, timeout=timeout))


class ApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Bearer <key>`; a wrong or revoked key is refused with 401."""

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != b"bearer":
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Authorization header must be 'Bearer <key>'.")
        try:
            key = header[1].decode()
        except UnicodeError as error:
            raise exceptions.AuthenticationFailed("The API key is not valid.") from error
        client = client_for_key(key)
        if client is None:
            raise exceptions.AuthenticationFailed("The API key is not valid or has been revoked.")
        return AnonymousUser(), client

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


def requesting_client(request) -> ApiClient | None:
    return request.auth if isinstance(request.auth, ApiClient) else None


class HasRequiredAccess(BasePermission):
    """Clients need the view's scope; signed-in people need the view's Django permission."""

    def has_permission(self, request, view) -> bool:
        client = requesting_client(request)
        if client is not None:
            scopes = [
                scope
                for scope in (
                    getattr(view, "required_scope", None),
                    getattr(view, "export_scope", None),
                )
                if scope
            ]
            if not set(scopes) & set(client.scopes):
                named = "' or '".join(scopes)
                self.message = f"This API key lacks the '{named}' scope."
                return False
            return True
        permission = getattr(view, "people_permission", None)
        user = request.user
        if not user.is_authenticated:
            return False
        if permission is None or not user.has_perm(permission):
            self.message = "Your role may not use this endpoint."
            return False
        return True


@lru_cache(maxsize=8)
def _networks(
    proxies: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(proxy.strip(), strict=False) for proxy in proxies)


def _is_trusted(address: str, proxies: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(proxies))


def client_address(*, remote_addr: str, forwarded_for: str, trusted_proxies: list[str]) -> str:
    """The address a request came from. `X-Forwarded-For` is anyone's to write, so it is read
    only as far as our own proxies (TRUSTED_PROXIES) wrote it: from the right, each hop a
    trusted proxy reports is taken until one is not a trusted proxy itself."""
    proxies = tuple(trusted_proxies)
    address = remote_addr
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    while hops and _is_trusted(address, proxies):
        address = hops.pop()
    return address


def request_address(request) -> str:
    """The client's address of a request, for the rate limit and the sign-in lockout."""
    return client_address(
        remote_addr=request.META.get("REMOTE_ADDR", ""),
        forwarded_for=request.META.get("HTTP_X_FORWARDED_FOR", ""),
        trusted_proxies=settings.TRUSTED_PROXIES,
    )


class ClientRateThrottle(BaseThrottle):
    """A fixed one-minute window per client (or person, or address) counted with an atomic
    increment in the cache (Redis INCR in production), unlike DRF's read-modify-write throttles.
    While Redis is unreachable nothing is counted and every request is let through: refusing
    the telephony system's events for want of a counter would stop the calls (fail open).
    """

    window_seconds = 60

    def allow_request(self, request, view) -> bool:
        client = requesting_client(request)
        if client is not None:
            who = f"client:{client.key_hash[:16]}"
        elif request.user.is_authenticated:
            who = f"user:{request.user.pk}"
        else:
            who = f"ip:{self.get_ident(request)}"
        window = int(time.time() // self.window_seconds)
        key = f"api-rate:{who}:{window}"
        count = cache_or(0, lambda: self._count(key))
        self.retry_after = self.window_seconds - int(time.time()) % self.window_seconds
        return count <= settings.API_RATE_LIMIT_PER_MINUTE

    def _count(self, key: str) -> int:
        # Increment first: only a window's first request also needs the `add` (with Redis, two
        # round trips instead of three on every other request).
        try:
            return cache.incr(key)
        except ValueError:  # the window's first request, unless another made the key meanwhile
            first = cache.add(key, 1, timeout=self.window_seconds * 2)
            return 1 if first else cache.incr(key)

    def get_ident(self, request) -> str:
        return request_address(request)

    def wait(self) -> float:
        return self.retry_after


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema) -> dict:
        scopes = "; ".join(f"`{scope.value}`: {scope.label}" for scope in ApiScope)
        return {
            "type": "http",
            "scheme": "bearer",
            "description": f"A key made by `manage.py create_api_client`, with scopes ({scopes}).",
        }
