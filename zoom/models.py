"""A peer's Zoom connection, its encrypted tokens, and the audit trail of what happened to it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ZoomConnection(models.Model):
    """The binding of one certified peer to one Zoom user (``/users/me`` id + account id).

    One row per peer, kept across disconnects so the audit trail and the reason stay visible.
    Token columns hold AES-GCM ciphertext (peerakeet.lib.crypto) bound to this row's id; they are
    empty whenever the state is not ``connected`` or ``needs_reconnect``.
    """

    class State(models.TextChoices):
        CONNECTED = "connected", "Connected"
        NEEDS_RECONNECT = "needs_reconnect", "Needs reconnect"
        DISCONNECTED = "disconnected", "Not connected"

    class Reason(models.TextChoices):
        NONE = "", "—"
        BY_PEER = "by_peer", "Disconnected by the peer"
        REMOVED_IN_ZOOM = "removed_in_zoom", "Removed in the Zoom App Marketplace"
        GRANT_REFUSED = "grant_refused", "Zoom refused the authorization"
        CERTIFICATION_REVOKED = "cert_revoked", "Ended with the peer certification"

    class UserType(models.IntegerChoices):
        """The Zoom user's ``type`` from GET /users/me (zoom-api.md §2)."""

        BASIC = 1, "Basic (free): meetings end at 40 minutes"
        LICENSED = 2, "Licensed"
        UNASSIGNED_WITHOUT_MEETINGS_BASIC = 4, "Unassigned without Meetings Basic"
        NONE = 99, "None"

    peer = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="zoom_connection"
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.DISCONNECTED)
    reason = models.CharField(
        max_length=20, choices=Reason.choices, default=Reason.NONE, blank=True
    )
    # Zoom profile data: erased on disconnect and on Marketplace removal.
    zoom_user_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    zoom_account_id = models.CharField(max_length=64, blank=True)
    zoom_email = models.EmailField(blank=True)
    # Read at connect and after each token refresh, so an upgrade shows at the next refresh.
    zoom_user_type = models.PositiveSmallIntegerField(
        choices=UserType.choices, null=True, blank=True
    )
    scopes = models.CharField(max_length=500, blank=True)
    # Secrets: ciphertext only, never shown anywhere.
    refresh_token_encrypted = models.TextField(blank=True, editable=False)
    access_token_encrypted = models.TextField(blank=True, editable=False)
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["state", "refreshed_at"])]

    def __str__(self) -> str:
        return f"Zoom connection of {self.peer_id} ({self.state})"

    @property
    def is_connected(self) -> bool:
        return self.state == self.State.CONNECTED

    def associated_data(self, column: str) -> str:
        # Binds a ciphertext to this row and column: copied elsewhere, it does not decrypt.
        return f"zoom-connection:{self.pk}:{column}"


class AuditEvent(models.Model):
    """Who did what to a Zoom connection, and when. Never a token."""

    class Kind(models.TextChoices):
        CONNECTED = "connected", "Connected"
        CONNECT_FAILED = "connect_failed", "Connect failed"
        REFRESH_FAILED = "refresh_failed", "Token refresh refused by Zoom"
        DISCONNECTED = "disconnected", "Disconnected by the peer"
        DEAUTHORIZED = "deauthorized", "App removed in the Zoom Marketplace"
        KEYS_ROTATED = "keys_rotated", "Tokens re-encrypted under a new key"
        CERTIFICATION_REVOKED = "certification_revoked", "Ended: peer certification revoked"

    connection = models.ForeignKey(
        ZoomConnection, null=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    peer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.CharField(max_length=200, help_text="Who: a user's email, 'Zoom', or 'system'.")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    detail = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.actor}"
