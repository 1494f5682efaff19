"""The token service: the one way code gets a usable Zoom access token (DESIGN.md flow 7).

The access token is cached (encrypted) until shortly before it expires; Zoom's review rejects
apps that call /oauth/token before every request. A refresh happens under a row lock on the
connection (SELECT ... FOR UPDATE) and re-reads the row once the lock is held: Zoom rotates the
refresh token on every refresh and kills the old one at once (zoom-api.md §1), so two workers must
never spend the same refresh token. ``invalid_grant`` marks the connection *Needs reconnect*.

After each refresh the Zoom user's type is read again from /users/me (1 = Basic: Zoom ends the
host's meetings at 40 minutes), so an upgraded account stops counting as Basic at its next refresh.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from django.db import transaction
from django.utils import timezone

from zoom import vault
from zoom.client import ZoomAccessTokenRejected, ZoomAPI, ZoomAuthError, ZoomError, ZoomOAuth
from zoom.models import ZoomConnection
from zoom.services import connection_mark_needs_reconnect, connection_note_user_type

T = TypeVar("T")
log = logging.getLogger(__name__)

# Refresh this long before the access token expires, so a call never starts with a dying token.
EARLY_REFRESH = timedelta(minutes=5)
# The profile read after a refresh is a courtesy: it may delay the caller this long, no longer.
PROFILE_TIMEOUT = 5.0  # seconds


class ZoomNotConnected(ZoomAuthError):
    """The peer has no live Zoom connection (disconnected, removed, or needs reconnect)."""


def call_zoom(
    connection_id: int,
    operation: Callable[[ZoomAPI], T],
    *,
    as_read: ZoomConnection | None = None,
) -> T:
    """Run ``operation`` with a valid token; on a 401 get a fresh token and try once more.

    ``as_read`` is the connection row as the caller read it a moment ago: its cached token is used
    without reading the row again (one query less on the provisioning path). If another worker has
    rotated the token since, Zoom answers 401 and the retry below reads the row afresh.
    """
    token = _usable_cached_token(as_read, None) if as_read is not None else None
    if token is None:
        token = access_token_for(connection_id)
    try:
        return operation(ZoomAPI(token))
    except ZoomAccessTokenRejected:
        # Expired early, or superseded by a newer access token ("token tolerance 1").
        token = access_token_for(connection_id, rejected=token)
        return operation(ZoomAPI(token))


def access_token_for(connection_id: int, *, rejected: str | None = None) -> str:
    connection = ZoomConnection.objects.get(pk=connection_id)
    cached = _usable_cached_token(connection, rejected)
    if cached is not None:
        return cached
    return _refresh(connection_id, rejected)


def _usable_cached_token(connection: ZoomConnection, rejected: str | None) -> str | None:
    if connection.state != ZoomConnection.State.CONNECTED:
        raise ZoomNotConnected(f"Zoom is {connection.get_state_display().lower()} for this peer")
    expires = connection.access_token_expires_at
    if not connection.access_token_encrypted or expires is None:
        return None
    if expires - EARLY_REFRESH <= timezone.now():
        return None
    token = vault.access_token(connection)
    return None if token == rejected else token


def _refresh(connection_id: int, rejected: str | None) -> str:
    with transaction.atomic():
        connection = ZoomConnection.objects.select_for_update().get(pk=connection_id)
        # Another worker may have refreshed while we waited for the lock: use its token.
        cached = _usable_cached_token(connection, rejected)
        if cached is not None:
            return cached
        outcome = _rotate(connection)
    # Raised after the block so the Needs-reconnect mark is committed, not rolled back.
    if isinstance(outcome, ZoomAuthError):
        raise outcome
    _reread_user_type(connection_id, outcome)
    return outcome


def refresh_idle(connection_id: int, *, idle_before: datetime) -> bool:
    """Spend the refresh token of a grant unused since ``idle_before``, so it never lapses.

    Zoom's refresh token dies after ~90 days of non-use (zoom-api.md §1). True when refreshed;
    False when someone refreshed it meanwhile or it is no longer connected.
    """
    with transaction.atomic():
        connection = ZoomConnection.objects.select_for_update().get(pk=connection_id)
        refreshed = connection.refreshed_at
        if connection.state != ZoomConnection.State.CONNECTED:
            return False
        if refreshed is not None and refreshed >= idle_before:
            return False
        outcome = _rotate(connection)
    if isinstance(outcome, ZoomAuthError):
        raise outcome
    _reread_user_type(connection_id, outcome)
    return True


def _rotate(connection: ZoomConnection) -> str | ZoomAuthError:
    """Refresh with the row locked by the caller; the new access token, or Zoom's refusal."""
    try:
        tokens = ZoomOAuth().refresh(refresh_token=vault.refresh_token(connection))
    except ZoomAuthError as exc:
        connection_mark_needs_reconnect(connection=connection, detail=str(exc))
        return exc
    vault.store_tokens(connection, tokens)
    connection.refreshed_at = timezone.now()
    connection.save(
        update_fields=[
            "refresh_token_encrypted",
            "access_token_encrypted",
            "access_token_expires_at",
            "scopes",
            "refreshed_at",
            "updated_at",
        ]
    )
    return tokens.access_token


def _reread_user_type(connection_id: int, access_token: str) -> None:
    """Read the Zoom user's type with the fresh access token, once the refresh is committed.

    Not inside the refresh's transaction: Zoom has already killed the old refresh token, so the
    new one must be stored before anything else can fail or hang (docs/architecture.md, "A
    refresh whose answer is lost"), and the row lock is not held for a call that does not need
    it. A failed read keeps the type read before; the refresh itself has succeeded.
    """
    try:
        profile = ZoomAPI(access_token).me(timeout=PROFILE_TIMEOUT)
    except ZoomError as exc:
        log.warning("Zoom user type not re-read after a refresh: %s", type(exc).__name__)
        return
    connection_note_user_type(connection_id=connection_id, profile=profile)
