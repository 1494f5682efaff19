"""Every HTTP call Peerakeet makes to Zoom lives here (zoom-api.md is the contract).

Two small clients share one connection pool: ``ZoomOAuth`` for zoom.us/oauth (code exchange,
refresh, revoke) and ``ZoomAPI`` for api.zoom.us/v2 with a bearer token. Both turn every failure
into a typed error so callers decide by type, never by parsing messages:

- ``ZoomAuthError``: the grant is dead (``invalid_grant``): the peer must reconnect.
- ``ZoomAccessTokenRejected``: 401 code 124; a fresh access token may fix it (the token service
  retries once).
- ``ZoomRateLimited``: 429, with ``retry_after`` seconds and whether it is the daily limit.
- ``ZoomNotFound``: 404 (meeting code 3001).
- ``ZoomUnavailable``: 5xx, timeouts, connection errors; ``outcome_unknown`` when the request may
  have been processed (the response was lost), so a create must be reconciled before a retry.
- ``ZoomRequestError``: any other refusal (validation code 300, missing scope 4711, ...).

No error message or log line ever contains a token, a code or the client secret.
"""

from __future__ import annotations

import base64
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from django.conf import settings

log = logging.getLogger(__name__)


class ZoomError(Exception):
    def __init__(self, message: str, *, status: int | None = None, code: int | str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


class ZoomAuthError(ZoomError):
    """Zoom refused the grant: the refresh token is dead or the app was removed."""


class ZoomAccessTokenRejected(ZoomError):
    """401 code 124: the access token expired or was superseded."""


class ZoomRateLimited(ZoomError):
    def __init__(self, message: str, *, retry_after: float, daily: bool, status: int = 429):
        super().__init__(message, status=status, code=429)
        self.retry_after = retry_after
        self.daily = daily


class ZoomNotFound(ZoomError):
    pass


class ZoomUnavailable(ZoomError):
    def __init__(self, message: str, *, outcome_unknown: bool, status: int | None = None):
        super().__init__(message, status=status)
        self.outcome_unknown = outcome_unknown


class ZoomRequestError(ZoomError):
    pass


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str
    expires_at: datetime
    scope: str

    def __repr__(self) -> str:  # never print the tokens themselves
        return f"TokenSet(expires_at={self.expires_at.isoformat()}, scope={self.scope!r})"


_pool_lock = threading.Lock()
_pool: httpx.Client | None = None


def _http() -> httpx.Client:
    """One pooled client per process, shared by the threads of a web or worker process."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = httpx.Client(
                timeout=httpx.Timeout(settings.ZOOM_HTTP_TIMEOUT, connect=5.0),
                # An idle connection is dropped after 4 s rather than reused: a server that
                # closes idle connections after 5 s (uvicorn, so the emulator; many proxies) can
                # close one just as a request goes out on it, and a create whose answer is lost
                # that way waits 30 s to be reconciled.
                limits=httpx.Limits(
                    max_connections=50, max_keepalive_connections=20, keepalive_expiry=4.0
                ),
                headers={"User-Agent": "Peerakeet/1.0"},
                follow_redirects=False,
            )
        return _pool


def _send(method: str, url: str, **kwargs: Any) -> httpx.Response:
    try:
        return _http().request(method, url, **kwargs)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        # Nothing reached Zoom: safe to retry as is.
        raise ZoomUnavailable(
            f"Zoom unreachable ({type(exc).__name__})", outcome_unknown=False
        ) from None
    except httpx.TransportError as exc:
        # Sent, but the answer was lost (read timeout, dropped connection): Zoom may have acted.
        raise ZoomUnavailable(
            f"Zoom did not answer ({type(exc).__name__})", outcome_unknown=True
        ) from None


class ZoomOAuth:
    """zoom.us/oauth: https://developers.zoom.us/docs/integrations/oauth/ (zoom-api.md §1)."""

    def __init__(self, *, base_url: str | None = None) -> None:
        self.base_url = (base_url or settings.ZOOM_OAUTH_URL).rstrip("/")

    def authorize_url(self, *, state: str, code_challenge: str) -> str:
        query = urlencode(
            {
                "response_type": "code",
                "client_id": settings.ZOOM_CLIENT_ID,
                "redirect_uri": settings.ZOOM_REDIRECT_URI,
                "state": state,
                "code_challenge": code_challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{self.base_url}/oauth/authorize?{query}"

    def exchange_code(self, *, code: str, code_verifier: str) -> TokenSet:
        return self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": settings.ZOOM_REDIRECT_URI,
                "code_verifier": code_verifier,
            }
        )

    def refresh(self, *, refresh_token: str) -> TokenSet:
        """Zoom rotates the refresh token on every refresh; the old one dies at once."""
        return self._token({"grant_type": "refresh_token", "refresh_token": refresh_token})

    def revoke(self, *, token: str, timeout: float = 5.0) -> None:
        response = _send(
            "POST",
            f"{self.base_url}/oauth/revoke",
            data={"token": token},
            headers=self._basic(),
            timeout=timeout,
        )
        if response.status_code != 200:
            raise _oauth_error(response)

    def _token(self, form: dict[str, str]) -> TokenSet:
        response = _send("POST", f"{self.base_url}/oauth/token", data=form, headers=self._basic())
        if response.status_code != 200:
            raise _oauth_error(response)
        body = _json(response)
        try:
            return TokenSet(
                access_token=str(body["access_token"]),
                refresh_token=str(body["refresh_token"]),
                expires_at=datetime.now(UTC) + timedelta(seconds=int(body["expires_in"])),
                scope=str(body.get("scope", "")),
            )
        except (KeyError, TypeError, ValueError):
            raise ZoomRequestError("Zoom's token response had an unexpected shape") from None

    @staticmethod
    def _basic() -> dict[str, str]:
        pair = f"{settings.ZOOM_CLIENT_ID}:{settings.ZOOM_CLIENT_SECRET}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


class ZoomAPI:
    """api.zoom.us/v2 with one access token (zoom-api.md §2). A user-level app uses ``me``."""

    def __init__(self, access_token: str, *, base_url: str | None = None) -> None:
        self.base_url = (base_url or settings.ZOOM_API_URL).rstrip("/")
        self._headers = {"Authorization": f"Bearer {access_token}"}

    def __repr__(self) -> str:
        return f"ZoomAPI(base_url={self.base_url!r})"

    def me(self, *, timeout: float | None = None) -> dict[str, Any]:
        """https://developers.zoom.us/docs/api/users/#tag/users/GET/users/{userId}

        ``timeout`` shortens the pool's read timeout for a read that must not hold things up.
        """
        bounded = {} if timeout is None else {"timeout": httpx.Timeout(timeout, connect=timeout)}
        return _json(self._call("GET", "/users/me", **bounded))

    def create_meeting(self, body: dict[str, Any]) -> dict[str, Any]:
        """https://developers.zoom.us/docs/api/meetings/#tag/meetings/POST/users/{userId}/meetings"""
        return _json(self._call("POST", "/users/me/meetings", json=body))

    def list_upcoming_meetings(self) -> list[dict[str, Any]]:
        """Every upcoming meeting of the host, following next_page_token."""
        meetings: list[dict[str, Any]] = []
        params: dict[str, Any] = {"type": "upcoming", "page_size": 300}
        for _ in range(50):  # bounded: 15,000 meetings is far beyond one host's diary
            page = _json(self._call("GET", "/users/me/meetings", params=params))
            meetings.extend(page.get("meetings", []))
            token = page.get("next_page_token")
            if not token:
                break
            params["next_page_token"] = token
        return meetings

    def get_meeting(self, meeting_id: int) -> dict[str, Any]:
        """https://developers.zoom.us/docs/api/meetings/#tag/meetings/GET/meetings/{meetingId}"""
        return _json(self._call("GET", f"/meetings/{int(meeting_id)}"))

    def update_meeting(self, meeting_id: int, body: dict[str, Any]) -> None:
        """https://developers.zoom.us/docs/api/meetings/#tag/meetings/PATCH/meetings/{meetingId}"""
        self._call("PATCH", f"/meetings/{int(meeting_id)}", json=body)

    def delete_meeting(self, meeting_id: int) -> None:
        """DELETE /meetings/{id}; a meeting that is already gone raises ZoomNotFound (3001)."""
        self._call("DELETE", f"/meetings/{int(meeting_id)}")

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = _send(method, f"{self.base_url}{path}", headers=self._headers, **kwargs)
        if response.status_code >= 400:
            raise _api_error(response, f"{method} {path}")
        return response


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise ZoomRequestError(
            "Zoom answered with something that is not JSON", status=response.status_code
        ) from None
    if not isinstance(body, dict):
        raise ZoomRequestError(
            "Zoom answered with an unexpected JSON shape", status=response.status_code
        )
    return body


def _error_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _oauth_error(response: httpx.Response) -> ZoomError:
    body = _error_body(response)
    error = str(body.get("error", ""))
    reason = str(body.get("reason", ""))[:200]
    status = response.status_code
    if status >= 500:
        return ZoomUnavailable(
            f"Zoom's OAuth server failed ({status})", outcome_unknown=True, status=status
        )
    if status == 429:
        return _rate_limited(response, body)
    if error in {"invalid_grant", "invalid_token"}:
        return ZoomAuthError(
            f"Zoom refused the grant: {reason or error}", status=status, code=error
        )
    return ZoomRequestError(
        f"Zoom refused the OAuth request: {error or status} {reason}".strip(),
        status=status,
        code=error,
    )


def _api_error(response: httpx.Response, what: str) -> ZoomError:
    body = _error_body(response)
    status = response.status_code
    code = body.get("code")
    message = f"{what}: {status} {code or ''} {str(body.get('message', ''))[:200]}".strip()
    if status == 401:
        return ZoomAccessTokenRejected(message, status=status, code=code)
    if status == 404:
        return ZoomNotFound(message, status=status, code=code)
    if status == 429:
        return _rate_limited(response, body)
    if status >= 500:
        # Zoom processed nothing it tells us of; a create is still reconciled before retrying.
        return ZoomUnavailable(message, outcome_unknown=True, status=status)
    return ZoomRequestError(message, status=status, code=code)


def _rate_limited(response: httpx.Response, body: dict[str, Any]) -> ZoomRateLimited:
    """zoom-api.md §3: headers may be missing; Retry-After, when present, is an ISO date-time."""
    message = str(body.get("message", "rate limited"))[:300]
    daily = (
        response.headers.get("X-RateLimit-Type", "").lower() == "daily-limit"
        or "daily" in message.lower()
    )
    return ZoomRateLimited(message, retry_after=_retry_after(response, daily=daily), daily=daily)


def _retry_after(response: httpx.Response, *, daily: bool) -> float:
    now = datetime.now(UTC)
    value = response.headers.get("Retry-After", "").strip()
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return max(0.0, (when - now).total_seconds())
        except ValueError:
            pass
    if daily:  # "You may resume these requests at GMT 00:00:00."
        midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        return (midnight - now).total_seconds()
    return 1.0
