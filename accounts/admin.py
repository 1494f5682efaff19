"""Support staff manage users and peer certifications here. No secret is ever displayed."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import PeerCertification, User
from accounts.services import certification_grant, certification_revoke, sign_out_everywhere


class CertificationInline(admin.TabularInline):
    model = PeerCertification
    fk_name = "user"
    extra = 0
    can_delete = False
    fields = ("granted_at", "granted_by", "revoked_at", "revoked_by", "note")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = [
        "email",
        "display_name",
        "role",
        "email_verified_at",
        "is_active",
        "date_joined",
    ]
    list_filter = ["is_staff", "is_active"]
    search_fields = ["email", "display_name"]
    # The password hash is never shown: only the link to set a new one.
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("display_name", "time_zone", "email_verified_at")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("email", "display_name", "password1", "password2")},
        ),
    )
    readonly_fields = ["last_login", "date_joined", "email_verified_at"]
    inlines = [CertificationInline]
    actions = ["grant_certification", "revoke_certification", "sign_out_everywhere"]

    @admin.display(description="Role")
    def role(self, obj: User) -> str:
        return obj.role_label

    @admin.action(description="Grant the Certified Peer role")
    def grant_certification(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        by = request.user if isinstance(request.user, User) else None
        for user in queryset:
            certification_grant(user=user, by=by)
        self.message_user(
            request, f"Certified {queryset.count()} user(s) as peers.", messages.SUCCESS
        )

    @admin.action(description="Revoke the Certified Peer role")
    def revoke_certification(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        by = request.user if isinstance(request.user, User) else None
        count = sum(certification_revoke(user=user, by=by) for user in queryset)
        self.message_user(request, f"Revoked {count} certification(s).", messages.SUCCESS)

    @admin.action(description="Sign out everywhere (every web session and API token)")
    def sign_out_everywhere(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        tokens = sum(sign_out_everywhere(user=user) for user in queryset)
        self.message_user(
            request,
            f"Signed {queryset.count()} user(s) out everywhere ({tokens} API token(s) revoked).",
            messages.SUCCESS,
        )


@admin.register(PeerCertification)
class PeerCertificationAdmin(admin.ModelAdmin):
    list_display = ["user", "granted_at", "granted_by", "revoked_at", "revoked_by"]
    list_filter = ["revoked_at"]
    search_fields = ["user__email"]
    readonly_fields = ["granted_at", "granted_by", "revoked_at", "revoked_by"]
    autocomplete_fields = ["user"]

    def save_model(
        self, request: HttpRequest, obj: PeerCertification, form: object, change: bool
    ) -> None:
        if not change and isinstance(request.user, User):
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)
