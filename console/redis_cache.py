"""Django's Redis cache with one connection pool and one client per process.

Django keeps a cache object per request context, and each makes its own connection pool
(Django ticket #35651): under Daphne every request connected to Redis anew, a TCP handshake
before the rate limit could even be counted. Django's cache client also builds a new
`redis.Redis` for every operation, and redis-py 8 fills a table of some 200 response callbacks
in each: about a third of a millisecond, four or five times a request. redis-py's clients and
pools are thread-safe, so one of each per location and options serves every request.
"""

import threading

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property

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
