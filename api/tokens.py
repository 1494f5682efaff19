"""Issue, recognise and revoke API tokens. The plaintext exists only in the issuing response."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from api.models import ApiToken
from push.services import push_subscriptions_end_for_tokens

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


# A revoked token's device stops getting pushes too: a phone signed out of the app must not
# keep showing the person's session times (push.models.PushSubscription.api_token).


@transaction.atomic
def token_revoke(*, token: ApiToken) -> None:
    _revoke(ApiToken.objects.filter(pk=token.pk))


@transaction.atomic
def tokens_revoke_all(*, user: User) -> int:
    """Sign out everywhere, a password change or reset, support staff: every token of this person
    stops working at once."""
    return _revoke(ApiToken.objects.filter(user=user))


@transaction.atomic
def token_revoke_for(*, user: User, token_id: int) -> bool:
    """One of the person's own tokens (Preferences); anyone else's is not found."""
    return _revoke(ApiToken.objects.filter(pk=token_id, user=user)) == 1


def _revoke(tokens: QuerySet[ApiToken]) -> int:
    """Revoke the live ones among ``tokens`` and end their devices' pushes; how many were live."""
    live = list(tokens.filter(revoked_at__isnull=True).values_list("pk", flat=True))
    if not live:
        return 0
    revoked = ApiToken.objects.filter(pk__in=live, revoked_at__isnull=True)
    count = revoked.update(revoked_at=timezone.now())
    push_subscriptions_end_for_tokens(tokens=ApiToken.objects.filter(pk__in=live))
    return count


def tokens_in_use(user: User) -> QuerySet[ApiToken]:
    """The devices signed in through the API: neither revoked nor expired, newest first."""
    return ApiToken.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-created_at")
