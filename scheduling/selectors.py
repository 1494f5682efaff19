"""Reads for scheduling: a viewer's sessions and what the page shows, in a fixed query count."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from scheduling.models import SupportSession, ZoomMeeting

Status = SupportSession.Status
Provisioning = SupportSession.Provisioning
REMOVE_FAILED = "Zoom meeting could not be removed — delete it in Zoom"


def live_meeting(session: SupportSession) -> ZoomMeeting | None:
    prefetched = getattr(session, "live_meetings", None)
    if prefetched is not None:
        return prefetched[0] if prefetched else None
    return session.meetings.filter(removed_at__isnull=True).first()


def sessions_for(user: User) -> QuerySet[SupportSession]:
    return (
        SupportSession.objects.filter(Q(peer=user) | Q(participant=user))
        .select_related("peer", "participant")
        .prefetch_related(
            Prefetch(
                "meetings",
                queryset=ZoomMeeting.objects.filter(removed_at__isnull=True),
                to_attr="live_meetings",
            )
        )
    )


def schedule_for(user: User) -> tuple[list[SupportSession], list[SupportSession]]:
    """(upcoming, past): upcoming soonest first, past most recent first."""
    now = timezone.now()
    sessions = list(sessions_for(user).order_by("starts_at"))
    upcoming = [
        s for s in sessions if s.ends_at > now and s.status in (Status.REQUESTED, Status.CONFIRMED)
    ]
    past = [s for s in sessions if s not in upcoming]
    past.reverse()
    return upcoming, past


@dataclass(frozen=True)
class LinkState:
    text: str
    tone: str  # ready | pending | problem | neutral
    meeting: ZoomMeeting | None = None
    warning: str = ""


def link_state(session: SupportSession) -> LinkState:
    """The session's meeting link in words (the guide's and the issue's wording)."""
    meeting = live_meeting(session)
    if session.status in (Status.DECLINED, Status.CANCELLED):
        if meeting is not None and meeting.removal_failed:
            return LinkState(REMOVE_FAILED, "problem", meeting)
        if meeting is not None:
            return LinkState("Removing Zoom meeting…", "pending", meeting)
        if session.create_started_at is not None:
            # A create's answer was lost and Zoom is not connected to look for it.
            return LinkState(REMOVE_FAILED, "problem")
        return LinkState("No meeting link", "neutral")
    if session.manual_link:
        return LinkState("Manual link", "ready")
    if meeting is not None:
        warning = (
            f"Zoom applied different security settings: {meeting.settings_overridden}"
            if meeting.settings_overridden
            else ""
        )
        return LinkState("Zoom meeting ready", "ready", meeting, warning)
    if session.status == Status.REQUESTED:
        return LinkState("A Zoom meeting is created when the peer accepts", "neutral")
    if session.status != Status.CONFIRMED:
        return LinkState("No meeting link", "neutral")
    if session.provisioning == Provisioning.PENDING:
        return LinkState("Preparing Zoom meeting…", "pending")
    if session.provisioning == Provisioning.FAILED:
        return LinkState(Provisioning.FAILED.label, "problem")
    return LinkState("No meeting yet — reconnect Zoom or add a link", "problem")
