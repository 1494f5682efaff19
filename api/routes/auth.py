"""Tokens: email and password in, a bearer token out (once); revoke the one in use."""

from __future__ import annotations

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from ninja import Router, Status

from accounts import throttles
from accounts.models import User
from accounts.services import HOUR
from api.errors import ApiError, ErrorOut
from api.models import ApiToken
from api.routes.common import answers
from api.schemas import TokenIn, TokenOut, utc
from api.tokens import token_issue, token_revoke

router = Router(tags=["auth"])


@router.post(
    "/tokens",
    auth=None,
    response={201: TokenOut, 400: ErrorOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Sign in: exchange email and password for a bearer token",
)
def create_token(request: HttpRequest, payload: TokenIn) -> Status[TokenOut]:
    # authenticate() with the request runs django-axes, so the web sign-in's lockout (failures
    # per email and address) applies here too, and failures here count there.
    user = authenticate(request=request, username=payload.email.lower(), password=payload.password)
    if getattr(request, "axes_locked_out", False):
        # Answer in JSON ourselves; AxesMiddleware would otherwise swap in its HTML page.
        request.axes_locked_out = False  # type: ignore[attr-defined]
        raise _locked_out(request)
    if not isinstance(user, User):
        raise ApiError(401, "invalid_credentials", "The email or password is not right.")
    if not throttles.allow(
        "mint", str(user.pk), limit=settings.API_TOKENS_PER_ACCOUNT_PER_HOUR, window=HOUR
    ):
        raise ApiError(
            429,
            "too_many_tokens",
            "Too many sign-ins for this account in the last hour. Use a token you already have, "
            "or try again later.",
            headers={"Retry-After": str(HOUR)},
            retry_after=HOUR,
        )
    issued = token_issue(user=user, name=payload.name or "API token")
    token = issued.token
    return Status(
        201,
        TokenOut(
            token=issued.plaintext,
            prefix=token.prefix,
            name=token.name,
            expires_at=utc(token.expires_at),
        ),
    )


def _locked_out(request: HttpRequest) -> ApiError:
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 900
    return ApiError(
        429,
        "too_many_attempts",
        "Too many sign-in attempts. Wait a while before trying again, or reset your password.",
        headers={"Retry-After": str(seconds)},
        retry_after=seconds,
    )


@router.delete(
    "/tokens/current",
    response=answers(ok=(204, None)),
    summary="Sign out: revoke the token this request carries",
)
def revoke_current_token(request: HttpRequest) -> Status[None]:
    token = request.auth  # type: ignore[attr-defined]
    assert isinstance(token, ApiToken)
    token_revoke(token=token)
    return Status(204, None)
