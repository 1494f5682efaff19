"""Words for people, not systems (issue #17): what each role reads about a session's link and
its time. scheduling.selectors.link_state says what the system knows; this says it to the
person looking.

A participant never reads "Zoom meeting ready", "Manual link" or "Removing Zoom meeting…": they
do not know what those are and cannot act on them. The peer keeps the precise words (the
guide's: Zoom meeting, manual link), because the peer acts on them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.models import User
from scheduling.models import SupportSession
from scheduling.selectors import LinkState

Status = SupportSession.Status
LINK_READY = "Your session link is ready"
# Where a manual link leads, by its host, in the names people know.
PLACES = {
    "zoom.us": "Zoom",
    "meet.google.com": "Google Meet",
    "teams.microsoft.com": "Microsoft Teams",
    "whereby.com": "Whereby",
    "doxy.me": "Doxy.me",
}


def link_words(state: LinkState, session: SupportSession, viewer: User) -> LinkState:
    """``state`` in the words of the person looking at the session (its other facts kept)."""
    if session.peer_id == viewer.pk:
        if session.status == Status.REQUESTED and state.tone == "neutral":
            return replace(state, text="A Zoom meeting is created when you accept")
        return state
    text, tone = _for_participant(state, session)
    # The peer's warnings are about Zoom, for the peer to act on: not the participant's.
    return replace(state, text=text, tone=tone, warning="")


def _for_participant(state: LinkState, session: SupportSession) -> tuple[str, str]:
    if session.status in (Status.DECLINED, Status.CANCELLED, Status.COMPLETED):
        return "", "neutral"
    if session.status == Status.REQUESTED:
        return f"Waiting for {session.peer.display_name} to accept", "neutral"
    if state.tone == "ready":
        return f"{LINK_READY}: Join Session opens {meeting_place(session)}", "ready"
    if state.tone == "pending":
        return "Your session link is being prepared…", "pending"
    return "Your session link is not ready yet", "neutral"


def meeting_place(session: SupportSession) -> str:
    """Where Join Session leads: "Zoom", "Google Meet", or "your peer's meeting link"."""
    if not session.manual_link:
        return "Zoom"
    host = (urlparse(session.manual_link).hostname or "").lower()
    for domain, place in PLACES.items():
        if host == domain or host.endswith("." + domain):
            return place
    return "your peer's meeting link"


# How people name the zones Peerakeet's users live in; others read as their city.
ZONE_NAMES = {
    "America/New_York": "Eastern Time",
    "America/Detroit": "Eastern Time",
    "America/Toronto": "Eastern Time",
    "America/Chicago": "Central Time",
    "America/Winnipeg": "Central Time",
    "America/Denver": "Mountain Time",
    "America/Edmonton": "Mountain Time",
    "America/Phoenix": "Mountain Time",
    "America/Los_Angeles": "Pacific Time",
    "America/Vancouver": "Pacific Time",
    "America/Anchorage": "Alaska Time",
    "Pacific/Honolulu": "Hawaii Time",
    "Europe/London": "UK Time",
    "Europe/Dublin": "Irish Time",
    "Europe/Lisbon": "Western European Time",
    "Europe/Berlin": "Central European Time",
    "Europe/Paris": "Central European Time",
    "Europe/Madrid": "Central European Time",
    "Europe/Rome": "Central European Time",
    "Europe/Amsterdam": "Central European Time",
    "Europe/Athens": "Eastern European Time",
    "Asia/Kolkata": "India Time",
    "Asia/Tokyo": "Japan Time",
    "Australia/Sydney": "Eastern Australia Time",
}


def zone_label(zone: str) -> str:
    """ "America/New_York" → "Eastern Time (New York)"; "UTC" stays "UTC"."""
    if "/" not in zone:
        return zone
    city = zone.rsplit("/", 1)[1].replace("_", " ")
    name = ZONE_NAMES.get(zone)
    return f"{name} ({city})" if name else f"{city} time"


def utc_offset(zone: str, when: datetime) -> str:
    """The zone's offset at ``when``, e.g. "UTC-05:00" (daylight saving moves it)."""
    offset = timezone.localtime(when, ZoneInfo(zone)).strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}"
