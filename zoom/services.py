"""Every change to a peer's Zoom connection (DESIGN.md flows 1, 6 and 7).

Network calls happen outside transactions, except the token refresh (zoom.tokens), which must hold
the row lock while it spends the refresh token.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import PEER_ONLY
from zoom import scopes, vault, webhooks
from zoom.client import TokenSet, ZoomAPI, ZoomError, ZoomOAuth, ZoomRequestError
from zoom.models import AuditEvent, ZoomConnection
from zoom.selectors import connection_of
from zoom.signals import connection_established, connection_lost, meeting_deleted

log = logging.getLogger(__name__)

REVOKE_TIMEOUT = 5.0  # seconds: disconnecting must not hang on Zoom


class ZoomUserAlreadyBound(ZoomError):
    """The Zoom user who authorized is already connected to another Peerakeet peer."""


class ZoomScopesMissing(ZoomError):
    """Zoom granted fewer permissions than Peerakeet needs (``missing`` names them)."""

    def __init__(self, missing: tuple[str, ...]) -> None:
        super().__init__(f"Zoom did not grant: {' '.join(missing)}")
        self.missing = missing


@dataclass(frozen=True)
class OAuthStart:
    state: str
    code_verifier: str
    authorize_url: str


def oauth_begin() -> OAuthStart:
    """A single-use state and a PKCE S256 verifier; the caller keeps both in the login session."""
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    url = ZoomOAuth().authorize_url(state=state, code_challenge=challenge.decode())
    return OAuthStart(state=state, code_verifier=verifier, authorize_url=url)


def connection_complete(*, peer: User, code: str, code_verifier: str) -> ZoomConnection:
    """Exchange the code, read /users/me once, bind the Zoom user to this peer, seal the tokens."""
    tokens = ZoomOAuth().exchange_code(code=code, code_verifier=code_verifier)
    _require_scopes(peer, tokens)
    profile = _profile(tokens)
    try:
        connection = _bind(peer=peer, tokens=tokens, profile=profile)
    except ZoomUserAlreadyBound:
        _revoke_quietly(tokens.access_token)
        audit(
            connection=None,
            peer=peer,
            actor=peer.email,
            kind=AuditEvent.Kind.CONNECT_FAILED,
            detail="Zoom user already bound to another peer",
        )
        raise
    return connection


def connection_failed(*, peer: User, detail: str) -> None:
    """A connect that did not complete (denied, a stale link, Zoom's refusal): audited."""
    audit(
        connection=getattr(peer, "zoom_connection", None),
        peer=peer,
        actor=peer.email,
        kind=AuditEvent.Kind.CONNECT_FAILED,
        detail=detail,
    )


def _require_scopes(peer: User, tokens: TokenSet) -> None:
    """A grant that does not cover every need would fail later, mid-booking: refuse it now.

    Granular or classic names both count (zoom.scopes); ``missing`` names what we ask for.
    """
    missing = tuple(need.granular for need in scopes.unmet(tokens.scope))
    if missing:
        _revoke_quietly(tokens.access_token)
        audit(
            connection=None,
            peer=peer,
            actor=peer.email,
            kind=AuditEvent.Kind.CONNECT_FAILED,
            detail=f"Zoom did not grant: {' '.join(missing)}",
        )
        raise ZoomScopesMissing(missing)


def _profile(tokens: TokenSet) -> dict[str, Any]:
    profile = ZoomAPI(tokens.access_token).me()
    if not profile.get("id") or not profile.get("account_id"):
        raise ZoomRequestError("Zoom's /users/me answer had no id or account_id")
    return profile


def user_type(profile: dict[str, Any]) -> int | None:
    """The Zoom user's ``type`` in a /users/me answer (1 = Basic); None when it is not there."""
    value = profile.get("type")
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    return value


def connection_note_user_type(*, connection_id: int, profile: dict[str, Any]) -> bool:
    """A fresh /users/me answer after a token refresh: keep the user type current (an upgraded
    account stops being Basic). A connection ended, or bound to another Zoom user, since the
    answer was asked for is left alone. True when the stored type changed."""
    kind = user_type(profile)
    if kind is None:
        return False
    changed = (
        ZoomConnection.objects.filter(
            pk=connection_id,
            state=ZoomConnection.State.CONNECTED,
            zoom_user_id=str(profile.get("id", "")),
        )
        .exclude(zoom_user_type=kind)
        .update(zoom_user_type=kind, updated_at=timezone.now())
    )
    return changed > 0


def _bind(*, peer: User, tokens: TokenSet, profile: dict[str, Any]) -> ZoomConnection:
    zoom_user_id = str(profile["id"])
    try:
        with transaction.atomic():
            taken = ZoomConnection.objects.filter(zoom_user_id=zoom_user_id).exclude(peer=peer)
            if taken.exists():
                raise ZoomUserAlreadyBound("This Zoom account is connected to another peer")
            connection, _ = ZoomConnection.objects.select_for_update().get_or_create(peer=peer)
            connection.state = ZoomConnection.State.CONNECTED
            connection.reason = ZoomConnection.Reason.NONE
            connection.zoom_user_id = zoom_user_id
            connection.zoom_account_id = str(profile["account_id"])
            connection.zoom_email = str(profile.get("email", ""))[:254]
            connection.zoom_user_type = user_type(profile)
            connection.connected_at = connection.refreshed_at = timezone.now()
            vault.store_tokens(connection, tokens)
            connection.save()
            audit(
                connection=connection,
                peer=peer,
                actor=peer.email,
                kind=AuditEvent.Kind.CONNECTED,
                detail=f"Zoom account {connection.zoom_email}",
            )
            connection_established.send(sender=ZoomConnection, connection=connection)
    except IntegrityError:
        # Two peers raced to bind the same Zoom user; the unique index let only one win.
        raise ZoomUserAlreadyBound("This Zoom account is connected to another peer") from None
    return connection


def may_disconnect(user: User) -> bool:
    """A certified peer, or anyone who still holds a connection: a peer whose certification was
    revoked must be able to take their Zoom account back (every door asks this)."""
    return user.is_certified_peer or ZoomConnection.objects.filter(peer=user).exists()


def connection_disconnect(*, peer: User, revoked_by: str = "") -> bool:
    """Option 1 of the guide: revoke at Zoom (best effort, bounded), erase the tokens.

    ``revoked_by``: support ended the connection with the peer's certification (who did, for
    the audit trail), not the peer (accounts.services.certification_revoke). Otherwise the peer
    asks, and must be one who may (``may_disconnect``): PermissionDenied, nothing changed."""
    if not revoked_by and not may_disconnect(peer):
        raise PermissionDenied(PEER_ONLY)
    connection = connection_of(peer.pk)
    if connection is None or connection.state == ZoomConnection.State.DISCONNECTED:
        return False
    if connection.access_token_encrypted:
        _revoke_quietly(vault.access_token(connection))
    if revoked_by:
        _end(
            connection.pk,
            reason=ZoomConnection.Reason.CERTIFICATION_REVOKED,
            kind=AuditEvent.Kind.CERTIFICATION_REVOKED,
            actor=revoked_by,
            detail="Grant revoked at Zoom with the peer certification",
        )
        return True
    _end(
        connection.pk,
        reason=ZoomConnection.Reason.BY_PEER,
        kind=AuditEvent.Kind.DISCONNECTED,
        actor=peer.email,
    )
    return True


def connection_deauthorize(
    *, zoom_user_id: str, account_id: str, deauthorized_at: datetime | None = None
) -> bool:
    """Option 2: Zoom says the app was removed in the Marketplace. Idempotent.

    An event older than the current connection (a late retry or a replay after the peer
    reconnected) must not end the new grant. The row is compared under its lock, in the
    transaction that ends it, so a reconnect committing meanwhile is seen (see _predates).
    """
    with transaction.atomic():
        connection = (
            ZoomConnection.objects.select_for_update()
            .filter(zoom_user_id=zoom_user_id, zoom_account_id=account_id)
            .first()
        )
        if connection is None or _predates(deauthorized_at, connection.connected_at):
            return False
        _end_locked(
            connection,
            reason=ZoomConnection.Reason.REMOVED_IN_ZOOM,
            kind=AuditEvent.Kind.DEAUTHORIZED,
            actor="Zoom",
            detail="app_deauthorized",
        )
    return True


# How far a whole-second deauthorization_time may lie ahead of the moment it stands for.
WHOLE_SECOND = timedelta(seconds=1)


def _predates(deauthorized_at: datetime | None, connected_at: datetime | None) -> bool:
    """Whether a removal may be of the grant this connection replaced, and must be ignored.

    ``connected_at`` is ours, in microseconds. Zoom's ``deauthorization_time`` comes in
    milliseconds (zoom-api.md §4) or in whole seconds, cut or rounded. A precise stamp is compared
    as it is. A whole-second stamp stands for any moment up to a second either side, so it ends
    the connection only when it is at least a second after ``connected_at``; one stamped before
    it, in the same second, or less than a second after it is ignored. Ignoring a real removal costs
    little (nobody removes the app within a second of allowing it, and if they did the grant is
    dead at Zoom: the next refresh marks the connection Needs reconnect); ending the new grant
    would cut a peer off who just reconnected.
    """
    if deauthorized_at is None or connected_at is None:
        return False
    whole_seconds = deauthorized_at.microsecond == 0
    return deauthorized_at < connected_at + (WHOLE_SECOND if whole_seconds else timedelta(0))


def connection_mark_needs_reconnect(*, connection: ZoomConnection, detail: str) -> None:
    """Zoom refused the grant (invalid_grant). Called with the row locked by zoom.tokens."""
    connection.state = ZoomConnection.State.NEEDS_RECONNECT
    connection.reason = ZoomConnection.Reason.GRANT_REFUSED
    vault.erase_tokens(connection)
    connection.save()
    audit(
        connection=connection,
        peer=connection.peer,
        actor="system",
        kind=AuditEvent.Kind.REFRESH_FAILED,
        detail=detail,
    )
    connection_lost.send(sender=ZoomConnection, connection=connection)


def webhook_received(event: dict[str, Any]) -> dict[str, str]:
    """A verified Zoom event (zoom-api.md §4): the reply to send. Every event, and every repeat,
    is acknowledged so Zoom does not retry it; MalformedEvent for one that cannot be answered."""
    payload: dict[str, Any] = event.get("payload", {})
    name = event["event"]
    if name == "endpoint.url_validation":
        plain = webhooks.plain_token(payload)
        return webhooks.url_validation_reply(settings.ZOOM_WEBHOOK_SECRET_TOKEN, plain)
    if name == "app_deauthorized":
        _deauthorized(webhooks.deauthorization(payload))
    if name == "meeting.deleted":
        _meeting_deleted(webhooks.deleted_meeting(payload))
    return {"status": "ok"}


def _deauthorized(event: webhooks.Deauthorization) -> None:
    if event.client_id != settings.ZOOM_CLIENT_ID:
        log.warning("Zoom app_deauthorized for another client id ignored")
        return
    connection_deauthorize(
        zoom_user_id=event.zoom_user_id,
        account_id=event.account_id,
        deauthorized_at=event.deauthorized_at,
    )


def _meeting_deleted(event: webhooks.DeletedMeeting | None) -> None:
    """The host deleted a meeting inside Zoom (optional event, zoom-api.md §4)."""
    if event is None:
        return
    host = event.host_zoom_user_id
    if ZoomConnection.objects.filter(
        zoom_user_id=host, state=ZoomConnection.State.CONNECTED
    ).exists():
        meeting_deleted.send(
            sender=ZoomConnection,
            zoom_meeting_id=event.zoom_meeting_id,
            host_zoom_user_id=host,
        )


def _end(connection_id: int, *, reason: str, kind: str, actor: str, detail: str = "") -> None:
    with transaction.atomic():
        connection = ZoomConnection.objects.select_for_update().get(pk=connection_id)
        _end_locked(connection, reason=reason, kind=kind, actor=actor, detail=detail)


def _end_locked(
    connection: ZoomConnection, *, reason: str, kind: str, actor: str, detail: str
) -> None:
    """Erase the grant and the Zoom profile data; the caller holds the row lock."""
    connection.state = ZoomConnection.State.DISCONNECTED
    connection.reason = reason
    _forget_zoom_email_in_audit(connection)
    # Zoom profile data goes with the tokens (Marketplace rule: delete the user's Zoom data).
    connection.zoom_user_id = connection.zoom_user_type = None
    connection.zoom_account_id = connection.zoom_email = connection.scopes = ""
    vault.erase_tokens(connection)
    connection.save()
    audit(connection=connection, peer=connection.peer, actor=actor, kind=kind, detail=detail)
    connection_lost.send(sender=ZoomConnection, connection=connection)


def _forget_zoom_email_in_audit(connection: ZoomConnection) -> None:
    """The trail keeps who did what, not the Zoom profile: "Connected" named the Zoom account."""
    email = connection.zoom_email
    if not email:
        return
    for event in AuditEvent.objects.filter(connection=connection, detail__contains=email):
        event.detail = event.detail.replace(email, "(Zoom account erased)")
        event.save(update_fields=["detail"])


def _revoke_quietly(token: str) -> None:
    try:
        ZoomOAuth().revoke(token=token, timeout=REVOKE_TIMEOUT)
    except ZoomError as exc:
        # Best effort: the tokens are erased on our side whatever Zoom answers.
        log.warning("Zoom token revoke failed: %s", type(exc).__name__)


def audit(
    *, connection: ZoomConnection | None, peer: User | None, actor: str, kind: str, detail: str
) -> AuditEvent:
    """One line of the connection's audit trail (support staff read it; never a secret)."""
    return AuditEvent.objects.create(
        connection=connection, peer=peer, actor=actor, kind=kind, detail=detail[:300]
    )
