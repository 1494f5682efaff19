"""Counters for "at most N of these an hour", kept in Django's cache.

``cache.add`` + ``cache.incr`` are atomic in Redis and Memcached, so every web process counts
against the same number once production points CACHES at a shared cache (as api.auth does).
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from peerakeet.lib.client_ip import client_ip


def allow(kind: str, subject: str, *, limit: int, window: int) -> bool:
    """Count one more ``kind`` for ``subject`` (an address, an account); False once over."""
    bucket = int(time.time() // window)
    # Hashed: an email address or IP never appears as a cache key (or in Redis's memory dumps).
    digest = hashlib.sha256(subject.strip().lower().encode()).hexdigest()[:32]
    return count_once(f"throttle:{kind}:{digest}:{bucket}", window=window) <= limit


def count_once(key: str, *, window: int) -> int:
    """Add one to the counter ``key`` in the shared cache, living a little past ``window``
    seconds, and return the new count (atomic where the cache's incr is: Redis, Memcached)."""
    cache.add(key, 0, timeout=window + 5)
    try:
        return cache.incr(key)
    except ValueError:  # evicted between add and incr: start again
        cache.set(key, 1, timeout=window + 5)
        return 1


def request_ip(request: HttpRequest) -> str:
    """The client's address (django-axes uses this too: AXES_CLIENT_IP_CALLABLE)."""
    return client_ip(request.META, settings.AXES_IPWARE_PROXY_COUNT or 0)
