"""Web Push: one subscription per device, and the outbox of messages to them.

A push service (Google's, Mozilla's, Apple's) is a third party: a message holds only words and
the Peerakeet page to open, never a passcode, a Zoom link, a note or a participant's name.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models


def device_key(endpoint: str) -> str:
    """The first 16 hex digits of the endpoint's SHA-256 (pwa.js: deviceKey)."""
    return hashlib.sha256(endpoint.encode()).hexdigest()[:16]


def session_hash(session_key: str) -> str:
    """How a subscription names the web session that registered it: the key's SHA-256. A key is
    a bearer credential; its hash is enough to find the subscription when the session ends, and
    useless to anyone who reads the table."""
    return hashlib.sha256(session_key.encode()).hexdigest()


class PushSubscription(models.Model):
    """What a browser's ``pushManager.subscribe`` returned on one device (RFC 8030, RFC 8291)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    # The push service's URL for this device: a capability, unique per browser install.
    endpoint = models.URLField(max_length=1000, unique=True)
    # The browser's ECDH public key (P-256, base64url) and auth secret (16 bytes, base64url).
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=50)
    # "Chrome on Android", as the person recognises the device (from the User-Agent or the app).
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    # The sign-in that registered it: the device's pushes end with it (a shared computer signed
    # out by the idle timeout, a phone whose app signed out, must not keep showing the person's
    # session times). A web session (its key hashed: session_hash) or an API token; neither for
    # a subscription registered before this was recorded, which lives until it is removed.
    web_session_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    api_token = models.ForeignKey(
        "api.ApiToken",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.CASCADE,
        related_name="push_subscriptions",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Push subscription {self.pk} of user {self.user_id}"

    @property
    def device_key(self) -> str:
        """What the page shows of the endpoint, so the browser can tell its own row (pwa.js
        hashes its endpoint the same way) without the capability URL itself in the HTML."""
        return device_key(self.endpoint)

    def info(self) -> dict[str, object]:
        """The subscription as pywebpush (and the browser's toJSON) spells it."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class PushMessage(models.Model):
    """One push to one device about one event: written in the transaction of the change, unique
    per event and device (``dedupe_key``), sent by the worker, never sent twice."""

    subscription = models.ForeignKey(
        PushSubscription, on_delete=models.CASCADE, related_name="messages"
    )
    dedupe_key = models.CharField(max_length=200, unique=True)
    title = models.CharField(max_length=100)
    body = models.CharField(max_length=300)
    url = models.CharField(max_length=300, help_text="A Peerakeet page, opened on click.")
    # Replaces an earlier notification with the same tag on the device (one per session).
    tag = models.CharField(max_length=100)
    # Seconds the push service keeps it for a device that is offline (the TTL header).
    ttl = models.PositiveIntegerField(default=24 * 3600)
    # Not worth sending from then on (a reminder once its session has started): skipped.
    send_before = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Why it was given up (a push service that refused it for good); empty otherwise.
    failed = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Push {self.dedupe_key}"

    def payload(self) -> dict[str, str]:
        """What the service worker shows: {"title", "body", "url", "tag"}."""
        return {"title": self.title, "body": self.body, "url": self.url, "tag": self.tag}
