"""Django's Redis cache with one connection pool and one client per process.

Django keeps a cache object per request context, and each makes its own connection pool
(Django ticket #35651): under Daphne every request connected to Redis anew, a TCP handshake
before the rate limit could even be counted. Django's cache client also builds a new
`redis.Redis` for every operation, and redis-py 8 fills a table of some 200 response callbacks
in each: about a third of a millisecond, four or five times a request. redis-py's clients and
pools are thread-safe, so one of each per location and options serves every request.

What the cache holds can be done without (a rate-limit count, a copy of an API client, the
wallboard's "changed" mark): `cache_or` carries on without Redis while it is unreachable.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

T = TypeVar("T")

_clients: dict[tuple, object] = {}
_clients_lock = threading.Lock()


class SharedRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._redis_by_pool: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        # Pools live as long as this object, so their ids stay theirs. Two threads may both
        # make the first client of a pool: one is kept, either works.
        client = self._redis_by_pool.get(id(pool))
        if client is None:
            client = self._redis_by_pool.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class SharedPoolRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = SharedRedisCacheClient

    @cached_property
    def _cache(self):
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _clients_lock:
            if key not in _clients:
                _clients[key] = self._class(self._servers, **self._options)
            return _clients[key]


# Redis is a doorbell and a cache, never the store (docs/architecture.md): while it is away a
# request goes on without it. After a failure Redis is left alone this long before it is tried
# again, so an outage costs one request a second its connection attempts, not every request.
RETRY_AFTER_OUTAGE_S = 1.0
REDIS_ERRORS = (RedisError, OSError)

logger = logging.getLogger(__name__)


class Outage:
    """Whether one use of Redis (the cache, the channel layer) is down in this process. Said in the
    log once when it goes down and once when it is back, not per request."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._down_since: float | None = None
        self._next_try = 0.0
        self._lock = threading.Lock()

    @property
    def is_down(self) -> bool:
        return self._down_since is not None

    def skipping(self) -> bool:
        """True while Redis failed less than RETRY_AFTER_OUTAGE_S ago: do without it."""
        return self._down_since is not None and time.monotonic() < self._next_try

    def failed(self, error: BaseException) -> None:
        with self._lock:
            now = time.monotonic()
            self._next_try = now + RETRY_AFTER_OUTAGE_S
            if self._down_since is not None:
                return
            self._down_since = now
        logger.warning("%s unreachable, carrying on without it: %s", self.what, error)

    def succeeded(self) -> None:
        if self._down_since is None:
            return
        with self._lock:
            if self._down_since is None:
                return
            down_for = time.monotonic() - self._down_since
            self._down_since = None
        logger.warning("%s reachable again after %.1f s", self.what, down_for)


cache_outage = Outage("Redis cache")


def cache_or(fallback: T, operation: Callable[[], T]) -> T:
    """`operation()` on the cache, or `fallback` while Redis is unreachable."""
    if cache_outage.skipping():
        return fallback
    try:
        result = operation()
    except REDIS_ERRORS as error:
        cache_outage.failed(error)
        return fallback
    cache_outage.succeeded()
    return result


# A pooled connection idle this long is pinged before it is used: after a restart the dead one
# is replaced instead of failing the request that drew it.
HEALTH_CHECK_INTERVAL_S = 5


def _backoff() -> ExponentialBackoff:
    # Three tries within about 70 ms: a Redis that is really down is given up on quickly, and
    # the request carries on without it (cache_or).
    return ExponentialBackoff(cap=0.05, base=0.01)


def connection_options(*, asyncio: bool = False) -> dict:
    """Options for every connection to Redis (the cache, the channel layer; settings reads
    them), so they outlive a Redis restart: a failed command is tried again on a new connection
    with backoff (redis-py's own Retry; the asyncio client needs its own kind)."""
    retry_class = AsyncRetry if asyncio else Retry
    return {
        "retry": retry_class(_backoff(), retries=3),
        "retry_on_error": [RedisConnectionError, RedisTimeoutError, ConnectionResetError],
        "health_check_interval": HEALTH_CHECK_INTERVAL_S,
        "socket_connect_timeout": 1,
    }
