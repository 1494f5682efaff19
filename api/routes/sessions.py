"""Sessions: list, create, request, detail, the actions, the manual link, asks to move, join.

Every change goes through scheduling.services; every refusal keeps the service's stable code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, cast

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Path, Query, Router, Status

from accounts.models import User
from accounts.services import booking_invite, participant_for_booking
from api.errors import ApiError, session_error
from api.routes.common import answers, peer_viewer, viewer
from api.routes.people import requestable_peers
from api.schemas import (
    CallOffIn,
    CallOffNoteOut,
    Id,
    JoinInfoOut,
    JoinOut,
    LinkOut,
    ManualLinkIn,
    MoveAskIn,
    MoveAskOut,
    PageQuery,
    PersonOut,
    RescheduleIn,
    SessionCreateIn,
    SessionDetailOut,
    SessionOut,
    SessionPage,
    SessionRequestIn,
    Tone,
    utc,
)
from scheduling import moves, services
from scheduling.join import JoinRefused, join_target, standing_refusal
from scheduling.models import MoveAsk, SupportSession
from scheduling.selectors import (
    call_off_note,
    link_state,
    past_sessions,
    sessions_for,
    upcoming_sessions,
)
from scheduling.wording import link_words

router = Router(tags=["sessions"])
SessionStatus = SupportSession.Status


# --- Reading ---------------------------------------------------------------------------------


def session_out(session: SupportSession, user: User) -> SessionOut:
    return SessionOut(**_common(session, user))


def _common(session: SupportSession, user: User) -> dict[str, Any]:
    state = link_state(session)
    return {
        "id": session.pk,
        "status": session.status,
        "modality": session.modality,
        "starts_at": utc(session.starts_at),
        "ends_at": utc(session.ends_at),
        "duration_minutes": session.duration_minutes,
        "time_zone": user.time_zone,
        "role": "peer" if session.peer_id == user.pk else "participant",
        "peer": PersonOut(id=session.peer.pk, display_name=session.peer.display_name),
        "participant": PersonOut(
            id=session.participant.pk, display_name=session.participant.display_name
        ),
        "link": LinkOut(
            text=state.text,
            tone=cast(Tone, state.tone),
            says=link_words(state, session, user).text,
        ),
    }


def session_detail_out(session: SupportSession, user: User) -> SessionDetailOut:
    is_peer = session.peer_id == user.pk
    state = link_state(session)
    return SessionDetailOut(
        **_common(session, user),
        join=_join_info(session, user),
        # The private note never reaches the participant (scheduling.models).
        private_note=session.private_note if is_peer else None,
        warning=(state.warning or None) if is_peer else None,
        move_ask=_ask_out(ask) if (ask := moves.pending_move_ask(session)) else None,
        call_off_note=(
            CallOffNoteOut(text=note.text, by_you=note.by_you, author=note.author)
            if (note := call_off_note(session, user))
            else None
        ),
    )


def _ask_out(ask: MoveAsk) -> MoveAskOut:
    return MoveAskOut(
        id=ask.pk,
        session_id=ask.session_id,
        state=ask.state,  # type: ignore[arg-type]
        starts_at=utc(ask.starts_at),
        duration_minutes=ask.duration_minutes,
        note=ask.note,
        decline_reason=ask.decline_reason,
        asked_at=utc(ask.created_at),
    )


def _join_info(session: SupportSession, viewer: User) -> JoinInfoOut | None:
    """The join information the session stores (the guide: "so the peer and participant can use
    it from their session views"). Never the host's start URL: that comes from /join. None where
    Join itself would refuse whatever the time (scheduling.join.standing_refusal: not confirmed,
    the peer no longer hosting, the participant's address not confirmed), as the session page's
    meeting ID and passcode are."""
    if standing_refusal(session, viewer):
        return None
    url, passcode = session.manual_link or None, None
    meeting = link_state(session).meeting
    if url is None and meeting is not None and meeting.removal_requested_at is None:
        url, passcode = meeting.join_url or None, meeting.passcode or None
    opens, closes = session.join_window()
    return JoinInfoOut(
        url=url,
        passcode=passcode,
        opens_at=utc(opens),
        closes_at=utc(closes),
        is_open=session.join_window_is_open(),
    )


def member_session(user: User, session_id: int) -> SupportSession:
    """The session if the viewer is its peer or participant; for anyone else it does not exist."""
    session = sessions_for(user).filter(pk=session_id).first()
    if session is None:
        raise ApiError(404, "not_found", "No such session.")
    return session


SessionId = Path[Id]
FOLLOW_UPS = (
    "get_session",
    "accept_session",
    "decline_session",
    "cancel_session",
    "complete_session",
    "set_link",
    "join_session",
)


def _links_to_follow_ups(status: int) -> dict[str, object]:
    """OpenAPI links: the new session's id feeds every operation on one session (for generated
    clients, and schemathesis's stateful tests)."""
    links = {
        name: {"operationId": name, "parameters": {"session_id": "$response.body#/id"}}
        for name in FOLLOW_UPS
    }
    # An int key, like ninja's own: "201" would be a second, separate 201 in the JSON.
    return {"responses": {status: {"links": links}}}


@router.get(
    "",
    response=answers(ok=(200, SessionPage)),
    summary="My sessions, upcoming soonest first, then past most recent first",
)
def list_sessions(
    request: HttpRequest,
    page: Query[PageQuery],
    when: Literal["upcoming", "past"] | None = None,
) -> SessionPage:
    user = viewer(request)
    lists = [upcoming_sessions(user), past_sessions(user)]
    if when is not None:
        lists = [lists[0] if when == "upcoming" else lists[1]]
    window: list[SupportSession] = []
    count, offset = 0, page.offset
    for sessions in lists:  # upcoming, then past: each sliced in the database
        size = sessions.count()
        count += size
        if len(window) < page.limit and offset < size:
            window += list(sessions[offset : offset + page.limit - len(window)])
        offset = max(0, offset - size)
    return SessionPage(
        items=[session_out(s, user) for s in window],
        count=count,
        limit=page.limit,
        offset=page.offset,
    )


# Before /{session_id}: Django tries the patterns in order.
@router.post(
    "/requests",
    response=answers(ok=(201, SessionDetailOut), errors=(400, 403, 409)),
    openapi_extra=_links_to_follow_ups(201),
    summary="Ask a certified peer for a session (the peer accepts or declines)",
)
def request_session(request: HttpRequest, payload: SessionRequestIn) -> Status[SessionDetailOut]:
    user = viewer(request)
    peer = requestable_peers(user).filter(pk=payload.peer_id).first()
    if peer is None:
        raise ApiError(400, "unknown_peer", "There is no certified peer with this id.")
    session = services.session_request(
        participant=user,
        peer=peer,
        starts_at=payload.starts_at,
        duration_minutes=payload.duration_minutes,
        modality=payload.modality,
    )
    return Status(201, _fresh_detail(session, user))


@router.get(
    "/{session_id}",
    response=answers(ok=(200, SessionDetailOut), errors=(404,)),
    summary="One of my sessions, with its join information",
)
def get_session(request: HttpRequest, session_id: SessionId) -> SessionDetailOut:
    user = viewer(request)
    return session_detail_out(member_session(user, session_id), user)


# --- Creating --------------------------------------------------------------------------------


@router.post(
    "",
    response=answers(ok=(201, SessionDetailOut), errors=(400, 403, 409)),
    openapi_extra=_links_to_follow_ups(201),
    summary="Schedule a session with a participant (certified peers; confirmed at once)",
)
def create_session(request: HttpRequest, payload: SessionCreateIn) -> Status[SessionDetailOut]:
    peer = peer_viewer(request)
    # Like the dashboard's form (scheduling.forms): known or not, an address answers the same.
    participant = participant_for_booking(email=payload.participant_email)
    session = services.session_create(
        peer=peer,
        participant=participant,
        starts_at=payload.starts_at,
        duration_minutes=payload.duration_minutes,
        modality=payload.modality,
        manual_link=payload.manual_link,
        private_note=payload.private_note,
    )
    booking_invite(participant=participant, peer=peer)
    return Status(201, _fresh_detail(session, peer))


def _fresh_detail(session: SupportSession, user: User) -> SessionDetailOut:
    return session_detail_out(member_session(user, session.pk), user)


# --- Changing --------------------------------------------------------------------------------

Action = Callable[..., SupportSession]


def _act(request: HttpRequest, session_id: int, action: Action, **fields: Any) -> SessionDetailOut:
    user = viewer(request)
    session = member_session(user, session_id)
    try:
        action(session=session, by=user, **fields)
    except services.SessionError as error:
        # No input to blame: a refusal is about the session's state (409) or the viewer (403).
        raise session_error(error, conflict=True) from None
    return _fresh_detail(session, user)


ACTION_ANSWERS = answers(ok=(200, SessionDetailOut), errors=(403, 404, 409))


@router.post("/{session_id}/accept", response=ACTION_ANSWERS, summary="Accept a request (peer)")
def accept_session(request: HttpRequest, session_id: SessionId) -> SessionDetailOut:
    return _act(request, session_id, services.session_accept)


# The body is optional: clients written before reasons existed send none, and still work.
CALL_OFF_ANSWERS = answers(ok=(200, SessionDetailOut), errors=(400, 403, 404, 409))


@router.post("/{session_id}/decline", response=CALL_OFF_ANSWERS, summary="Decline a request (peer)")
def decline_session(
    request: HttpRequest, session_id: SessionId, payload: CallOffIn | None = None
) -> SessionDetailOut:
    reason = payload.reason if payload else ""
    return _act(request, session_id, services.session_decline, reason=reason)


@router.post("/{session_id}/cancel", response=CALL_OFF_ANSWERS, summary="Cancel (either side)")
def cancel_session(
    request: HttpRequest, session_id: SessionId, payload: CallOffIn | None = None
) -> SessionDetailOut:
    reason = payload.reason if payload else ""
    return _act(request, session_id, services.session_cancel, reason=reason)


@router.post("/{session_id}/complete", response=ACTION_ANSWERS, summary="Mark as completed (peer)")
def complete_session(request: HttpRequest, session_id: SessionId) -> SessionDetailOut:
    return _act(request, session_id, services.session_complete)


@router.post(
    "/{session_id}/retry-meeting",
    response=ACTION_ANSWERS,
    summary="Try the Zoom meeting again after it could not be created (peer)",
)
def retry_meeting(request: HttpRequest, session_id: SessionId) -> SessionDetailOut:
    return _act(request, session_id, services.session_retry_meeting)


@router.put(
    "/{session_id}/link",
    response=answers(ok=(200, SessionDetailOut), errors=(400, 403, 404, 409)),
    summary="Set the manual meeting link, or clear it to use Zoom (peer)",
)
def set_link(
    request: HttpRequest, session_id: SessionId, payload: ManualLinkIn
) -> SessionDetailOut:
    user = peer_viewer(request)
    session = member_session(user, session_id)
    services.session_set_manual_link(session=session, by=user, link=payload.manual_link)
    return _fresh_detail(session, user)


@router.post(
    "/{session_id}/reschedule",
    response=answers(ok=(200, SessionDetailOut), errors=(400, 403, 404, 409)),
    summary="Move a session: the peer, or the participant for their own request",
)
def reschedule_session(
    request: HttpRequest, session_id: SessionId, payload: RescheduleIn
) -> SessionDetailOut:
    """The same Zoom meeting moves with it (the join link stays); both people are emailed."""
    user = viewer(request)
    session = member_session(user, session_id)
    services.session_reschedule(
        session=session,
        by=user,
        starts_at=payload.starts_at,
        duration_minutes=payload.duration_minutes,
    )
    return _fresh_detail(session, user)


# --- Asking to move a confirmed session (scheduling.moves) -------------------------------------


@router.post(
    "/{session_id}/move-asks",
    response=answers(ok=(201, MoveAskOut), errors=(400, 403, 404, 409)),
    summary="Ask the peer to move a confirmed session (its participant; one pending at a time)",
)
def ask_to_move(
    request: HttpRequest, session_id: SessionId, payload: MoveAskIn
) -> Status[MoveAskOut]:
    """The session keeps its time until the peer accepts; the peer is emailed and pushed."""
    user = viewer(request)
    ask = moves.move_ask_create(
        session=member_session(user, session_id),
        by=user,
        starts_at=payload.starts_at,
        duration_minutes=payload.duration_minutes,
        note=payload.note,
    )
    return Status(201, _ask_out(ask))


def _member_ask(user: User, session_id: int, ask_id: int) -> MoveAsk:
    ask = MoveAsk.objects.filter(pk=ask_id, session=member_session(user, session_id)).first()
    if ask is None:
        raise ApiError(404, "not_found", "No such ask to move this session.")
    return ask


AskId = Path[Id]
ASK_ANSWERS = answers(ok=(200, MoveAskOut), errors=(400, 403, 404, 409))


@router.post(
    "/{session_id}/move-asks/{ask_id}/accept",
    response=answers(ok=(200, SessionDetailOut), errors=(403, 404, 409)),
    summary="Accept an ask to move: the session moves, its Zoom meeting in place (peer)",
)
def accept_move(request: HttpRequest, session_id: SessionId, ask_id: AskId) -> SessionDetailOut:
    user = viewer(request)
    ask = _member_ask(user, session_id, ask_id)
    try:
        session = moves.move_ask_accept(ask=ask, by=user)
    except services.SessionError as error:
        raise session_error(error, conflict=True) from None
    return _fresh_detail(session, user)


@router.post(
    "/{session_id}/move-asks/{ask_id}/decline",
    response=ASK_ANSWERS,
    summary="Decline an ask to move; the session keeps its time (peer)",
)
def decline_move(
    request: HttpRequest, session_id: SessionId, ask_id: AskId, payload: CallOffIn | None = None
) -> MoveAskOut:
    user = viewer(request)
    ask = _member_ask(user, session_id, ask_id)
    reason = payload.reason if payload else ""
    try:
        return _ask_out(moves.move_ask_decline(ask=ask, by=user, reason=reason))
    except services.SessionError as error:
        raise session_error(error, conflict=True) from None


@router.post(
    "/{session_id}/move-asks/{ask_id}/withdraw",
    response=answers(ok=(200, MoveAskOut), errors=(403, 404, 409)),
    summary="Withdraw your ask to move (participant)",
)
def withdraw_move(request: HttpRequest, session_id: SessionId, ask_id: AskId) -> MoveAskOut:
    user = viewer(request)
    ask = _member_ask(user, session_id, ask_id)
    try:
        return _ask_out(moves.move_ask_withdraw(ask=ask, by=user))
    except services.SessionError as error:
        raise session_error(error, conflict=True) from None


# --- Joining ---------------------------------------------------------------------------------


@router.get(
    "/{session_id}/join",
    response=answers(ok=(200, JoinOut), errors=(404, 409)),
    summary="Where to join now: the meeting link, or for the peer a fresh Zoom start URL",
)
def join_session(request: HttpRequest, session_id: SessionId, response: HttpResponse) -> JoinOut:
    user = viewer(request)
    session = member_session(user, session_id)
    response["Cache-Control"] = "no-store"
    try:
        return JoinOut(url=join_target(session, user, timezone.now()))
    except JoinRefused as refused:
        extra = {"opens_at": utc(refused.when)} if refused.when is not None else {}
        raise ApiError(
            409, refused.code, refused.reason, headers={"Cache-Control": "no-store"}, **extra
        ) from None
