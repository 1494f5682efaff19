"""The demo peer's booking page (accounts' seed_demo calls this; development only)."""

from __future__ import annotations

from datetime import time

from accounts.models import User
from booking.services import availability_save, profile_save

WEEKDAY_HOURS = [(time(9), time(12)), (time(13), time(17))]


def seed_booking_page(peer: User) -> None:
    """A profile and weekday hours in the peer's own zone. Safe to run again: it updates."""
    profile_save(
        peer=peer,
        slug="jordan-rivera",
        introduction=(
            "I have been in recovery for twelve years and have supported peers for eight. "
            "I listen first, and we go at your pace."
        ),
        languages=["English", "Spanish"],
        focus_areas=["Recovery", "Anxiety and stress"],
        modalities=["video", "audio"],
        session_lengths=[30, 50],
    )
    availability_save(
        peer=peer,
        week={day: WEEKDAY_HOURS for day in range(5)},
        dates_off=[],
        notice_minutes=12 * 60,
        horizon_days=30,
        buffer_minutes=10,
        daily_max=4,
        auto_confirm=False,
    )
