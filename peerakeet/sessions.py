"""Web sessions in Redis in front of the database (SESSION_ENGINE when REDIS_URL is set).

Django's ``cached_db`` store: every session is written to the database and to the shared cache,
and read from the cache when it is there. A flushed Redis therefore signs nobody out, and a
sign-out on one web process is seen by every other (the entry is deleted from the shared cache).

What Django's store does not do, this one adds: a Redis that stops answering costs the cache,
not the request. A failure is logged as an error (peerakeet.lib.shared_cache), and for the next
few seconds this process reads and writes sessions in the database alone, without waiting on
Redis.

Entries live in Redis for at most CACHE_SECONDS, whatever the session's own age: a sign-out
during a Redis outage deletes the database row but cannot delete the cached copy, and if that
same Redis comes back without having been flushed, the copy is believed for at most this long.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.cache.backends.base import BaseCache

from peerakeet.lib import shared_cache

CACHE_SECONDS = 300


class SessionStore(CachedDBStore):
    # Set by Django's stores; django-stubs does not declare them.
    _cache: BaseCache
    _session: dict[str, Any]
    _get_session_from_db: Callable[[], AbstractBaseSession | None]

    def load(self) -> dict[str, Any]:
        data = None
        if not shared_cache.down():
            try:
                data = self._cache.get(self.cache_key)
            except shared_cache.UNAVAILABLE as exc:
                shared_cache.failed("reading a session", exc)
        if data is not None:
            return dict(data)
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        self._cache_set(data, self.get_expiry_age(expiry=stored.expire_date))
        return dict(data)

    def exists(self, session_key: str | None) -> bool:
        if not session_key:
            return False
        try:
            if not shared_cache.down() and (self.cache_key_prefix + session_key) in self._cache:
                return True
        except shared_cache.UNAVAILABLE as exc:
            shared_cache.failed("checking a session key", exc)
        return super(CachedDBStore, self).exists(session_key)

    def save(self, must_create: bool = False) -> None:
        super(CachedDBStore, self).save(must_create)
        self._cache_set(self._session, self.get_expiry_age())

    def delete(self, session_key: str | None = None) -> None:
        super(CachedDBStore, self).delete(session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        if shared_cache.down():
            return
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except shared_cache.UNAVAILABLE as exc:
            shared_cache.failed("deleting a session", exc)

    def _cache_set(self, data: dict[str, Any], expiry_age: int) -> None:
        if shared_cache.down():
            return
        try:
            self._cache.set(self.cache_key, data, min(expiry_age, CACHE_SECONDS))
        except shared_cache.UNAVAILABLE as exc:
            shared_cache.failed("storing a session", exc)
