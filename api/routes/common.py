"""What every route needs: the declared error answers and the viewer's role checks."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.models import User
from accounts.permissions import PEER_ONLY
from api.auth import token_user
from api.errors import ApiError, ErrorOut
from api.models import ApiToken

# Every authenticated route can answer these (a bad token, bad input, too many requests).
AUTHED: dict[int, Any] = {401: ErrorOut, 422: ErrorOut, 429: ErrorOut}


def answers(**by_status: Any) -> dict[int, Any]:
    """``answers(ok=(200, Out), errors=(403, 404))`` → ninja's ``response={...}``."""
    status, schema = by_status["ok"]
    declared: dict[int, Any] = {status: schema, **AUTHED}
    for code in by_status.get("errors", ()):
        declared[code] = ErrorOut
    return declared


def viewer(request: HttpRequest) -> User:
    return token_user(request)


def viewer_token(request: HttpRequest) -> ApiToken:
    """The token this request carries: the device it comes from."""
    token = request.auth  # type: ignore[attr-defined]
    assert isinstance(token, ApiToken)
    return token


def peer_viewer(request: HttpRequest) -> User:
    """The viewer, who must be a certified peer (like the dashboard's peer-only pages)."""
    user = token_user(request)
    if not user.is_certified_peer:
        raise ApiError(403, "not_a_peer", PEER_ONLY)
    return user
