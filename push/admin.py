"""Support staff see which devices a person gets pushes on, and pushes that were given up.

Read-only. Never the endpoint (a capability: whoever holds it can push to the device) nor the
device's keys."""

from __future__ import annotations

from django.contrib import admin

from peerakeet.admin import SupportReadOnly
from push.models import PushMessage, PushSubscription


@admin.register(PushSubscription)
class PushSubscriptionAdmin(SupportReadOnly):
    list_display = ["pk", "user", "label", "created_at", "last_success_at"]
    fields = readonly_fields = ("user", "label", "created_at", "last_success_at")
    search_fields = ["user__email"]


@admin.register(PushMessage)
class PushMessageAdmin(SupportReadOnly):
    list_display = ["pk", "title", "subscription", "created_at", "sent_at", "attempts", "failed"]
    fields = readonly_fields = (
        "subscription", "title", "body", "url", "created_at", "sent_at", "attempts", "failed",
    )  # fmt: skip
    list_filter = ["sent_at"]
