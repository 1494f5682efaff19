"""Bearer-token authentication and the per-token rate limit."""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer

from accounts.models import User
from accounts.throttles import CounterUnavailable, count_once
from api.errors import ApiError
from api.models import ApiToken
from api.tokens import TokenRefused, token_authenticate

WINDOW = 60  # seconds: the limit is "requests per minute"


class TokenAuth(HttpBearer):
    """``Authorization: Bearer pkt_…``. Unknown, expired and revoked tokens get a 401 that says
    which; a token over its limit gets a 429 with Retry-After."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        try:
            api_token = token_authenticate(token)
        except TokenRefused as refused:
            raise ApiError(401, refused.code, refused.message) from None
        enforce_rate_limit(api_token)
        return api_token


def enforce_rate_limit(token: ApiToken, now: float | None = None) -> None:
    """A fixed one-minute window counted in Django's cache.

    ``cache.add`` + ``cache.incr`` are atomic in Redis, so every web process counts against
    the same number when REDIS_URL is set. Without it the default LocMemCache counts per process
    (fine for one process and for development). A Redis that does not answer lets the request
    through (fails open, logged as an error): the limit protects capacity, and refusing every
    API call because a counter is down would turn a cache outage into an API outage.
    """
    limit = getattr(settings, "API_RATE_LIMIT_PER_MINUTE", 120)
    now = time.time() if now is None else now
    window = int(now // WINDOW)
    # The token hash, not the id: ids are reused after a rollback (tests), hashes never are.
    try:
        count = count_once(f"api-rate:{token.token_hash}:{window}", window=WINDOW)
    except CounterUnavailable:
        return
    if count > limit:
        retry_after = max(1, math.ceil((window + 1) * WINDOW - now))
        raise ApiError(
            429,
            "rate_limited",
            f"Too many requests: the limit is {limit} a minute. Try again in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
            retry_after=retry_after,
        )


def token_user(request: HttpRequest) -> User:
    token = request.auth  # type: ignore[attr-defined]
    assert isinstance(token, ApiToken)
    user = token.user
    assert isinstance(user, User)
    return user
