"""Registering and removing a device's push subscription, for the Preferences page and the API."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from peerakeet.lib.vapid import VapidKeyError, b64url_decode
from push.models import PushMessage, PushSubscription


class PushSubscriptionError(ValidationError):
    """A subscription Peerakeet cannot push to. ``code`` is stable (the API shows it)."""


def push_subscription_register(
    *, user: User, endpoint: str, p256dh: str, auth: str, label: str = ""
) -> PushSubscription:
    """Store what the browser's ``pushManager.subscribe`` returned. The same device subscribing
    again (the same endpoint) updates its row, and moves it to whoever is signed in now."""
    _check_endpoint(endpoint)
    _check_keys(p256dh, auth)
    with transaction.atomic():
        # A device that changes hands (another person signs in on it) gets none of the pushes
        # still queued for the one before.
        PushMessage.objects.filter(subscription__endpoint=endpoint, sent_at__isnull=True).exclude(
            subscription__user=user
        ).delete()
        subscription, _ = PushSubscription.objects.update_or_create(
            endpoint=endpoint,
            defaults={"user": user, "p256dh": p256dh, "auth": auth, "label": label.strip()[:100]},
        )
    return subscription


def push_subscription_remove(*, user: User, subscription_id: int) -> bool:
    """Remove one of ``user``'s devices; False when it is not theirs (or gone already)."""
    deleted, _ = PushSubscription.objects.filter(user=user, pk=subscription_id).delete()
    return deleted > 0


def push_subscription_remove_endpoint(*, user: User, endpoint: str) -> bool:
    """The device unsubscribed itself (it knows its endpoint, not our id), or signed out."""
    if not endpoint:
        return False
    deleted, _ = PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
    return deleted > 0


def push_subscriptions_end(*, user: User, keep_endpoint: str = "") -> int:
    """Sign out everywhere, a new password: no device of this person gets their pushes any more
    (a shared device must not keep showing someone's session times), except ``keep_endpoint``,
    the browser that changed the password and stays signed in. Their unsent pushes go with them.
    Returns how many devices were removed."""
    devices = PushSubscription.objects.filter(user=user)
    if keep_endpoint:
        devices = devices.exclude(endpoint=keep_endpoint)
    _, by_model = devices.delete()
    return by_model.get(PushSubscription._meta.label, 0)


def _check_endpoint(endpoint: str) -> None:
    """Peerakeet POSTs to this URL from its servers: only to a push service on the internet
    (https, a host name, not an address in our own network), except on the developer's
    machine, where the tests' push receiver listens on 127.0.0.1."""
    url = urlparse(endpoint or "")
    local = url.hostname in {"127.0.0.1", "localhost"}
    if settings.WEBPUSH_ALLOW_LOCAL_ENDPOINTS and local and url.scheme in {"http", "https"}:
        return
    if url.scheme != "https" or not url.hostname or len(endpoint) > 1000 or local:
        raise PushSubscriptionError(
            "The push endpoint must be an https:// address of a push service.", code="bad_endpoint"
        )
    try:
        ipaddress.ip_address(url.hostname)
    except ValueError:
        return
    raise PushSubscriptionError(
        "The push endpoint must name a push service, not an address.", code="bad_endpoint"
    )


def _check_keys(p256dh: str, auth: str) -> None:
    try:
        point, secret = b64url_decode(p256dh or ""), b64url_decode(auth or "")
    except (ValueError, VapidKeyError):
        point = secret = b""
    # RFC 8291 §3: a P-256 public key (65 bytes, uncompressed) and a 16-byte auth secret.
    if len(point) != 65 or point[0] != 4 or len(secret) != 16:
        raise PushSubscriptionError(
            "The subscription's keys are not a browser's push keys (p256dh and auth).",
            code="bad_keys",
        )
