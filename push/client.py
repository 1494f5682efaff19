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

from peerakeet.lib.push_endpoints import PushEndpointError, check_push_endpoint


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
        # Checked at registration too; again here for a subscription stored before the
        # allow-list, or one whose host was taken off it: never sent, forgotten.
        check_push_endpoint(str(info.get("endpoint", "")), settings.WEBPUSH_ALLOWED_HOSTS)
    except PushEndpointError:
        raise PushError("endpoint is not on an allowed push service", gone=True) from None
    # A push service answers, it does not send us elsewhere: a redirect is not followed.
    session = requests.Session()
    session.max_redirects = 0
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
            requests_session=session,
        )
    except WebPushException as exc:
        raise _from_status(exc.status_code, exc.retry_after) from None
    except requests.TooManyRedirects:
        raise PushError("push service redirected elsewhere: not followed", permanent=True) from None
    except requests.Timeout:
        raise PushError(f"push service did not answer in {settings.WEBPUSH_TIMEOUT:g}s") from None
    except requests.RequestException as exc:
        raise PushError(f"push service unreachable ({type(exc).__name__})") from None
    finally:
        session.close()


def _from_status(status: int | None, retry_after: str | None) -> PushError:
    if status in (404, 410):
        return PushError(f"subscription gone ({status})", gone=True)
    if status == 429 or status is None or status >= 500:
        seconds = float(retry_after) if retry_after and retry_after.isdigit() else None
        return PushError(f"push service busy ({status})", retry_after=seconds)
    # 400, 403 (a VAPID key the subscription was not made with), 413: the same again fails again.
    return PushError(f"push service refused the message ({status})", permanent=True)
