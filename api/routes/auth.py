"""Tokens: email and password in, a bearer token out (once); the viewer's signed-in devices,
each revocable, and sign out everywhere. Nobody reaches another person's tokens."""

from __future__ import annotations

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from ninja import Path, Router, Status

from accounts import throttles
from accounts.models import User
from accounts.services import HOUR, sign_out_everywhere
from api.errors import ApiError, ErrorOut
from api.routes.common import answers, viewer, viewer_token
from api.schemas import DeviceOut, Id, SignedOutOut, TokenIn, TokenOut, utc
from api.tokens import token_issue, token_revoke, token_revoke_for, tokens_in_use

router = Router(tags=["auth"])


@router.post(
    "/tokens",
    auth=None,
    response={
        201: TokenOut,
        400: ErrorOut,
        401: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
        503: ErrorOut,
    },
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
    if not _mint_allowed(user):
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


# A sign-in whose hourly count cannot be made (the shared cache does not answer) is refused, as
# one over the limit would be (docs/reliability.md, "The shared cache"), but said as what it is:
# the service, not the person, is at fault, and it is back within seconds to a minute.
UNAVAILABLE_RETRY_AFTER = 60


def _mint_allowed(user: User) -> bool:
    try:
        return throttles.under_limit(
            "mint", str(user.pk), limit=settings.API_TOKENS_PER_ACCOUNT_PER_HOUR, window=HOUR
        )
    except throttles.CounterUnavailable:
        raise ApiError(
            503,
            "briefly_unavailable",
            "Sign-in is briefly unavailable. Try again in a minute.",
            headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER)},
            retry_after=UNAVAILABLE_RETRY_AFTER,
        ) from None


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
    token_revoke(token=viewer_token(request))
    return Status(204, None)


@router.get(
    "/tokens",
    response=answers(ok=(200, list[DeviceOut])),
    summary="Your signed-in devices: every token of yours in use, newest first",
)
def list_tokens(request: HttpRequest) -> list[DeviceOut]:
    current = viewer_token(request)
    return [
        DeviceOut(
            id=token.pk,
            name=token.name,
            prefix=token.prefix,
            created_at=utc(token.created_at),
            last_used_at=utc(token.last_used_at) if token.last_used_at else None,
            expires_at=utc(token.expires_at),
            current=token.pk == current.pk,
        )
        for token in tokens_in_use(viewer(request))
    ]


@router.delete(
    "/tokens/{token_id}",
    response=answers(ok=(204, None), errors=(404,)),
    summary="Sign a device out: revoke one of your tokens",
)
def revoke_token(request: HttpRequest, token_id: Path[Id]) -> Status[None]:
    # Someone else's token, or one already revoked, is "not found": nothing says it exists.
    if not token_revoke_for(user=viewer(request), token_id=token_id):
        raise ApiError(404, "not_found", "You have no signed-in device with this id.")
    return Status(204, None)


@router.post(
    "/sign-out-everywhere",
    response=answers(ok=(200, SignedOutOut)),
    summary="Sign out everywhere: every token (this one too) and every web session",
)
def sign_out_everywhere_route(request: HttpRequest) -> SignedOutOut:
    return SignedOutOut(tokens_revoked=sign_out_everywhere(user=viewer(request)))
