"""Reads for scheduling: a viewer's sessions and what the page shows, in a fixed query count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import (
    DateTimeField,
    Exists,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
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
    # Until its address is verified, an account sees nothing booked for that address.
    mine = Q(peer=user) | Q(participant=user) if user.is_verified else Q(peer=user)
    return (
        SupportSession.objects.filter(mine)
        .select_related("peer", "participant")
        .prefetch_related(
            Prefetch(
                "meetings",
                queryset=ZoomMeeting.objects.filter(removed_at__isnull=True),
                to_attr="live_meetings",
            )
        )
    )


# The longest session (the model's duration constraint): a session that started earlier has ended.
LONGEST_SESSION = timedelta(minutes=240)
UPCOMING_PER_PAGE = 50
PAST_PER_PAGE = 50


@dataclass(frozen=True)
class Page:
    """One page of a session list: what a person can read, never the whole diary."""

    sessions: list[SupportSession]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def _upcoming_q(now: datetime) -> Q:
    # starts_at's bound is implied by the end one; it lets PostgreSQL range-scan the index.
    return Q(
        status__in=(Status.REQUESTED, Status.CONFIRMED),
        starts_at__gt=now - LONGEST_SESSION,
        finishes_at__gt=now,
    )


class SessionEnd(Func):
    """``starts_at + duration_minutes`` computed by the database (Django's duration arithmetic
    cannot multiply on SQLite, so each backend gets its own spelling)."""

    output_field = DateTimeField()
    template = "(%(expressions)s)"
    arg_joiner = " + INTERVAL '1 minute' * "  # PostgreSQL: starts_at + interval * minutes

    def __init__(self) -> None:
        super().__init__(F("starts_at"), F("duration_minutes"))

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="datetime(%(expressions)s || ' minutes')",
            arg_joiner=", '+' || ",
            **extra_context,
        )


def _with_end(sessions: QuerySet[SupportSession]) -> QuerySet[SupportSession]:
    return sessions.annotate(finishes_at=SessionEnd())


def _page(sessions: QuerySet[SupportSession], number: int, per_page: int) -> Page:
    """One query (plus the meetings' prefetch) whatever the diary's size: LIMIT n + 1 tells
    whether there is a next page without counting the rest."""
    number = max(1, number)
    start = (number - 1) * per_page
    rows = list(sessions[start : start + per_page + 1])
    return Page(rows[:per_page], number, len(rows) > per_page)


def upcoming_sessions(user: User) -> QuerySet[SupportSession]:
    """Requested and confirmed sessions that have not ended, soonest first."""
    sessions = _with_end(sessions_for(user)).filter(_upcoming_q(timezone.now()))
    return sessions.order_by("starts_at", "pk")


def past_sessions(user: User) -> QuerySet[SupportSession]:
    """Everything else (ended, declined, cancelled, completed), most recent first."""
    sessions = _with_end(sessions_for(user)).exclude(_upcoming_q(timezone.now()))
    return sessions.order_by("-starts_at", "-pk")


def upcoming_page(user: User, number: int = 1, *, per_page: int = UPCOMING_PER_PAGE) -> Page:
    return _page(upcoming_sessions(user), number, per_page)


def past_page(user: User, number: int = 1, *, per_page: int = PAST_PER_PAGE) -> Page:
    return _page(past_sessions(user), number, per_page)


def is_preparing(user: User) -> bool:
    """Whether any upcoming session is waiting for its Zoom meeting (the page then polls)."""
    return (
        _with_end(sessions_for(user))
        .filter(_upcoming_q(timezone.now()), provisioning=Provisioning.PENDING)
        .exists()
    )


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
        return LinkState(Provisioning.PENDING.label, "pending")
    if session.provisioning == Provisioning.FAILED:
        return LinkState(Provisioning.FAILED.label, "problem")
    return LinkState("No meeting yet — reconnect Zoom or add a link", "problem")


def sessions_needing_a_link(peer: User, *, limit: int = 20) -> list[SupportSession]:
    """A peer's upcoming confirmed sessions that have no way to meet: no manual link and no
    live Zoom meeting (the "loud break" banner lists them)."""
    live = ZoomMeeting.objects.filter(
        session=OuterRef("pk"), removed_at__isnull=True, removal_requested_at__isnull=True
    )
    return list(
        SupportSession.objects.filter(
            peer=peer, status=Status.CONFIRMED, manual_link="", starts_at__gt=timezone.now()
        )
        .exclude(provisioning=Provisioning.PENDING)
        .exclude(Exists(live))
        .select_related("participant")
        .order_by("starts_at")[:limit]
    )
