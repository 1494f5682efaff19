"""A participant's ask to move a confirmed session, and the peer's answer (issue #17).

Only the peer moves a confirmed session (scheduling.services.session_reschedule); the
participant asks. The ask is checked as a participant's move of a request is (a time in the
future, inside the peer's open slots, clear of their other sessions) and waits, one at a time,
for the peer. Accepting moves the session through the services' one move path, so the same Zoom
meeting is moved in place and both people hear "moved". Every function locks the session row
first, like the services.
"""

from __future__ import annotations

import copy
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from booking import rules as booking_rules
from scheduling import notifications
from scheduling.models import MoveAsk, Notification, SupportSession
from scheduling.services import (
    SessionError,
    _check_overlap,
    _check_time,
    _lock_calendar,
    _locked,
    _move,
    _require_status,
    _whole_seconds,
    clean_reason,
)

Status = SupportSession.Status
State = MoveAsk.State
Kind = Notification.Kind


def move_ask_create(
    *,
    session: SupportSession,
    by: User,
    starts_at: datetime,
    duration_minutes: int | None = None,
    note: str = "",
) -> MoveAsk:
    """The participant asks the peer to move a confirmed session that has not started.

    A second ask while one waits is refused (withdraw the first): the peer never answers an
    ask that was swapped under them."""
    note = clean_reason(note)
    with transaction.atomic():
        session = _locked(session, by, peer_only=False)
        if by.pk != session.participant_id:
            raise SessionError(
                "Only the session's participant asks to move it; the peer moves it.",
                code="forbidden",
            )
        _require_status(session, {Status.CONFIRMED}, "ask to move")
        if session.starts_at <= timezone.now():
            raise SessionError(
                "This session has started; it can no longer be moved.", code="in_the_past"
            )
        if MoveAsk.objects.filter(session=session, state=State.PENDING).exists():
            raise SessionError(
                "You already asked to move this session. Withdraw that ask to propose "
                "another time.",
                code="ask_pending",
            )
        duration = duration_minutes or session.duration_minutes
        starts_at = _whole_seconds(starts_at)
        _check_time(starts_at, duration)
        if starts_at == session.starts_at and duration == session.duration_minutes:
            raise SessionError("That is the session's time already.", code="same_time")
        _lock_calendar(session.peer)
        _check_overlap(session.peer, starts_at, duration, exclude=session.pk)
        if refusal := booking_rules.refusal(_at(session, starts_at, duration)):
            raise SessionError(refusal.message, code=refusal.code)
        ask = MoveAsk.objects.create(
            session=session, asked_by=by, starts_at=starts_at, duration_minutes=duration, note=note
        )
        # Keyed by the ask (the session's calendar has not changed): each ask is its own event.
        notifications.queue_session_event(session, Kind.MOVE_ASKED, [session.peer], sequence=ask.pk)
    return ask


def _at(session: SupportSession, starts_at: datetime, duration: int) -> SupportSession:
    """The session as it would be at the proposed time (unsaved), for the open-slot rules."""
    proposed = copy.copy(session)
    proposed.starts_at, proposed.duration_minutes = starts_at, duration
    proposed.ends_at = proposed.end_of_time()
    return proposed


def move_ask_accept(*, ask: MoveAsk, by: User) -> SupportSession:
    """The peer accepts: the session moves (the same Zoom meeting, in place) and both people are
    told "moved". A time taken meanwhile is refused and the ask stays pending: the peer may
    free that time, or decline the ask with a word to the participant."""
    with transaction.atomic():
        session, ask = _locked_ask(ask, by, peer_only=True)
        _require_status(session, {Status.CONFIRMED}, "move")
        if ask.starts_at <= timezone.now():
            raise SessionError(
                "The proposed time has passed. Decline the ask, or move the session yourself.",
                code="in_the_past",
            )
        _lock_calendar(session.peer)
        _check_overlap(session.peer, ask.starts_at, ask.duration_minutes, exclude=session.pk)
        _decide(ask, by, State.ACCEPTED)
        _move(session, ask.starts_at, ask.duration_minutes, told=notifications.both(session))
    return session


def move_ask_decline(*, ask: MoveAsk, by: User, reason: str = "") -> MoveAsk:
    """The peer says no; the session keeps its time. ``reason`` (optional) goes to the
    participant."""
    reason = clean_reason(reason)
    with transaction.atomic():
        session, ask = _locked_ask(ask, by, peer_only=True)
        ask.decline_reason = reason
        _decide(ask, by, State.DECLINED)
        notifications.queue_session_event(
            session, Kind.MOVE_DECLINED, [session.participant], sequence=ask.pk
        )
    return ask


def move_ask_withdraw(*, ask: MoveAsk, by: User) -> MoveAsk:
    """The participant takes their ask back (to propose another time, or keep this one). The
    peer is told as they were told of the ask (email and push), since it sat in their "Needs
    your response": the email names the time no longer asked for, never the ask's note."""
    with transaction.atomic():
        session, ask = _locked_ask(ask, by, peer_only=False)
        if by.pk != ask.asked_by_id:
            raise SessionError("Only whoever asked can withdraw the ask.", code="forbidden")
        _decide(ask, by, State.WITHDRAWN)
        notifications.queue_session_event(
            session, Kind.MOVE_WITHDRAWN, [session.peer], sequence=ask.pk
        )
    return ask


def _locked_ask(ask: MoveAsk, by: User, *, peer_only: bool) -> tuple[SupportSession, MoveAsk]:
    """The session (locked, ``by`` allowed) and its ask read afresh under that lock, pending."""
    session = _locked(ask.session, by, peer_only=peer_only)  # peer_only: a revoked peer cannot
    ask = MoveAsk.objects.get(pk=ask.pk)
    if ask.state != State.PENDING:
        raise SessionError(
            f"This ask to move the session is no longer open ({ask.get_state_display().lower()}).",
            code="illegal_transition",
        )
    return session, ask


def _decide(ask: MoveAsk, by: User, state: str) -> None:
    ask.state, ask.decided_by, ask.decided_at = state, by, timezone.now()
    ask.save(update_fields=["state", "decided_by", "decided_at", "decline_reason"])


def pending_move_ask(session: SupportSession) -> MoveAsk | None:
    return MoveAsk.objects.filter(session=session, state=State.PENDING).first()
