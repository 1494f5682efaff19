"""The shared cache (Redis, when REDIS_URL is set): what fails how when it goes away.

Every process counts API rate limits and throttles, and finds sessions, in the same Redis. When
it stops answering, Peerakeet degrades loudly but safely (docs/reliability.md, "The shared
cache"): each failure is logged as an error, /healthz says so, pages still serve (sessions are
read from the database), throttles that guard sign-in and emails refuse, and the API's rate limit
lets requests through.

Without REDIS_URL the cache is each process's memory, which never fails: development and a
single web process behave as before.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError

log = logging.getLogger("peerakeet.shared_cache")

# What a cache that went away raises: the client's errors, and the socket's underneath them.
UNAVAILABLE = (RedisError, OSError)

CHECK_EVERY = 5.0  # seconds: /healthz asks Redis at most this often per process
# After a failure this process leaves Redis alone for this long: a Redis that hangs instead of
# refusing would otherwise cost every request its timeouts (0.25 s to connect, 0.5 s to answer).
BACK_OFF = 5.0
_state = {"failed_at": float("-inf"), "checked_at": float("-inf")}


def configured() -> bool:
    return bool(getattr(settings, "REDIS_URL", ""))


def down() -> bool:
    """Whether this process saw Redis fail in the last BACK_OFF seconds (callers then act as if
    it had failed again, without waiting for it)."""
    return configured() and time.monotonic() - _state["failed_at"] < BACK_OFF


def failed(what: str, exc: BaseException) -> None:
    """Log a failure loudly (once per back-off, so a dead Redis does not flood the log) and
    leave Redis alone for BACK_OFF seconds. The URL (it may hold a password) is never shown."""
    if not down():
        log.error(
            "Shared cache (Redis) unavailable while %s: %s; using the database for sessions, "
            "refusing emails and new API tokens, not counting API rate limits; next try in %.0f s",
            what,
            type(exc).__name__,
            BACK_OFF,
        )
    _state["failed_at"] = time.monotonic()


def healthy() -> bool:
    """Whether the shared cache answers; asked at most every CHECK_EVERY seconds per process (a
    failure seen meanwhile by any request counts), so /healthz stays cheap under load."""
    if not configured():
        return True
    if down():
        return False
    now = time.monotonic()
    if now - _state["checked_at"] < CHECK_EVERY:
        return True
    try:
        cache.get("peerakeet:healthz")
    except UNAVAILABLE as exc:
        failed("checking health", exc)
        return False
    _state["checked_at"] = now
    return True


def forget_health() -> None:
    """Tests: ask Redis again at the next use."""
    _state.update(failed_at=float("-inf"), checked_at=float("-inf"))
