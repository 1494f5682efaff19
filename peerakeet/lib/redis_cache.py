"""Django's RedisCache, keeping one Redis client per connection pool.

Django's client builds a new ``redis.Redis`` for every cache call (``get_client``), and
redis-py's constructor registers its ~170 response callbacks each time: on this machine that
cost more than the GET itself on loopback (docs/benchmarks.md §7). A ``redis.Redis`` is safe to
share between threads (each call takes its own connection from the pool), so one per pool is
kept. Pools, options, timeouts and every cache method are Django's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


def caches_for(
    url: str, *, key_prefix: str = "peerakeet", connect_timeout: float = 0.25, timeout: float = 0.5
) -> dict[str, Any]:
    """CACHES for a Redis at ``url``. A Redis that went away must cost a request milliseconds,
    not a worker: connect and answer timeouts short, and no retries (peerakeet/lib/shared_cache.py
    degrades)."""
    return {
        "default": {
            "BACKEND": "peerakeet.lib.redis_cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": key_prefix,
            "OPTIONS": {
                "socket_connect_timeout": connect_timeout,
                "socket_timeout": timeout,
                "retry_on_timeout": False,
            },
        }
    }


class _Client(RedisCacheClient):
    # Set by Django's client; django-stubs does not declare them.
    _client: type[Any]
    _get_connection_pool: Callable[[bool], Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _Client
