"""Identifiers and secrets shaped like Zoom's."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import string

_ALNUM = string.ascii_letters + string.digits


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def zoom_user_id() -> str:
    """22 characters of URL-safe base64, like Zoom's user and account ids."""
    return _b64url(secrets.token_bytes(16))


def meeting_number() -> int:
    """An 11-digit meeting id (int64 on the wire)."""
    return secrets.randbelow(9 * 10**10) + 10**10


def meeting_uuid() -> str:
    """Standard base64 of 16 bytes: ends with '==' and may contain '/' and '+', as Zoom's do."""
    return base64.b64encode(secrets.token_bytes(16)).decode()


def jwt_like(kind: str) -> str:
    """An opaque, unguessable token that looks like Zoom's JWTs (starts with 'eyJ').

    It carries no user data: the emulator looks tokens up by hash.
    """
    header = _b64url(
        json.dumps({"alg": "HS512", "v": "2.0", "kid": kind}, separators=(",", ":")).encode()
    )
    payload = _b64url(
        json.dumps({"jti": secrets.token_urlsafe(24)}, separators=(",", ":")).encode()
    )
    return f"{header}.{payload}.{_b64url(secrets.token_bytes(32))}"


def auth_code() -> str:
    return secrets.token_urlsafe(24)


def digest(secret: str) -> str:
    """How secrets are keyed in memory and named in logs: never the raw value."""
    return hashlib.sha256(secret.encode()).hexdigest()


def short_id(secret: str) -> str:
    """A short, non-reversible name for a token in the call log."""
    return digest(secret)[:12]


def meeting_password() -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(6))


def numeric_password(password: str) -> str:
    """Zoom derives digit-only H.323/PSTN passcodes; all-digit passwords are kept as they are."""
    if password.isdigit():
        return password
    return "".join(str(b % 10) for b in hashlib.sha256(password.encode()).digest()[:6])


def encrypted_password() -> str:
    return _b64url(secrets.token_bytes(24))


def hex_token(nbytes: int = 32) -> str:
    return secrets.token_hex(nbytes)
