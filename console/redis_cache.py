"""Django's Redis cache with one connection pool per process.

Django keeps a cache object per request context, and each makes its own connection pool
(Django ticket #35651): under Daphne every request connected to Redis anew, a TCP handshake
before the rate limit could even be counted. redis-py's pools are thread-safe, so one client per
location and options serves every request of the process.
"""

import threading

from django.core.cache.backends.redis import RedisCache
from django.utils.functional import cached_property

_clients: dict[tuple, object] = {}
_clients_lock = threading.Lock()


class SharedPoolRedisCache(RedisCache):
    @cached_property
    def _cache(self):
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _clients_lock:
            if key not in _clients:
                _clients[key] = self._class(self._servers, **self._options)
            return _clients[key]
