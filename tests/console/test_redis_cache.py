import threading

from django.core.cache.backends.redis import RedisCache

from console.redis_cache import SharedPoolRedisCache


def _clients_made_in_threads(backend) -> list:
    """What each of two threads gets, as Django would make a cache object per request."""
    clients = []

    def make() -> None:
        clients.append(backend("redis://127.0.0.1:6379/0", {"KEY_PREFIX": "t"})._cache)

    for thread in [threading.Thread(target=make) for _ in range(2)]:
        thread.start()
        thread.join()
    return clients


def test_requests_share_one_redis_client_and_pool():
    first, second = _clients_made_in_threads(SharedPoolRedisCache)
    assert first is second


def test_djangos_own_redis_cache_makes_a_client_per_cache_object():
    # Why the shared pool exists (Django ticket #35651); when Django fixes it, this fails.
    first, second = _clients_made_in_threads(RedisCache)
    assert first is not second


def test_each_operation_uses_the_same_redis_client():
    cache = SharedPoolRedisCache("redis://127.0.0.1:6379/0", {"KEY_PREFIX": "t"})._cache
    assert cache.get_client("a", write=True) is cache.get_client("b", write=False)


def test_djangos_own_redis_cache_client_makes_a_redis_client_per_operation():
    # Why the client is kept: each one costs a third of a millisecond (redis-py 8).
    cache = RedisCache("redis://127.0.0.1:6379/0", {"KEY_PREFIX": "t"})._cache
    assert cache.get_client("a", write=True) is not cache.get_client("a", write=True)
