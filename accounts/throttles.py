"""Counters for "at most N of these an hour", kept in Django's cache.

``cache.add`` + ``cache.incr`` are atomic in Redis, so every web process counts against the same
number once REDIS_URL points the default cache at a shared Redis (as api.auth's rate limit does).

When that Redis does not answer, a throttle cannot count. ``allow`` then refuses (fails closed):
it guards emails sent to an address and sign-ins, where letting everything through is what an
attacker would want. A caller that must tell the person *why* it refuses (an API sign-in: "briefly
unavailable", not "too many") calls ``under_limit``, which raises ``CounterUnavailable`` instead.
A caller that guards reading (the API's rate limit) catches ``CounterUnavailable`` from
``count_once`` and lets the request through (fails open).
docs/reliability.md, "The shared cache", says why each.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from peerakeet.lib import shared_cache
from peerakeet.lib.client_ip import client_ip


class CounterUnavailable(Exception):
    """The shared cache did not answer: nothing was counted."""


def allow(kind: str, subject: str, *, limit: int, window: int) -> bool:
    """Count one more ``kind`` for ``subject`` (an address, an account); False once over, and
    False when the shared cache cannot count (fails closed: see the module's docstring)."""
    try:
        return under_limit(kind, subject, limit=limit, window=window)
    except CounterUnavailable:
        return False


def under_limit(kind: str, subject: str, *, limit: int, window: int) -> bool:
    """``allow``, for a caller that answers differently when the count cannot be made: raises
    CounterUnavailable then (the caller must still refuse: fail closed)."""
    bucket = int(time.time() // window)
    # Hashed: an email address or IP never appears as a cache key (or in Redis's memory dumps).
    digest = hashlib.sha256(subject.strip().lower().encode()).hexdigest()[:32]
    return count_once(f"throttle:{kind}:{digest}:{bucket}", window=window) <= limit


def count_once(key: str, *, window: int) -> int:
    """Add one to the counter ``key`` in the shared cache, living a little past ``window``
    seconds, and return the new count (atomic where the cache's incr is: Redis).
    Raises CounterUnavailable (logged as an error) when the shared cache does not answer."""
    if shared_cache.down():
        raise CounterUnavailable
    try:
        cache.add(key, 0, timeout=window + 5)
        try:
            return cache.incr(key)
        except ValueError:  # evicted between add and incr: start again
            cache.set(key, 1, timeout=window + 5)
            return 1
    except shared_cache.UNAVAILABLE as exc:
        shared_cache.failed("counting a throttle", exc)
        raise CounterUnavailable from None


def request_ip(request: HttpRequest) -> str:
    """The client's address (django-axes uses this too: AXES_CLIENT_IP_CALLABLE)."""
    return client_ip(request.META, settings.AXES_IPWARE_PROXY_COUNT or 0)
