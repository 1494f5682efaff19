"""Peers who take bookings: a profile and weekly hours, set through the booking services."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from booking import services
from booking.models import PeerProfile


def open_hours(
    peer: Any,
    *,
    slug: str = "pat",
    days: range = range(7),
    hours: tuple[time, time] = (time(9), time(17)),
    **availability: Any,
) -> PeerProfile:
    """Give ``peer`` a profile and the same hours every day (in their own time zone)."""
    services.profile_save(
        peer=peer,
        slug=slug,
        introduction=availability.pop("introduction", "I listen first."),
        languages=availability.pop("languages", ["English"]),
        focus_areas=availability.pop("focus_areas", ["Recovery"]),
        modalities=availability.pop("modalities", ["video", "audio"]),
        session_lengths=availability.pop("session_lengths", [30, 50]),
    )
    services.availability_save(
        peer=peer,
        week={day: [hours] for day in days},
        dates_off=availability.pop("dates_off", []),
        notice_minutes=availability.pop("notice_minutes", 0),
        horizon_days=availability.pop("horizon_days", 30),
        buffer_minutes=availability.pop("buffer_minutes", 10),
        daily_max=availability.pop("daily_max", 8),
        auto_confirm=availability.pop("auto_confirm", False),
    )
    assert not availability, f"unknown settings: {availability}"
    return PeerProfile.objects.select_related("peer", "peer__availability").get(peer=peer)


def at(day_offset: int, wall: time, zone: str = "UTC") -> datetime:
    """``wall`` o'clock in ``zone``, ``day_offset`` days from today there, in UTC."""
    today = timezone.now().astimezone(ZoneInfo(zone)).date()
    local = datetime.combine(today + timedelta(days=day_offset), wall, tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


@pytest.fixture
def bookable_peer(peer: Any) -> Any:
    open_hours(peer)
    return peer


@pytest.fixture(autouse=True)
def _quick_passwords(settings: Any) -> None:
    """Argon2 costs a noticeable fraction of a second per persona; hashing is not what these
    tests check (tests/accounts does)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
