"""Devices whose sign-in ended while nobody was looking: a shared computer's web session that
expired or went idle with nobody coming back to it (the idle timeout signs a browser out only on
its next request), an API token that expired. Their notifications end here, as they would have
on that next request (accounts.middleware) or sign-out (push.receivers, api.tokens).

Cheap enough for a periodic job: a hash of each live session's key (no session is decoded
unless a device was registered under it), and one query for the tokens.
"""

from __future__ import annotations

from datetime import datetime
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import Q
from django.utils import timezone

from accounts.middleware import gone_idle
from push.models import PushSubscription, session_hash
from push.services import end_devices


def push_subscriptions_sweep(*, now: datetime | None = None) -> int:
    """End the notifications of devices whose web session or API token has ended. Returns how
    many devices were removed."""
    now = now or timezone.now()
    tokens_over = PushSubscription.objects.filter(
        Q(api_token__revoked_at__isnull=False) | Q(api_token__expires_at__lte=now)
    )
    sessions_over = PushSubscription.objects.filter(web_session_hash__in=_ended_sessions(now))
    return end_devices(tokens_over) + end_devices(sessions_over)


def _ended_sessions(now: datetime) -> set[str]:
    """The session hashes devices were registered under whose session is gone or idle."""
    tied = set(
        PushSubscription.objects.exclude(web_session_hash="").values_list(
            "web_session_hash", flat=True
        )
    )
    if not tied:
        return set()
    alive: set[str] = set()
    live = Session.objects.filter(expire_date__gt=now).values_list("session_key", "session_data")
    for key, data in live.iterator():
        digest = session_hash(key)
        if digest in tied and not _idle(data, now):
            alive.add(digest)
    return tied - alive


def _idle(session_data: str, now: datetime) -> bool:
    """Past the idle timeout (accounts.middleware): signed out on the browser's next request."""
    data = import_module(settings.SESSION_ENGINE).SessionStore().decode(session_data)
    return gone_idle(data, now.timestamp())
