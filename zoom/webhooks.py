"""Zoom webhook signatures and URL validation: pure functions, no Django, no I/O.

zoom-api.md §4: ``x-zm-signature`` is ``v0=`` + hex(HMAC-SHA256(secret, ``v0:{ts}:{raw body}``))
over the raw bytes Zoom sent; ``x-zm-request-timestamp`` is Unix seconds.
https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

# A delivery stamped this far ahead of our clock is refused too: clocks drift, but not by minutes.
MAX_FUTURE_SKEW = 60


class WebhookRejected(Exception):
    """The delivery is not provably from Zoom, or too old: answer 401, change nothing."""


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


def parse(body: bytes) -> dict[str, Any]:
    """The event as a dict; ValueError for anything that is not a JSON object with an event."""
    event = json.loads(body)
    if not isinstance(event, dict) or not isinstance(event.get("event"), str):
        raise ValueError("not a Zoom event")
    payload = event.get("payload", {})
    if not isinstance(payload, dict):
        raise ValueError("payload is not an object")
    return event


def url_validation_reply(secret: str, plain_token: str) -> dict[str, str]:
    """zoom-api.md §4 "URL validation": echo plainToken with its HMAC as encryptedToken."""
    encrypted = hmac.new(secret.encode(), plain_token.encode(), hashlib.sha256).hexdigest()
    return {"plainToken": plain_token, "encryptedToken": encrypted}
