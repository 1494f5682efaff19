"""Where Join Session sends a viewer (DESIGN.md flow 5). Checked again at the moment of joining."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.utils import timezone

from accounts.models import User
from scheduling.meetings import meeting_gone
from scheduling.models import SupportSession, ZoomMeeting
from scheduling.selectors import link_state, live_meeting
from zoom.client import ZoomError, ZoomNotFound
from zoom.selectors import connection_of
from zoom.tokens import call_zoom

log = logging.getLogger(__name__)


class JoinRefused(Exception):
    """Why a viewer cannot join now. ``code`` is stable (the API shows it). ``may_pass`` says
    whether waiting or reloading can be enough (not accepted yet, too early, no link yet): the
    guide's "Make sure the session is confirmed and the join window has opened" then applies.
    For the rest (ended, called off, peer no longer hosting, address not confirmed) it would not
    help, and the reason stands alone."""

    def __init__(
        self, reason: str, *, code: str, when: datetime | None = None, may_pass: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.when = when
        self.may_pass = may_pass


def standing_refusal(session: SupportSession, viewer: User) -> JoinRefused | None:
    """Why this viewer may not meet in this session at all, whatever the time: the one rule for
    Join and for everything that would let them meet another way (the meeting ID and passcode)."""
    if viewer.pk == session.participant_id and not viewer.is_verified:
        return JoinRefused(
            "Confirm your email address first: open the link we emailed you.",
            code="email_not_verified",
        )
    if session.status != SupportSession.Status.CONFIRMED:
        return JoinRefused(
            f"This session is {session.get_status_display().lower()}, so it cannot be joined.",
            code="not_confirmed",
            may_pass=session.status == SupportSession.Status.REQUESTED,
        )
    if not session.peer.is_certified_peer:
        # The peer's certification was revoked: nobody meets them through Peerakeet, not on
        # Peerakeet's Zoom meeting (made in their account) nor on their own link.
        return JoinRefused(
            "This session's peer is no longer hosting on Peerakeet. Peerakeet support is "
            "arranging another peer and will write to you; you do not need to do anything.",
            code="peer_not_hosting",
        )
    return None


def join_target(session: SupportSession, viewer: User, now: datetime | None = None) -> str:
    """The URL to open. The caller has already checked that the viewer belongs to the session."""
    now = now or timezone.now()
    if refused := standing_refusal(session, viewer):
        raise refused
    opens, closes = session.join_window()
    if now < opens:
        raise JoinRefused(
            "The join window has not opened yet.",
            code="join_window_not_open",
            when=opens,
            may_pass=True,
        )
    if now >= closes:
        raise JoinRefused("This session has ended.", code="session_ended")
    if session.manual_link:
        return session.manual_link
    meeting = live_meeting(session)
    if meeting is None or meeting.removal_requested_at is not None:
        raise JoinRefused(
            "This session has no meeting link yet. The peer can reconnect Zoom or add a link; "
            "reload this page in a moment.",
            code="no_link_yet",
            may_pass=True,
        )
    fresh = _check_in_zoom(session, meeting, by_host=viewer.pk == session.peer_id)
    if viewer.pk == session.peer_id:
        start_url = fresh.get("start_url") if fresh else None
        return str(start_url) if start_url else meeting.join_url
    return meeting.join_url


@dataclass(frozen=True)
class JoinFallback:
    """What to type into Zoom when the Join link will not open: its meeting ID and passcode."""

    meeting_id: str
    passcode: str


def join_fallback(session: SupportSession, viewer: User) -> JoinFallback | None:
    """For the session's own people, once it is confirmed and its Zoom meeting exists. Never the
    host's start URL (that comes fresh from Zoom at Join). Secrets: never log what this returns."""
    if viewer.pk not in (session.peer_id, session.participant_id) or session.has_manual_link:
        return None
    if standing_refusal(session, viewer):
        return None
    meeting = link_state(session).meeting
    if meeting is None or meeting.removal_requested_at is not None:
        return None
    digits = str(meeting.zoom_meeting_id)
    # Zoom writes an 11-digit meeting ID as "812 3456 7890".
    shown = f"{digits[:3]} {digits[3:7]} {digits[7:]}" if len(digits) == 11 else digits
    return JoinFallback(meeting_id=shown, passcode=meeting.passcode or "")


def leaving_for(session: SupportSession, viewer: User, target: str) -> str | None:
    """The host a participant is about to be sent to when it is the peer's own link (a manual
    link, not Peerakeet's Zoom meeting): the Join page names it before sending them on."""
    if viewer.pk != session.participant_id or not session.manual_link:
        return None
    return urlsplit(target).hostname if target == session.manual_link else None


def _check_in_zoom(
    session: SupportSession, meeting: ZoomMeeting, *, by_host: bool
) -> dict[str, Any] | None:
    """The meeting as Zoom has it now: a fresh host start URL (its ZAK lasts only 2 hours,
    zoom-api.md §2), and a check that the host has not deleted it inside Zoom. None when Zoom
    cannot be asked: joining then falls back to the stored join URL. A meeting on another Zoom
    account than the one connected now cannot be asked about through this grant: Zoom would
    answer "not found" for a meeting that is alive and well."""
    zoom_meeting_id = meeting.zoom_meeting_id
    connection = connection_of(session.peer_id)
    if connection is None or not connection.is_connected:
        return None
    if connection.zoom_user_id != meeting.host_zoom_user_id:
        return None
    try:
        return call_zoom(connection.pk, lambda api: api.get_meeting(zoom_meeting_id))
    except ZoomNotFound:
        meeting_gone(zoom_meeting_id, host_zoom_user_id=meeting.host_zoom_user_id)
        who = "You deleted" if by_host else f"{session.peer.display_name} deleted"
        raise JoinRefused(
            f"{who} this Zoom meeting in Zoom. Peerakeet is preparing a new one: "
            "reload this page in a minute.",
            code="meeting_deleted_in_zoom",
            may_pass=True,
        ) from None
    except ZoomError as exc:
        log.warning("Zoom could not confirm meeting %s: %s", zoom_meeting_id, type(exc).__name__)
        return None
