"""Users and roles.

Roles: a *participant* is any active user; a *certified peer* holds an active peer certification,
granted or revoked by support staff in the admin; *support staff* are ``is_staff`` users.
"""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone.")


# Anything a mail client or calendar would turn into a link: a scheme ("https:", "mailto:"),
# "www.", or a dotted host name ("evil.com", "bit.ly/x", "пример.рф"). "J. Smith" still passes.
URL_LIKE = re.compile(r"[^\W\d_][\w+.-]*:/*[^\s/]|www\.|[^\W_]\.[^\W\d_]{2,}")


def validate_display_name(value: str) -> None:
    """A name goes into emails and calendar files under Peerakeet's name: no line breaks or
    other control characters (header and body injection), and no links (phishing)."""
    if any(unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"} for char in value):
        raise ValidationError(
            "A name cannot contain line breaks, tabs or other control characters.",
            code="control_characters",
        )
    if URL_LIKE.search(value):
        raise ValidationError(
            "A name cannot contain a web address or link. Use the name people know you by.",
            code="url_in_name",
        )


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    display_name = models.CharField(max_length=80, validators=[validate_display_name])
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField("support staff", default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Set when the person proved they read this address (the link we emailed them). Until then
    # nothing booked for the address is shown to this account (scheduling.selectors).
    email_verified_at = models.DateTimeField("email confirmed", null=True, blank=True)
    # Which emails this person wants (notification preferences).
    email_session_changes = models.BooleanField(
        "Session requests, confirmations, changes and cancellations", default=True
    )
    email_meeting_links = models.BooleanField("Meeting links ready or changed", default=True)
    email_zoom_problems = models.BooleanField(
        "Problems with my Zoom connection (certified peers)", default=True
    )
    # Pushes to the devices this person turned notifications on for (push.PushSubscription).
    push_notifications = models.BooleanField("Push notifications on my devices", default=True)
    # Session reminders (scheduling.reminders): which ones, and whether by email too.
    remind_day_before = models.BooleanField("24 hours before a session", default=True)
    remind_hour_before = models.BooleanField("1 hour before a session", default=True)
    remind_join_window = models.BooleanField("When a session's join window opens", default=True)
    email_reminders = models.BooleanField("Send reminders by email too", default=True)

    # "Sign out everywhere": every web session was stamped with a hash of the password and this
    # time, so changing either ends them all (Django checks the stamp on every request).
    signed_out_everywhere_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return f"{self.display_name} <{self.email}>"

    @property
    def is_certified_peer(self) -> bool:
        cached = getattr(self, "_is_certified_peer", None)
        if cached is None:
            cached = self.certifications.filter(revoked_at__isnull=True).exists()
            self._is_certified_peer = cached
        return cached

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        stamp = self.signed_out_everywhere_at
        # Unchanged for whoever never signed out everywhere, so no one is signed out by this code.
        value = self.password if stamp is None else f"{self.password}|{stamp.isoformat()}"
        return salted_hmac(
            "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
            value,
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def role_label(self) -> str:
        if self.is_certified_peer:
            return "Certified peer"
        if self.is_staff:
            return "Support staff"
        return "Participant"

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class PeerCertification(models.Model):
    """One grant of the Certified Peer role; revoking keeps the row as history."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="certifications")
    granted_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_active_certification_per_user",
            )
        ]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"Peer certification of {self.user.email} ({state})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AccountEvent(models.Model):
    """Who changed a person's standing, and what followed (support staff read it; no secret)."""

    class Kind(models.TextChoices):
        CERTIFICATION_GRANTED = "certification_granted", "Peer certification granted"
        CERTIFICATION_REVOKED = "certification_revoked", "Peer certification revoked"
        HOSTING_ENDED = "hosting_ended", "Hosting ended after a revoked certification"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="account_events")
    actor = models.CharField(max_length=200, help_text="Who: a staff email, or 'system'.")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    detail = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.actor}"
