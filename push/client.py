"""Sending one message to one push service: VAPID-signed (RFC 8292), encrypted for the device
(RFC 8291, aes128gcm), with a timeout. Every push goes through ``deliver``; its errors say what
to do with a failure, so callers decide by type.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import requests
from django.conf import settings
from pywebpush import WebPushException, webpush


@dataclass
class PushError(Exception):
    """A push that did not go. ``gone``: the subscription no longer exists (404/410, RFC 8030
    §7.3), forget it. ``permanent``: retrying will not help. Otherwise, try again later."""

    reason: str
    gone: bool = False
    permanent: bool = False
    retry_after: float | None = None

    def __str__(self) -> str:
        return self.reason


def deliver(info: dict[str, object], payload: dict[str, str], *, ttl: int) -> None:
    """POST one encrypted message to the subscription's push service, or raise PushError."""
    try:
        webpush(
            subscription_info=info,
            data=json.dumps(payload),
            vapid_private_key=settings.WEBPUSH_VAPID_PRIVATE_KEY,
            # A new dict each call: pywebpush writes "aud" and "exp" into it.
            vapid_claims={"sub": settings.WEBPUSH_VAPID_SUBJECT},
            timeout=settings.WEBPUSH_TIMEOUT,
            ttl=ttl,
            headers={"Urgency": "high"},
        )
    except WebPushException as exc:
        raise _from_status(exc.status_code, exc.retry_after) from None
    except requests.Timeout:
        raise PushError(f"push service did not answer in {settings.WEBPUSH_TIMEOUT:g}s") from None
    except requests.RequestException as exc:
        raise PushError(f"push service unreachable ({type(exc).__name__})") from None


def _from_status(status: int | None, retry_after: str | None) -> PushError:
    if status in (404, 410):
        return PushError(f"subscription gone ({status})", gone=True)
    if status == 429 or status is None or status >= 500:
        seconds = float(retry_after) if retry_after and retry_after.isdigit() else None
        return PushError(f"push service busy ({status})", retry_after=seconds)
    # 400, 403 (a VAPID key the subscription was not made with), 413: the same again fails again.
    return PushError(f"push service refused the message ({status})", permanent=True)
