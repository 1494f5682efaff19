"""Support staff see sessions whose Zoom meeting could not be made, with Zoom's reason, and
the sessions of a peer whose certification was revoked, to hand over to another peer.

Read-only, like every support view: changes go through the services. Never the private note, a
join URL or a passcode: support does not need them to help.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts.selectors import holds_certification
from peerakeet.admin import SupportReadOnly
from scheduling.models import SupportSession


class Meeting(admin.SimpleListFilter):
    title = "Zoom meeting"
    parameter_name = "meeting"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("failed", "Could not be created"), ("needs_zoom", "Waiting for Zoom")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[SupportSession]
    ) -> QuerySet[SupportSession]:
        if self.value() == "failed":
            return queryset.filter(provisioning=SupportSession.Provisioning.FAILED)
        if self.value() == "needs_zoom":
            return queryset.filter(provisioning=SupportSession.Provisioning.NEEDS_ZOOM)
        return queryset


class HandOver(admin.SimpleListFilter):
    """Confirmed sessions, not ended, whose peer no longer holds a certification: the
    participant was told support would arrange another peer (accounts.services)."""

    title = "hand-over"
    parameter_name = "hand_over"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("needed", "Needs a new peer (certification revoked)")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[SupportSession]
    ) -> QuerySet[SupportSession]:
        if self.value() != "needed":
            return queryset
        return queryset.filter(
            ~holds_certification("peer_id"),
            status=SupportSession.Status.CONFIRMED,
            ends_at__gt=timezone.now(),
        ).order_by("starts_at")


@admin.register(SupportSession)
class SupportSessionAdmin(SupportReadOnly):
    list_display = [
        "pk",
        "starts_at",
        "status",
        "peer",
        "participant",
        "provisioning",
        "provisioning_error",
        "provisioning_attempts",
    ]
    list_filter = [HandOver, Meeting, "status"]
    search_fields = ["peer__email", "participant__email"]
    list_select_related = ["peer", "participant"]
    date_hierarchy = "starts_at"
    fields = (
        "peer",
        "participant",
        "status",
        "modality",
        "starts_at",
        "ends_at",
        "duration_minutes",
        "provisioning",
        "provisioning_error",
        "provisioning_attempts",
        "next_attempt_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
