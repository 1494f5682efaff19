"""Reads for booking, each in a fixed number of queries whatever the diary's size.

Open slots of one peer: two queries (the profile with its peer and availability, then the
peer's busy times in the range). Find a peer: two (the bookable peers, then all their busy times).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet

from accounts.selectors import holds_certification
from booking.models import PeerProfile
from booking.slots import Busy, open_slots
from scheduling.models import SupportSession

Status = SupportSession.Status
# The longest session (the model's constraint): one that started earlier cannot reach the range.
LONGEST = timedelta(minutes=240)
# The daily cap counts a whole local day: look this far either side of the range.
DAY_MARGIN = timedelta(days=1, hours=14)


def bookable_profiles() -> QuerySet[PeerProfile]:
    """Profiles of active certified peers who have set their hours."""
    return (
        PeerProfile.objects.filter(holds_certification("peer"), peer__is_active=True)
        .filter(peer__availability__isnull=False)
        .select_related("peer", "peer__availability")
        .order_by("peer__display_name", "peer_id")
    )


def profile_by_slug(slug: str) -> PeerProfile | None:
    return bookable_profiles().filter(slug=slug).first()


def busy_times(
    peer_ids: Iterable[int], start: datetime, end: datetime, *, exclude: int | None = None
) -> dict[int, list[Busy]]:
    """Sessions of these peers that take time near ``[start, end)``: one query."""
    sessions = SupportSession.objects.filter(
        peer_id__in=list(peer_ids),
        # Requested and confirmed sessions take their time; a completed one (earlier today)
        # still counts toward the daily cap. Declined and cancelled ones free theirs.
        status__in=(Status.REQUESTED, Status.CONFIRMED, Status.COMPLETED),
        starts_at__gte=start - DAY_MARGIN - LONGEST,
        starts_at__lt=end + DAY_MARGIN,
    )
    if exclude is not None:
        sessions = sessions.exclude(pk=exclude)
    sessions = sessions.order_by()  # open_slots sorts what it needs; the database need not
    found: dict[int, list[Busy]] = defaultdict(list)
    for peer_id, starts_at, ends_at in sessions.values_list("peer_id", "starts_at", "ends_at"):
        found[peer_id].append(Busy(starts_at, ends_at))
    return found


def slots_of(
    profile: PeerProfile,
    *,
    duration_minutes: int,
    start: datetime,
    end: datetime,
    now: datetime,
    limit: int | None = None,
) -> list[datetime]:
    """A peer's open slots in ``[start, end)`` (UTC instants): one query beyond the profile."""
    rules = profile.peer.availability.rules(profile.peer.time_zone)
    end = min(end, now + rules.horizon)
    busy = busy_times([profile.peer_id], start, end)[profile.peer_id]
    return open_slots(
        rules,
        busy,
        duration=timedelta(minutes=duration_minutes),
        start=start,
        end=end,
        now=now,
        limit=limit,
    )


@dataclass(frozen=True)
class PeerCard:
    profile: PeerProfile
    next_slots: list[datetime]


def find_peers(
    *,
    now: datetime,
    language: str = "",
    focus: str = "",
    modality: str = "",
    excluding: int | None = None,
    per_peer: int = 3,
) -> list[PeerCard]:
    """Bookable peers with open time, filtered, each with their next open slots: two queries.

    Languages, focus areas and modalities are short lists; they are filtered here rather than in
    SQL so that SQLite and PostgreSQL answer alike.
    """
    profiles = [
        p
        for p in bookable_profiles()
        if p.peer_id != excluding
        and (not language or language.casefold() in (x.casefold() for x in p.languages))
        and (not focus or focus in p.focus_areas)
        and (not modality or modality in p.modalities)
    ]
    if not profiles:
        return []
    horizon = max(p.peer.availability.horizon_days for p in profiles)
    busy = busy_times([p.peer_id for p in profiles], now, now + timedelta(days=horizon))
    cards = []
    for profile in profiles:
        rules = profile.peer.availability.rules(profile.peer.time_zone)
        slots = open_slots(
            rules,
            busy[profile.peer_id],
            duration=timedelta(minutes=min(profile.session_lengths)),
            start=now,
            end=now + rules.horizon,
            now=now,
            limit=per_peer,
        )
        if slots:
            cards.append(PeerCard(profile, slots))
    return cards
