"""Web sessions end after a while without use, unless the person chose "Remember this device".

Peer support happens on shared devices too (a clinic's computer, a library's): a session left
open there is someone else's next visit. The last request's time is written at most once a minute.

The push subscription a browser registered ends with its session (push.models: the session's
key, hashed). A sign-out, by this timeout or by hand, ends it through push.receivers; what this
middleware adds is the session that changes under a request: a new key for the same person (a new
password) carries the subscription along, and a browser that comes back with a session that is
gone (expired, deleted) takes its subscription with it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from accounts.models import User
from push.services import push_subscriptions_end_for_session, push_subscriptions_follow_session

LAST_SEEN = "peerakeet_last_seen"
REMEMBERED = "peerakeet_remember_device"
WRITE_EVERY = 60  # seconds


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        came_with = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
        if request.user.is_authenticated and not request.session.get(REMEMBERED):
            self._check(request)
        response = self.get_response(request)
        _devices_follow_the_session(request, came_with)
        return response

    def _check(self, request: HttpRequest) -> None:
        now = int(time.time())
        seen = request.session.get(LAST_SEEN)
        if gone_idle(request.session, now):
            logout(request)
            messages.info(
                request,
                f"You were signed out after {settings.SESSION_IDLE_TIMEOUT_MINUTES} minutes "
                "without activity. Sign in again to carry on.",
            )
        elif not isinstance(seen, int) or now - seen >= WRITE_EVERY:
            request.session[LAST_SEEN] = now


def gone_idle(session: Mapping[str, Any], now: float) -> bool:
    """Whether a session's data says it is past the idle timeout (not remembered, last seen too
    long ago): signed out on the browser's next request (push.sweep asks it too)."""
    seen = session.get(LAST_SEEN)
    if session.get(REMEMBERED) or not isinstance(seen, int):
        return False
    return now - seen > settings.SESSION_IDLE_TIMEOUT_MINUTES * 60


def _devices_follow_the_session(request: HttpRequest, came_with: str) -> None:
    """``came_with`` is the session key the browser sent; after the view, the session's key says
    whether it is still that session. One query, only on a request whose session changed."""
    now = request.session.session_key or ""
    if not came_with or came_with == now:
        return
    if isinstance(request.user, User) and now:
        push_subscriptions_follow_session(user=request.user, old_key=came_with, new_key=now)
    else:
        push_subscriptions_end_for_session(session_key=came_with)


@receiver(user_logged_in)
def start_the_idle_clock(sender: object, request: HttpRequest | None, **_: object) -> None:
    # Stamped with the sign-in's own session write, so a fresh session's first page writes nothing.
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN] = int(time.time())
