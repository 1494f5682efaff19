"""Booking writes: a peer's profile and hours, and a participant booking an open slot.

Booking is a request (``scheduling.services.session_request``: the same calendar lock and checks,
with ``booking.rules`` refusing a time that is no longer open), then, for a peer who confirms
automatically, the same confirmation a peer's click makes (``session_accept``: the Zoom meeting).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from booking.hours import to_stored
from booking.models import Availability, PeerProfile
from booking.selectors import profile_by_slug, slots_of
from booking.slots import nearest
from scheduling.models import SupportSession
from scheduling.services import SessionError, session_accept, session_request

# How far either side of a taken time to look for the nearest others.
NEAREST_WINDOW = timedelta(days=7)


class SlotTaken(SessionError):
    """The time was taken by someone else a moment ago; ``nearest`` are open times close by."""

    def __init__(self, message: str, *, nearest: list[datetime]) -> None:
        super().__init__(message, code="slot_taken")
        self.nearest = nearest


def slot_book(
    *, participant: User, peer: User, starts_at: datetime, duration_minutes: int, modality: str
) -> SupportSession:
    """Book one of a peer's open slots: a request, confirmed at once if the peer chose so."""
    try:
        with transaction.atomic():
            session = session_request(
                participant=participant,
                peer=peer,
                starts_at=starts_at,
                duration_minutes=duration_minutes,
                modality=modality,
            )
            if Availability.objects.filter(peer=peer, auto_confirm=True).exists():
                session = session_accept(session=session, by=peer)
    except SessionError as error:
        if error.code != "slot_taken":
            raise
        others = _nearest_open(peer, starts_at, duration_minutes)
        raise SlotTaken(
            "That time was just taken. Here are the nearest other open times.", nearest=others
        ) from error
    return session


def _nearest_open(peer: User, wanted: datetime, duration_minutes: int) -> list[datetime]:
    profile = PeerProfile.objects.select_related("peer", "peer__availability").get(peer=peer)
    now = timezone.now()
    slots = slots_of(
        profile,
        duration_minutes=duration_minutes,
        start=max(now, wanted - NEAREST_WINDOW),
        end=wanted + NEAREST_WINDOW,
        now=now,
    )
    return nearest(slots, wanted)


def profile_save(
    *,
    peer: User,
    slug: str,
    introduction: str,
    languages: list[str],
    focus_areas: list[str],
    modalities: list[str],
    session_lengths: list[int],
) -> PeerProfile:
    _require_peer(peer)
    profile = PeerProfile.objects.filter(peer=peer).first() or PeerProfile(peer=peer)
    profile.slug = slug.strip().lower()
    profile.introduction = introduction.strip()
    profile.languages = _unique(lang.strip() for lang in languages if lang.strip())
    profile.focus_areas = _unique(focus_areas)
    profile.modalities = _unique(modalities)
    profile.session_lengths = sorted(set(session_lengths))
    profile.full_clean()
    profile.save()
    return profile


def availability_save(
    *,
    peer: User,
    week: dict[int, list[tuple[time, time]]],
    dates_off: list[date],
    notice_minutes: int,
    horizon_days: int,
    buffer_minutes: int,
    daily_max: int,
    auto_confirm: bool,
) -> Availability:
    _require_peer(peer)
    availability = Availability.objects.filter(peer=peer).first() or Availability(peer=peer)
    availability.weekly_hours = to_stored(week)
    availability.dates_off = sorted({d.isoformat() for d in dates_off})
    availability.notice_minutes = notice_minutes
    availability.horizon_days = horizon_days
    availability.buffer_minutes = buffer_minutes
    availability.daily_max = daily_max
    availability.auto_confirm = auto_confirm
    availability.full_clean()
    availability.save()
    return availability


def bookable_profile(slug: str) -> PeerProfile:
    profile = profile_by_slug(slug)
    if profile is None:
        raise SessionError("No peer takes bookings at this link.", code="not_found")
    return profile


def _require_peer(user: User) -> None:
    if not user.is_certified_peer:
        raise SessionError("Only certified peers have a booking page.", code="not_a_peer")


def _unique(values: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen
