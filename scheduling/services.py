"""Every change to a support session's state, for the dashboard and the API alike.

Each write validates, runs in one transaction, and enqueues the Zoom work it implies in that same
transaction (django-tasks-db writes the task row there): a confirmed session gets a "provision
meeting" task, a declined or cancelled one a "remove meeting" task, so no side effect is lost and
none runs for a change that rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from accounts import throttles
from accounts.models import User
from booking import rules as booking_rules
from peerakeet.lib.meeting_links import MeetingLinkError, clean_meeting_link
from scheduling import notifications, reminders
from scheduling.meetings import (
    move_meeting,
    release_meeting,
    request_provisioning,
    switch_to_connected_account,
)
from scheduling.models import (
    MAX_MANUAL_LINK,
    MoveAsk,
    Notification,
    SupportSession,
    ZoomMeeting,
)

Status = SupportSession.Status
Kind = Notification.Kind

MIN_DURATION, MAX_DURATION = 15, 240
MAX_AHEAD = timedelta(days=366)


class SessionError(ValidationError):
    """A request that breaks a scheduling rule. ``code`` is stable (the API shows it)."""


def session_create(
    *,
    peer: User,
    participant: User,
    starts_at: datetime,
    duration_minutes: int,
    modality: str,
    manual_link: str = "",
    private_note: str = "",
) -> SupportSession:
    """A certified peer schedules a session for a participant: confirmed at once."""
    _require_peer(peer)
    with transaction.atomic():
        session = _new_session(
            peer=peer,
            participant=participant,
            created_by=peer,
            status=Status.CONFIRMED,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            modality=modality,
            manual_link=clean_manual_link(manual_link),
            private_note=_clean_note(private_note),
        )
        request_provisioning(session)
        # The peer made it: only the participant is told (one email per event per person).
        # A deactivated participant is booked like anyone (the peer must not learn the
        # account is off), but is not written to (queue_session_event skips them).
        notifications.queue_session_event(session, Kind.CONFIRMED, [session.participant])
    return session


def session_request(
    *, participant: User, peer: User, starts_at: datetime, duration_minutes: int, modality: str
) -> SupportSession:
    """A participant asks a certified peer for a session; the peer accepts or declines."""
    if not peer.is_certified_peer or not peer.is_active:
        raise SessionError(
            "Sessions can only be requested from certified peers.", code="not_a_peer"
        )
    if not participant.is_active:
        raise SessionError("Your account is not active.", code="inactive")
    with transaction.atomic():
        session = _new_session(
            peer=peer,
            participant=participant,
            created_by=participant,
            status=Status.REQUESTED,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            modality=modality,
        )
        if refusal := booking_rules.refusal(session):  # under the calendar lock: still open?
            raise SessionError(refusal.message, code=refusal.code)
        notifications.queue_session_event(session, Kind.REQUESTED, [session.peer])
    return session


def _new_session(
    *, peer: User, participant: User, starts_at: datetime, duration_minutes: int, **fields: Any
) -> SupportSession:
    """Checks shared by every new session, then the row (inside the caller's transaction)."""
    _check_people(peer, participant)
    starts_at = _whole_seconds(starts_at)
    _check_time(starts_at, duration_minutes)
    fields["modality"] = _modality(fields["modality"])
    _lock_calendar(peer)
    _check_overlap(peer, starts_at, duration_minutes)
    session = SupportSession(
        peer=peer,
        participant=participant,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        **fields,
    )
    session.full_clean()
    session.save()
    return session


def session_accept(*, session: SupportSession, by: User) -> SupportSession:
    with transaction.atomic():
        session = _locked(session, by, peer_only=True)
        _require_status(session, {Status.REQUESTED}, "accept")
        if session.starts_at <= timezone.now():
            raise SessionError(
                "This request's time has passed; ask for a new time.", code="in_the_past"
            )
        _lock_calendar(session.peer)
        _check_overlap(
            session.peer, session.starts_at, session.duration_minutes, exclude=session.pk
        )
        session.status = Status.CONFIRMED
        session.save(update_fields=["status", "updated_at"])
        request_provisioning(session)
        notifications.queue_session_event(session, Kind.CONFIRMED, notifications.both(session))
    return session


def session_decline(*, session: SupportSession, by: User, reason: str = "") -> SupportSession:
    """The peer says no to a request; ``reason`` (optional) is for the participant."""
    reason = clean_reason(reason)
    with transaction.atomic():
        session = _locked(session, by, peer_only=True)
        _require_status(session, {Status.REQUESTED}, "decline")
        _decline(session, reason)
    return session


def _decline(session: SupportSession, reason: str, *, hosting_ended: bool = False) -> None:
    """A locked request is declined, and its participant told (by the peer, or by the end of
    the peer's hosting: ``hosting_ended``, decided now and carried in the email, so a later
    revocation or a new certification does not change what it says)."""
    session.status = Status.DECLINED
    session.call_off_reason = reason
    session.save(update_fields=["status", "call_off_reason", "updated_at"])
    close_move_asks(session)
    release_meeting(session)
    notifications.queue_session_event(
        session, Kind.DECLINED, [session.participant], context={"hosting_ended": hosting_ended}
    )


def session_cancel(*, session: SupportSession, by: User, reason: str = "") -> SupportSession:
    """Either side may cancel a requested or confirmed session that has not ended; ``reason``
    (optional) is for the other person."""
    reason = clean_reason(reason)
    with transaction.atomic():
        session = _locked(session, by, peer_only=False)
        _require_status(session, {Status.REQUESTED, Status.CONFIRMED}, "cancel")
        was_confirmed = session.status == Status.CONFIRMED
        session.status = Status.CANCELLED
        session.cancelled_by = by
        session.call_off_reason = reason
        session.provisioning = SupportSession.Provisioning.IDLE
        session.calendar_sequence += 1
        session.save(
            update_fields=[
                "status",
                "cancelled_by",
                "call_off_reason",
                "provisioning",
                "calendar_sequence",
                "updated_at",
            ]
        )
        close_move_asks(session)
        release_meeting(session)
        reminders.withdraw_reminders(session)
        # A withdrawn request concerns only the peer; a cancelled booking, both calendars.
        told = notifications.both(session) if was_confirmed else [session.peer]
        notifications.queue_session_event(session, Kind.CANCELLED, told)
    return session


def session_complete(*, session: SupportSession, by: User) -> SupportSession:
    with transaction.atomic():
        session = _locked(session, by, peer_only=True)
        _require_status(session, {Status.CONFIRMED}, "mark as completed")
        if session.starts_at > timezone.now():
            raise SessionError(
                "A session can be marked completed once it has started.", code="not_started"
            )
        session.status = Status.COMPLETED
        session.save(update_fields=["status", "updated_at"])
        close_move_asks(session)
    return session


# A peer's "Try again" is honoured at most this often per session.
RETRY_MEETING_EVERY = timedelta(minutes=1)


def session_retry_meeting(*, session: SupportSession, by: User) -> SupportSession:
    """The peer asks Peerakeet to try the Zoom meeting again after it failed. Idempotent: while
    a meeting is being prepared or exists, nothing more is queued."""
    with transaction.atomic():
        session = _locked(session, by, peer_only=True)
        _require_status(session, {Status.CONFIRMED}, "retry the meeting of")
        if not session.wants_zoom_meeting():
            raise SessionError(
                "This session does not need a Zoom meeting (it has a link or has ended).",
                code="no_meeting_wanted",
            )
        if session.provisioning == SupportSession.Provisioning.PENDING:
            return session
        # Counted in the shared cache: every web process honours the same minute. A cache that
        # does not answer lets the retry through (it only asks again for what is wanted).
        try:
            first = (
                throttles.count_once(
                    f"retry-meeting:{session.reference}", window=RETRY_MEETING_EVERY.seconds
                )
                == 1
            )
        except throttles.CounterUnavailable:
            first = True
        if not first:
            raise SessionError(
                "Peerakeet tried a moment ago. Wait a minute before trying again.",
                code="too_soon",
            )
        request_provisioning(session)
    return session


@dataclass(frozen=True)
class HostingEnded:
    """What ending a revoked peer's hosting did to their sessions."""

    declined: list[SupportSession]  # open requests, each participant told kindly
    to_hand_over: list[SupportSession]  # confirmed and not ended: support finds another peer


def peer_hosting_end(*, peer: User) -> HostingEnded:
    """The peer's certification was just revoked (accounts.services.certification_revoke, in its
    transaction): every open request to them is declined, and the confirmed sessions that have
    not ended are returned for hand-over. They stay confirmed, but nobody joins them through this
    peer any more (scheduling.join)."""
    # Nobody is left to answer them; the sessions themselves are handed over below.
    MoveAsk.objects.filter(session__peer=peer, state=MoveAsk.State.PENDING).update(
        state=MoveAsk.State.SUPERSEDED, decided_at=timezone.now()
    )
    declined = list(
        SupportSession.objects.select_for_update(of=("self",))  # not the people's rows
        .filter(peer=peer, status=Status.REQUESTED)
        .select_related("participant", "peer")
    )
    for session in declined:
        _decline(session, reason="", hosting_ended=True)
    to_hand_over = list(
        SupportSession.objects.filter(
            peer=peer, status=Status.CONFIRMED, ends_at__gt=timezone.now()
        )
        .select_related("participant", "peer")
        .order_by("starts_at")
    )
    return HostingEnded(declined=declined, to_hand_over=to_hand_over)


def zoom_account_switch(*, peer: User) -> list[ZoomMeeting]:
    """The peer confirms moving upcoming sessions to the Zoom account connected now (see
    scheduling.meetings.switch_to_connected_account); the meetings left in the old account."""
    _require_peer(peer)
    return switch_to_connected_account(peer_id=peer.pk)


def session_set_manual_link(*, session: SupportSession, by: User, link: str) -> SupportSession:
    """A manual link always wins: a Zoom meeting already made for the session is removed.

    Clearing the link of a confirmed session hands it back to automatic Zoom meetings.
    """
    link = clean_manual_link(link)
    with transaction.atomic():
        session = _locked(session, by, peer_only=True)
        _require_status(session, {Status.REQUESTED, Status.CONFIRMED}, "change the link of")
        if link == session.manual_link:
            return session
        session.manual_link = link
        session.calendar_sequence += 1
        session.save(
            update_fields=[
                "manual_link_encrypted",
                "has_manual_link",
                "calendar_sequence",
                "updated_at",
            ]
        )
        if link:
            session.provisioning = SupportSession.Provisioning.IDLE
            session.save(update_fields=["provisioning"])
            release_meeting(session)
            if session.status == Status.CONFIRMED:
                notifications.queue_session_event(
                    session, Kind.LINK_CHANGED, notifications.both(session)
                )
        elif session.status == Status.CONFIRMED:
            # People hear about the Zoom meeting once it exists (scheduling.meetings).
            request_provisioning(session)
    return session


def session_reschedule(
    *, session: SupportSession, by: User, starts_at: datetime, duration_minutes: int | None = None
) -> SupportSession:
    """Move a session. The peer moves requested or confirmed sessions; the participant only
    their own request (a confirmed one they ask to move: scheduling.moves). The same Zoom
    meeting is updated in place, so the join link stays."""
    with transaction.atomic():
        session = _locked(session, by, peer_only=False)
        _require_status(session, {Status.REQUESTED, Status.CONFIRMED}, "move")
        if by.pk == session.peer_id:
            _require_peer(by)  # moving a session is hosting it
        if by.pk != session.peer_id and session.status != Status.REQUESTED:
            raise SessionError(
                "Only the peer can move a confirmed session: ask them to (Ask to move on the "
                "session page), or cancel it.",
                code="forbidden",
            )
        duration = duration_minutes or session.duration_minutes
        starts_at = _whole_seconds(starts_at)
        _check_time(starts_at, duration)
        # A participant's move is a new ask of the peer's time: it must fit an open slot, as the
        # request did; a peer may move their own sessions anywhere, as they may book them.
        by_participant = by.pk == session.participant_id
        if session.status == Status.CONFIRMED or by_participant:
            _lock_calendar(session.peer)
            _check_overlap(session.peer, starts_at, duration, exclude=session.pk)
        if starts_at == session.starts_at and duration == session.duration_minutes:
            return session
        told = notifications.both(session)
        if session.status == Status.REQUESTED:
            told = [session.peer if by_participant else session.participant]
        _move(session, starts_at, duration, told=told, check_open_slots=by_participant)
    return session


def _move(
    session: SupportSession,
    starts_at: datetime,
    duration: int,
    *,
    told: list[User],
    check_open_slots: bool = False,
) -> None:
    """The one path that moves a session (the caller holds its lock and checked the time): the
    same Zoom meeting is moved in place, reminders are re-armed for the new time, ``told`` hear
    of it with a new calendar sequence, and a pending ask to move it is closed (superseded).
    ``check_open_slots``: a participant's move must fit the peer's open slots."""
    session.starts_at, session.duration_minutes = starts_at, duration
    session.calendar_sequence += 1
    session.save(update_fields=["starts_at", "duration_minutes", "calendar_sequence", "updated_at"])
    if check_open_slots and (refusal := booking_rules.refusal(session)):
        raise SessionError(refusal.message, code=refusal.code)
    close_move_asks(session)
    move_meeting(session)
    reminders.withdraw_reminders(session)
    notifications.queue_session_event(session, Kind.RESCHEDULED, told)


def close_move_asks(session: SupportSession) -> int:
    """A change to the session answers its pending ask to move (cancelled, declined, completed,
    moved by the peer): it is closed as superseded. Run under the session's lock."""
    return MoveAsk.objects.filter(session=session, state=MoveAsk.State.PENDING).update(
        state=MoveAsk.State.SUPERSEDED, decided_at=timezone.now()
    )


def clean_manual_link(link: str) -> str:
    link = (link or "").strip()
    if not link:
        return ""
    if len(link) > MAX_MANUAL_LINK:
        raise SessionError(
            f"A meeting link is at most {MAX_MANUAL_LINK} characters long.", code="bad_link"
        )
    try:
        URLValidator(schemes=["https"])(link)
    except ValidationError:
        raise SessionError(
            "Enter a complete https:// meeting link, for example https://zoom.us/j/123456789.",
            code="bad_link",
        ) from None
    if urlparse(link).username or urlparse(link).password:
        raise SessionError(
            "A meeting link must not contain a user name or password.", code="bad_link"
        )
    try:  # only real meeting services: a Join must never lead to a lookalike page
        return clean_meeting_link(link, settings.MANUAL_LINK_HOSTS)
    except MeetingLinkError as error:
        raise SessionError(str(error), code="bad_link") from None


def _locked(session: SupportSession, by: User, *, peer_only: bool) -> SupportSession:
    """The session, locked, once ``by`` may act on it. A host's action (``peer_only``, or the
    peer moving a confirmed session) needs the session's peer to be an active certified peer
    still: a revoked peer no longer hosts, from any door."""
    locked = SupportSession.objects.select_for_update().get(pk=session.pk)
    allowed = by.pk == locked.peer_id or (not peer_only and by.pk == locked.participant_id)
    if allowed and peer_only:
        _require_peer(by)
    if not allowed:
        raise SessionError("Only the session's peer can do that.", code="forbidden")
    return locked


def _require_status(session: SupportSession, allowed: set[str], verb: str) -> None:
    if session.status not in allowed:
        raise SessionError(
            f"You cannot {verb} a session that is {session.get_status_display().lower()}.",
            code="illegal_transition",
        )


def _require_peer(user: User) -> None:
    if not user.is_certified_peer or not user.is_active:
        raise SessionError(
            "Only active certified peers can host sessions. If your certification was "
            "revoked, Peerakeet support can tell you why.",
            code="not_a_peer",
        )


def _check_people(peer: User, participant: User) -> None:
    # Nothing here may depend on the participant's account (known, new or deactivated): the
    # peer typed an address, and the answer must not tell them whose it is (issue 16).
    if peer.pk == participant.pk:
        raise SessionError("A peer cannot book a session with themselves.", code="same_person")


def _whole_seconds(starts_at: datetime) -> datetime:
    # Zoom and calendar files keep whole seconds; so do we, so every copy of the time agrees.
    return starts_at.replace(microsecond=0)


def _check_time(starts_at: datetime, duration_minutes: int) -> None:
    if timezone.is_naive(starts_at):
        raise SessionError("The start time needs a time zone.", code="bad_time")
    now = timezone.now()
    if starts_at <= now:
        raise SessionError("Choose a start time in the future.", code="in_the_past")
    if starts_at > now + MAX_AHEAD:
        raise SessionError("Sessions can be booked up to a year ahead.", code="too_far")
    if not MIN_DURATION <= duration_minutes <= MAX_DURATION:
        raise SessionError(
            f"A session lasts between {MIN_DURATION} and {MAX_DURATION} minutes.",
            code="bad_duration",
        )


MAX_REASON = SupportSession._meta.get_field("call_off_reason").max_length or 500


def clean_reason(reason: str) -> str:
    """The optional word to the other person when a session is declined or cancelled."""
    return _clean_text(reason, MAX_REASON, what="The note", code="bad_reason")


MAX_NOTE = SupportSession._meta.get_field("private_note").max_length or 2000


def _clean_note(note: str) -> str:
    return _clean_text(note, MAX_NOTE, what="The private note", code="bad_note")


def _clean_text(text: str, limit: int, *, what: str, code: str) -> str:
    text = (text or "").strip()
    if len(text) > limit:
        raise SessionError(f"Keep {what.lower()} under {limit} characters.", code=code)
    if "\x00" in text:
        raise SessionError(f"{what} has a character that cannot be stored.", code=code)
    return text


def _modality(value: str) -> str:
    if value not in SupportSession.Modality.values:
        raise SessionError("Choose Video or Audio.", code="bad_modality")
    return value


def _lock_calendar(peer: User) -> None:
    # Serialises bookings for one peer so two overlapping requests cannot both pass the check.
    User.objects.select_for_update().filter(pk=peer.pk).exists()


def _check_overlap(
    peer: User, starts_at: datetime, duration_minutes: int, *, exclude: int | None = None
) -> None:
    """Confirmed sessions of one peer never overlap; open requests may (the peer picks one)."""
    ends_at = starts_at + timedelta(minutes=duration_minutes)
    others = SupportSession.objects.filter(
        peer=peer,
        status=Status.CONFIRMED,
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
        # Implied by ends_at's bound; it lets the (peer, status, starts_at) index range-scan.
        starts_at__gt=starts_at - timedelta(minutes=MAX_DURATION),
    )
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise SessionError(
            "This time overlaps another session of this peer. Choose another time.", code="overlap"
        )
