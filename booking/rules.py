"""Whether a new session may take its time, by the peer's availability.

Called by ``scheduling.services.session_request`` under the peer's calendar lock, after the row is
written and before the transaction commits, so of two requests racing for one slot the second
sees the first and is refused. It never imports ``scheduling.services`` (which imports it): it
answers with a ``Refusal`` and the service raises its own ``SessionError``.

A peer who has never set their hours (no ``Availability``) takes requests at any time, as before
booking existed: nothing is refused here for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from booking.models import MODALITIES, Availability, PeerProfile
from booking.selectors import busy_times
from booking.slots import Busy, Rules, open_slots
from scheduling.models import SupportSession


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


def refusal(session: SupportSession) -> Refusal | None:
    """None when ``session`` (saved, not yet committed) fits an open slot of its peer."""
    availability = Availability.objects.filter(peer_id=session.peer_id).first()
    if availability is None:
        return None
    profile = PeerProfile.objects.filter(peer_id=session.peer_id).first()
    offered = _offer_refusal(profile, session)
    if offered is not None:
        return offered
    now = timezone.now()
    rules = availability.rules(session.peer.time_zone)
    starts = session.starts_at
    if starts < now + rules.notice:
        hours = rules.notice.total_seconds() / 3600
        return Refusal("too_soon", f"This peer takes bookings at least {hours:g} hours ahead.")
    if starts >= now + rules.horizon:
        return Refusal(
            "too_far", f"This peer takes bookings up to {rules.horizon.days} days ahead."
        )
    if not _fits(rules, [], session, now):
        return Refusal(
            "outside_availability",
            "That time is outside the peer's hours. Choose one of their open times.",
        )
    busy = busy_times([session.peer_id], starts, session.ends_at, exclude=session.pk)
    if not _fits(rules, busy[session.peer_id], session, now):
        return Refusal("slot_taken", "That time was just taken. Choose another open time.")
    return None


def _offer_refusal(profile: PeerProfile | None, session: SupportSession) -> Refusal | None:
    if profile is None:
        return None
    if session.modality not in profile.modalities:
        offered = " or ".join(MODALITIES[m] for m in profile.modalities)
        return Refusal("bad_modality", f"This peer offers {offered} sessions.")
    if session.duration_minutes not in profile.session_lengths:
        lengths = " or ".join(str(m) for m in sorted(profile.session_lengths))
        return Refusal("bad_duration", f"This peer offers sessions of {lengths} minutes.")
    return None


def _fits(rules: Rules, busy: list[Busy], session: SupportSession, now: datetime) -> bool:
    """Whether the session's start is one of the open slots of its own length."""
    slots = open_slots(
        rules,
        busy,
        duration=timedelta(minutes=session.duration_minutes),
        start=session.starts_at,
        end=session.starts_at + timedelta(seconds=1),
        now=now,
    )
    return session.starts_at in slots
