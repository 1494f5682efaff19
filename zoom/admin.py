"""Support staff see each peer's Zoom connection and its audit trail, read-only.

No ``*_encrypted`` column is listed anywhere here, not even masked: support never needs a token.
"""

from __future__ import annotations

from django.contrib import admin

from peerakeet.admin import SupportReadOnly
from zoom.models import AuditEvent, ZoomConnection


@admin.register(ZoomConnection)
class ZoomConnectionAdmin(SupportReadOnly):
    list_display = ["peer", "state", "reason", "zoom_email", "connected_at", "refreshed_at"]
    list_filter = ["state", "reason"]
    search_fields = ["peer__email", "zoom_email"]
    list_select_related = ["peer"]
    fields = (
        "peer",
        "state",
        "reason",
        "zoom_email",
        "zoom_user_id",
        "zoom_account_id",
        "zoom_user_type",
        "scopes",
        "connected_at",
        "refreshed_at",
        "access_token_expires_at",
        "updated_at",
    )
    readonly_fields = fields


@admin.register(AuditEvent)
class AuditEventAdmin(SupportReadOnly):
    list_display = ["at", "kind", "peer", "actor", "detail"]
    list_filter = ["kind"]
    search_fields = ["peer__email", "actor"]
    list_select_related = ["peer"]
    date_hierarchy = "at"
    fields = ("at", "kind", "peer", "actor", "detail", "connection")
    readonly_fields = fields
