"""Zoom webhook signatures and URL validation: pure functions, no Django, no I/O.

zoom-api.md §4: ``x-zm-signature`` is ``v0=`` + hex(HMAC-SHA256(secret, ``v0:{ts}:{raw body}``))
over the raw bytes Zoom sent; ``x-zm-request-timestamp`` is Unix seconds.
https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# A delivery stamped this far ahead of our clock is refused too: clocks drift, but not by minutes.
MAX_FUTURE_SKEW = 60


class WebhookRejected(Exception):
    """The delivery is not provably from Zoom, or too old: answer 401, change nothing."""


class MalformedEvent(ValueError):
    """A signed delivery that is not an event we can read: answer 400, change nothing."""


def signature(secret: str, timestamp: str, body: bytes) -> str:
    message = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(
    *,
    secret: str,
    body: bytes,
    timestamp: str | None,
    signature_header: str | None,
    now: float,
    max_age: int,
) -> None:
    """Raise WebhookRejected unless the delivery is signed with ``secret`` and recent."""
    if not secret:
        raise WebhookRejected("no webhook secret is configured")
    if not timestamp or not signature_header:
        raise WebhookRejected("missing signature headers")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise WebhookRejected("timestamp is not a number") from None
    # Stale deliveries are refused so a captured request cannot be replayed later.
    if now - sent_at > max_age or sent_at - now > MAX_FUTURE_SKEW:
        raise WebhookRejected("timestamp outside the accepted window")
    if not hmac.compare_digest(signature(secret, timestamp, body), signature_header):
        raise WebhookRejected("signature does not match")


# Zoom's events are a few hundred bytes, a few levels deep: anything far beyond is not from Zoom's
# event schema, and parsing it must neither exhaust the stack nor the worker's time.
MAX_BODY_BYTES = 64 * 1024
MAX_DEPTH = 16


def parse(body: bytes) -> dict[str, Any]:
    """The event as a dict; MalformedEvent for anything that is not a JSON object with an event,
    within MAX_BODY_BYTES and MAX_DEPTH."""
    if len(body) > MAX_BODY_BYTES:
        raise MalformedEvent("event too large")
    try:
        event = json.loads(body)
    except (ValueError, RecursionError):
        raise MalformedEvent("malformed event") from None
    if _depth(event) > MAX_DEPTH:
        raise MalformedEvent("event nested too deeply")
    if not isinstance(event, dict) or not isinstance(event.get("event"), str):
        raise MalformedEvent("malformed event")
    payload = event.get("payload", {})
    if not isinstance(payload, dict):
        raise MalformedEvent("malformed event")
    return event


def _depth(value: object) -> int:
    """How deeply ``value`` nests objects and arrays (iterative: no recursion to exhaust)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


@dataclass(frozen=True)
class Deauthorization:
    """app_deauthorized: the app was removed in the Zoom Marketplace (zoom-api.md §4)."""

    client_id: str
    zoom_user_id: str
    account_id: str
    deauthorized_at: datetime | None


@dataclass(frozen=True)
class DeletedMeeting:
    """meeting.deleted: the host deleted a meeting inside Zoom."""

    zoom_meeting_id: int
    host_zoom_user_id: str


def deauthorization(payload: dict[str, Any]) -> Deauthorization:
    return Deauthorization(
        client_id=str(payload.get("client_id", "")),
        zoom_user_id=str(payload.get("user_id", "")),
        account_id=str(payload.get("account_id", "")),
        deauthorized_at=zoom_time(payload.get("deauthorization_time")),
    )


def deleted_meeting(payload: dict[str, Any]) -> DeletedMeeting | None:
    """The deleted meeting, or None when the payload names no meeting id."""
    meeting = payload.get("object") or {}
    try:
        meeting_id = int(meeting["id"])
    except (KeyError, TypeError, ValueError):
        return None
    return DeletedMeeting(meeting_id, str(meeting.get("host_id", "")))


def plain_token(payload: dict[str, Any]) -> str:
    """endpoint.url_validation's plainToken; MalformedEvent when it is missing."""
    plain = payload.get("plainToken")
    if not isinstance(plain, str) or not plain:
        raise MalformedEvent("missing plainToken")
    return plain


def zoom_time(value: object) -> datetime | None:
    """An ISO 8601 time from a payload, in UTC when it names no zone; None when unreadable."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def url_validation_reply(secret: str, plain_token: str) -> dict[str, str]:
    """zoom-api.md §4 "URL validation": echo plainToken with its HMAC as encryptedToken."""
    encrypted = hmac.new(secret.encode(), plain_token.encode(), hashlib.sha256).hexdigest()
    return {"plainToken": plain_token, "encryptedToken": encrypted}
