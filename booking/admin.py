from __future__ import annotations

from django.contrib import admin

from booking.models import Availability, PeerProfile


@admin.register(PeerProfile)
class PeerProfileAdmin(admin.ModelAdmin):
    list_display = ("peer", "slug", "updated_at")
    search_fields = ("slug", "peer__display_name")
    readonly_fields = ("peer", "updated_at")


@admin.register(Availability)
class AvailabilityAdmin(admin.ModelAdmin):
    list_display = ("peer", "horizon_days", "daily_max", "auto_confirm", "updated_at")
    search_fields = ("peer__display_name",)
    readonly_fields = ("peer", "updated_at")
