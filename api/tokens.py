"""Issue, recognise and revoke API tokens. The plaintext exists only in the issuing response."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from api.models import ApiToken

TOKEN_PREFIX = "pkt_"  # noqa: S105 (recognisable in logs and by secret scanners)
PREFIX_LENGTH = 12  # "pkt_" and 8 random characters: enough to tell tokens apart, useless alone.
LAST_USED_RESOLUTION = timedelta(minutes=1)  # One write a minute per token, not one per request.


def token_ttl() -> timedelta:
    return timedelta(days=getattr(settings, "API_TOKEN_TTL_DAYS", 30))


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    plaintext: str


def token_issue(*, user: User, name: str) -> IssuedToken:
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100] or "API token",
        token_hash=hash_token(plaintext),
        prefix=plaintext[:PREFIX_LENGTH],
        created_at=now,
        expires_at=now + token_ttl(),
    )
    return IssuedToken(token=token, plaintext=plaintext)


class TokenRefused(Exception):
    """Why a bearer token was not accepted; ``code`` is stable (the API shows it)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def token_authenticate(plaintext: str) -> ApiToken:
    token = ApiToken.objects.select_related("user").filter(token_hash=hash_token(plaintext)).first()
    if token is None or not token.user.is_active:
        raise TokenRefused("invalid_token", "This token is not valid. Sign in again.")
    now = timezone.now()
    if token.revoked_at is not None:
        raise TokenRefused("token_revoked", "This token was revoked. Sign in again.")
    if token.expires_at <= now:
        raise TokenRefused("token_expired", "This token has expired. Sign in again.")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def tokens_revoke_all(*, user: User) -> int:
    """Sign out everywhere, a password change or reset, support staff: every token of this person
    stops working at once."""
    live = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    return live.update(revoked_at=timezone.now())


def token_revoke_for(*, user: User, token_id: int) -> bool:
    """One of the person's own tokens (Preferences); anyone else's is not found."""
    mine = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True)
    return mine.update(revoked_at=timezone.now()) == 1


def tokens_in_use(user: User) -> QuerySet[ApiToken]:
    """The devices signed in through the API: neither revoked nor expired, newest first."""
    return ApiToken.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-created_at")
