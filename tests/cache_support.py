"""The shared cache both ways: each process's memory (development) and a real Redis.

``either_cache`` runs a test twice, once per configuration; ``redis_gone`` points the cache at a
closed port on 127.0.0.1, as a Redis that went away looks to the web processes. The Redis runs
use their own database number (TEST_REDIS_URL, default /15), flushed around each test.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.core.cache import cache

from peerakeet.lib import shared_cache
from peerakeet.lib.redis_cache import caches_for

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(scope="session", autouse=True)
def _fresh_shared_cache() -> None:
    """A suite run on Redis (REDIS_URL, as CI does) starts from an empty database: counters
    left by an earlier run within the same hour would otherwise count against this one."""
    from django.conf import settings

    if settings.REDIS_URL:
        cache.clear()


def use_redis(settings: Any, url: str) -> None:
    settings.REDIS_URL = url
    settings.CACHES = caches_for(url)
    settings.SESSION_ENGINE = "peerakeet.sessions"
    shared_cache.forget_health()


def use_memory(settings: Any) -> None:
    settings.REDIS_URL = ""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    shared_cache.forget_health()


def raw_redis() -> redis.Redis:
    """A connection of its own, as another process would have."""
    return redis.Redis.from_url(TEST_REDIS_URL)


@pytest.fixture(params=["memory", "redis"])
def either_cache(request: pytest.FixtureRequest, settings: Any) -> Iterator[str]:
    if request.param == "redis":
        assert raw_redis().ping(), f"no Redis answers at {TEST_REDIS_URL} (.ci/run starts one)"
        use_redis(settings, TEST_REDIS_URL)
    else:
        use_memory(settings)
    cache.clear()  # Redis: FLUSHDB of the test database number only
    yield request.param
    cache.clear()
    shared_cache.forget_health()


@pytest.fixture
def with_redis(settings: Any) -> Iterator[str]:
    assert raw_redis().ping(), f"no Redis answers at {TEST_REDIS_URL} (.ci/run starts one)"
    use_redis(settings, TEST_REDIS_URL)
    cache.clear()
    yield TEST_REDIS_URL
    cache.clear()
    shared_cache.forget_health()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # closed again: nothing listens there


@pytest.fixture
def redis_gone(settings: Any) -> Iterator[str]:
    url = f"redis://127.0.0.1:{closed_port()}/0"
    use_redis(settings, url)
    yield url
    shared_cache.forget_health()


class HungRedis:
    """A Redis that accepts connections and never answers (a hung server, a black hole)."""

    def __init__(self, url: str, held: list[socket.socket]) -> None:
        self.url = url
        self.held = held

    @property
    def connections(self) -> int:
        """How many times a client connected to it so far."""
        return len(self.held)


@pytest.fixture
def redis_hangs(settings: Any) -> Iterator[HungRedis]:
    """A Redis that accepts connections and never answers (a hung server, a black hole)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    url = f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    use_redis(settings, url)
    # Long waits (production's are 0.25 s and 0.5 s), so a test sees each one it pays.
    settings.CACHES["default"]["OPTIONS"].update(socket_connect_timeout=2.0, socket_timeout=2.0)
    settings.CACHES = {**settings.CACHES}  # re-assigned: Django drops its cache connections
    yield HungRedis(url, held)
    stop.set()
    thread.join(timeout=2)
    for conn in held:
        conn.close()
    server.close()
    shared_cache.forget_health()
