"""Support staff manage users and peer certifications here. No secret is ever displayed."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import AccountEvent, PeerCertification, User
from accounts.services import (
    CertificationError,
    certification_grant,
    certification_revoke,
    sign_out_everywhere,
)
from peerakeet.admin import SupportReadOnly

# What makes a person more powerful: only a superuser changes these, and never their own.
POWERS = ("is_staff", "is_superuser", "groups", "user_permissions")


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

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> list[str]:
        """Staff cannot escalate themselves (or anyone) here: powers are a superuser's to give,
        and nobody changes their own powers or switches their own account off."""
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += POWERS
        if obj is not None and obj.pk == request.user.pk:
            fields += [*POWERS, "is_active"]
        return list(dict.fromkeys(fields))

    @admin.display(description="Role")
    def role(self, obj: User) -> str:
        return obj.role_label

    @admin.action(description="Grant the Certified Peer role")
    def grant_certification(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        by = request.user if isinstance(request.user, User) else None
        granted = 0
        for user in queryset:
            try:
                certification_grant(user=user, by=by)
                granted += 1
            except CertificationError as refused:
                self.message_user(request, f"{user.email}: {refused.message}", messages.ERROR)
        self.message_user(request, f"Certified {granted} user(s) as peers.", messages.SUCCESS)

    @admin.action(description="Revoke the Certified Peer role (ends their hosting)")
    def revoke_certification(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        by = request.user if isinstance(request.user, User) else None
        for user in queryset:
            done = certification_revoke(user=user, by=by, note="Revoked in the admin")
            if not done.revoked:
                self.message_user(request, f"{user.email} was not a peer.", messages.WARNING)
                continue
            zoom = "Zoom disconnected" if done.zoom_disconnected else "no Zoom was connected"
            self.message_user(
                request,
                f"Revoked {user.email}: {done.requests_declined} open request(s) declined, "
                f"{done.sessions_to_hand_over} confirmed session(s) to hand over (Sessions, "
                f'"Needs a new peer"), an email queued for {done.participants_to_tell} '
                f"participant(s), signed out everywhere; {zoom}.",
                messages.SUCCESS,
            )

    @admin.action(description="Sign out everywhere (every web session and API token)")
    def sign_out_everywhere(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        tokens = sum(sign_out_everywhere(user=user) for user in queryset)
        self.message_user(
            request,
            f"Signed {queryset.count()} user(s) out everywhere ({tokens} API token(s) revoked).",
            messages.SUCCESS,
        )


@admin.register(PeerCertification)
class PeerCertificationAdmin(SupportReadOnly):
    """History only: granting and revoking go through the actions on Users (the services), so
    nobody adds a certification for themselves or ends one without ending its hosting."""

    list_display = ["user", "granted_at", "granted_by", "revoked_at", "revoked_by"]
    list_filter = ["revoked_at"]
    search_fields = ["user__email"]


@admin.register(AccountEvent)
class AccountEventAdmin(SupportReadOnly):
    list_display = ["at", "user", "kind", "actor", "detail"]
    list_filter = ["kind"]
    search_fields = ["user__email", "actor"]
