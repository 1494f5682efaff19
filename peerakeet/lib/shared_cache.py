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
_last_check = {"at": -CHECK_EVERY, "ok": True}


def configured() -> bool:
    return bool(getattr(settings, "REDIS_URL", ""))


def failed(what: str, exc: BaseException) -> None:
    """Log one failure loudly: an operator must hear of it; the URL (its password) never shown."""
    _last_check.update(at=time.monotonic(), ok=False)
    log.error("Shared cache (Redis) unavailable while %s: %s", what, type(exc).__name__)


def healthy() -> bool:
    """Whether the shared cache answers; asked at most every CHECK_EVERY seconds per process
    (a failure seen meanwhile by any request counts), so /healthz stays cheap under load."""
    if not configured():
        return True
    now = time.monotonic()
    if now - _last_check["at"] < CHECK_EVERY:
        return bool(_last_check["ok"])
    try:
        cache.get("peerakeet:healthz")
    except UNAVAILABLE as exc:
        failed("checking health", exc)
        return False
    _last_check.update(at=now, ok=True)
    return True


def forget_health() -> None:
    """Tests: ask Redis again at the next check."""
    _last_check.update(at=-CHECK_EVERY, ok=True)
