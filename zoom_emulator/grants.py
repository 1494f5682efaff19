"""OAuth grants: codes, token issue, refresh rotation, revocation (zoom-api.md §1).

Pure state logic; oauth.py puts HTTP around it. Raw tokens exist only in the responses: the store
keeps sha256 digests.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from zoom_emulator import ids
from zoom_emulator.config import EmulatorConfig
from zoom_emulator.state import AuthCode, Grant, GrantStatus, Store, User


class OAuthError(Exception):
    """A token-endpoint error; Zoom's body is {"reason": …, "error": …} with status 400."""

    def __init__(self, error: str, reason: str) -> None:
        super().__init__(reason)
        self.error = error
        self.reason = reason

    def body(self) -> dict[str, str]:
        return {"reason": self.reason, "error": self.error}


class AccessDenied(Exception):
    """A REST call whose bearer token does not work: 401 code 124 (zoom-api.md §2)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


INVALID_TOKEN = "Invalid access token."  # noqa: S105 - Zoom's message, not a secret
EXPIRED_TOKEN = "Access token is expired."  # noqa: S105


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str
    expires_in: int
    scope: str

    def body(self, api_url: str) -> dict[str, object]:
        # Key order and values as Zoom sends them (zoom-api.md §1 "Token").
        return {
            "access_token": self.access_token,
            "token_type": "bearer",
            "refresh_token": self.refresh_token,
            "expires_in": self.expires_in,
            "scope": self.scope,
            "api_url": api_url,
        }


def pkce_matches(challenge: str | None, method: str, verifier: str | None) -> bool:
    if challenge is None:
        return True
    if verifier is None:
        return False
    if method == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    else:
        expected = verifier
    return hmac.compare_digest(expected, challenge)


def issue_code(store: Store, cfg: EmulatorConfig, now: float, code: AuthCode) -> str:
    raw = ids.auth_code()
    code.expires_at = now + cfg.code_ttl
    with store.lock:
        store.codes[ids.digest(raw)] = code
    return raw


def _mint(store: Store, cfg: EmulatorConfig, grant: Grant, now: float) -> TokenSet:
    """New access + refresh token for `grant`; the previous refresh token dies at once."""
    access, refresh = ids.jwt_like("access"), ids.jwt_like("refresh")
    if cfg.token_tolerance_one:
        grant.access.clear()  # "token tolerance 1": one valid access token per grant.
    grant.access[ids.digest(access)] = now + cfg.access_token_ttl
    store.access_index[ids.digest(access)] = grant.id
    store.refresh_index.pop(grant.refresh_hash, None)
    grant.refresh_hash = ids.digest(refresh)
    grant.refresh_expires_at = now + cfg.refresh_token_ttl
    store.refresh_index[grant.refresh_hash] = grant.id
    # Zoom says 3599 for a one-hour token: expires_in is one second short of the lifetime.
    return TokenSet(access, refresh, cfg.access_token_ttl - 1, " ".join(grant.scopes))


def end_grants(
    store: Store, *, user_id: str, client_id: str, status: GrantStatus, now: float
) -> list[Grant]:
    with store.lock:
        ended = [
            g
            for g in store.grants.values()
            if g.active and g.user_id == user_id and g.client_id == client_id
        ]
        for grant in ended:
            grant.status, grant.ended_at = status, now
        return ended


def exchange_code(
    store: Store,
    cfg: EmulatorConfig,
    now: float,
    *,
    code: str | None,
    redirect_uri: str | None,
    verifier: str | None,
) -> TokenSet:
    bad_code = OAuthError("invalid_request", f"Invalid authorization code {code or ''}".strip())
    with store.lock:
        entry = store.codes.get(ids.digest(code)) if code else None
        if entry is None or entry.used or entry.client_id != cfg.client_id:
            raise bad_code
        entry.used = True  # Single use, even when this attempt fails below.
        if entry.expires_at <= now:
            raise bad_code
        if redirect_uri != entry.redirect_uri:
            raise OAuthError("invalid_request", "Redirect URI mismatch.")
        if not pkce_matches(entry.code_challenge, entry.code_challenge_method, verifier):
            raise OAuthError("invalid_request", "Invalid code_verifier.")
        user = store.users[entry.user_id]
        # A new authorization of the same user for the same app supersedes the earlier grant.
        end_grants(store, user_id=user.id, client_id=entry.client_id, status="superseded", now=now)
        grant = Grant(
            id=secrets.token_hex(8),
            user_id=user.id,
            account_id=user.account_id,
            client_id=entry.client_id,
            scopes=list(entry.scopes),
            created_at=now,
        )
        store.grants[grant.id] = grant
        return _mint(store, cfg, grant, now)


def refresh(store: Store, cfg: EmulatorConfig, now: float, *, token: str | None) -> TokenSet:
    invalid = OAuthError("invalid_grant", "Invalid Token!")
    with store.lock:
        grant_id = store.refresh_index.get(ids.digest(token)) if token else None
        grant = store.grants.get(grant_id) if grant_id else None
        if grant is None or not grant.active or grant.client_id != cfg.client_id:
            raise invalid
        if grant.refresh_hash != ids.digest(token or "") or grant.refresh_expires_at <= now:
            raise invalid
        grant.refresh_count += 1
        return _mint(store, cfg, grant, now)


def revoke(store: Store, cfg: EmulatorConfig, now: float, *, token: str | None) -> Grant:
    """Kill the whole grant behind an access or refresh token (zoom-api.md §1 "Revoke")."""
    with store.lock:
        key = ids.digest(token) if token else ""
        grant_id = store.access_index.get(key) or store.refresh_index.get(key)
        grant = store.grants.get(grant_id) if grant_id else None
        if grant is None or grant.client_id != cfg.client_id:
            raise OAuthError("invalid_request", "Invalid Token!")
        if grant.active:
            grant.status, grant.ended_at = "revoked", now
        return grant


def authenticate(store: Store, now: float, token: str | None) -> tuple[Grant, User]:
    """The grant and user behind a bearer token, or AccessDenied with Zoom's message."""
    with store.lock:
        key = ids.digest(token) if token else ""
        grant = store.grants.get(store.access_index.get(key, ""))
        if grant is None or not grant.active or key not in grant.access:
            raise AccessDenied(INVALID_TOKEN)
        if grant.access[key] <= now:
            raise AccessDenied(EXPIRED_TOKEN)
        return grant, store.users[grant.user_id]
