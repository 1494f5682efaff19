"""A certified peer's public profile and their availability (DESIGN.md: Words).

Both hang off the peer's user row. A peer without an ``Availability`` row has never set hours:
they take requests at any time, as before booking existed (booking.rules).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from booking.hours import from_stored
from booking.slots import Rules


def default_modalities() -> list[str]:
    return ["video", "audio"]


def default_lengths() -> list[int]:
    return [50]


MODALITIES = {"video": "Video", "audio": "Audio"}
SESSION_LENGTHS = (30, 50, 80)
MAX_LANGUAGES = 6


class PeerProfile(models.Model):
    """What participants see of a peer: never their email address or Zoom account."""

    peer = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="peer_profile",
    )
    slug = models.SlugField(
        max_length=60,
        unique=True,
        help_text="The booking link: /p/<slug>/",
        error_messages={"unique": "That booking link is taken. Choose another."},
    )
    introduction = models.TextField(max_length=600, blank=True)
    languages = models.JSONField(default=list, blank=True)
    focus_areas = models.JSONField(default=list, blank=True)
    modalities = models.JSONField(default=default_modalities)
    session_lengths = models.JSONField(default=default_lengths)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Profile /p/{self.slug}/"

    def clean(self) -> None:
        problems = {}
        if not _list_of(self.languages, str) or len(self.languages) > MAX_LANGUAGES:
            problems["languages"] = f"Up to {MAX_LANGUAGES} languages."
        elif any(not 0 < len(lang) <= 40 for lang in self.languages):
            problems["languages"] = "Each language is a name of up to 40 characters."
        if not _list_of(self.focus_areas, str) or not set(self.focus_areas) <= set(
            settings.BOOKING_FOCUS_AREAS
        ):
            problems["focus_areas"] = "Choose focus areas from the list."
        if (
            not _list_of(self.modalities, str)
            or not self.modalities
            or not set(self.modalities) <= set(MODALITIES)
        ):
            problems["modalities"] = "Offer Video, Audio or both."
        if (
            not _list_of(self.session_lengths, int)
            or not self.session_lengths
            or not set(self.session_lengths) <= set(SESSION_LENGTHS)
        ):
            problems["session_lengths"] = "Offer at least one session length."
        if problems:
            raise ValidationError(problems)


class Availability(models.Model):
    """Weekly hours (wall-clock, in the peer's own time zone), dates off and booking rules."""

    peer = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="availability",
    )
    weekly_hours = models.JSONField(default=list, blank=True)
    dates_off = models.JSONField(default=list, blank=True)
    notice_minutes = models.PositiveIntegerField(
        default=720, validators=[MaxValueValidator(60 * 24 * 14)]
    )
    horizon_days = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    buffer_minutes = models.PositiveSmallIntegerField(
        default=10, validators=[MaxValueValidator(120)]
    )
    daily_max = models.PositiveSmallIntegerField(
        default=4, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    auto_confirm = models.BooleanField(
        "Confirm requests automatically",
        default=False,
        help_text="Booked times become confirmed sessions at once, with their Zoom meeting.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "availabilities"

    def __str__(self) -> str:
        return f"Availability of peer {self.peer_id}"

    def clean(self) -> None:
        problems: dict[str, str] = {}
        try:
            from_stored(self.weekly_hours)
        except ValidationError as error:
            problems["weekly_hours"] = " ".join(error.messages)
        try:
            _dates(self.dates_off)
        except (TypeError, ValueError):
            problems["dates_off"] = "Dates off are dates like 2026-12-24."
        if problems:
            raise ValidationError(problems)

    def rules(self, time_zone: str) -> Rules:
        return Rules(
            time_zone=time_zone,
            hours=from_stored(self.weekly_hours),
            dates_off=_dates(self.dates_off),
            notice=timedelta(minutes=self.notice_minutes),
            horizon=timedelta(days=self.horizon_days),
            buffer=timedelta(minutes=self.buffer_minutes),
            daily_max=self.daily_max,
        )


def _dates(values: object) -> frozenset[date]:
    if not isinstance(values, list) or len(values) > 366:
        raise TypeError("a list of at most 366 dates")
    return frozenset(date.fromisoformat(str(value)) for value in values)


def _list_of(values: object, kind: type) -> bool:
    return isinstance(values, list) and all(
        isinstance(v, kind) and not isinstance(v, bool) for v in values
    )
