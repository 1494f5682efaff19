"""Reads for scheduling: a viewer's sessions and what the page shows, in a fixed query count."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from scheduling.models import Notification, SupportSession, ZoomMeeting
from zoom.models import ZoomConnection
from zoom.selectors import cut_off, limit_of

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
        # The peer's Zoom connection says whether a waiting move or a meeting on another Zoom
        # account can be reached (link_state); joined, so it costs no query.
        .select_related("peer", "participant", "peer__zoom_connection")
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
# About one screenful of cards (issue #17).
UPCOMING_PER_PAGE = 8
PAST_PER_PAGE = 10


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
        ends_at__gt=now,
    )


def _page(sessions: QuerySet[SupportSession], number: int, per_page: int) -> Page:
    """One query (plus the meetings' prefetch) whatever the diary's size: LIMIT n + 1 tells
    whether there is a next page without counting the rest."""
    number = max(1, number)
    start = (number - 1) * per_page
    rows = list(sessions[start : start + per_page + 1])
    return Page(rows[:per_page], number, len(rows) > per_page)


def upcoming_sessions(user: User) -> QuerySet[SupportSession]:
    """Requested and confirmed sessions that have not ended, soonest first."""
    sessions = sessions_for(user).filter(_upcoming_q(timezone.now()))
    return sessions.order_by("starts_at", "pk")


def past_sessions(user: User) -> QuerySet[SupportSession]:
    """Everything else (ended, declined, cancelled, completed), most recent first."""
    sessions = sessions_for(user).exclude(_upcoming_q(timezone.now()))
    return sessions.order_by("-starts_at", "-pk")


def upcoming_page(user: User, number: int = 1, *, per_page: int = UPCOMING_PER_PAGE) -> Page:
    return _page(upcoming_sessions(user), number, per_page)


def past_page(user: User, number: int = 1, *, per_page: int = PAST_PER_PAGE) -> Page:
    return _page(past_sessions(user), number, per_page)


def is_preparing(user: User) -> bool:
    """Whether any upcoming session is waiting for its Zoom meeting (the page then polls)."""
    return (
        sessions_for(user)
        .filter(_upcoming_q(timezone.now()), provisioning=Provisioning.PENDING)
        .exists()
    )


@dataclass(frozen=True)
class LinkState:
    text: str
    tone: str  # ready | pending | problem | neutral
    meeting: ZoomMeeting | None = None
    warning: str = ""  # for the peer only
    # A move keeps the link: the Zoom meeting is reachable and is moved in place (or a manual
    # link, which does not move at all).
    moves_in_place: bool = False


MOVE_WAITS = "Zoom still shows the old time; it will be updated when Zoom is reconnected."
MOVE_SENDING = "Zoom still shows the old time; Peerakeet is updating it."


def peer_connection(session: SupportSession) -> ZoomConnection | None:
    """The session's peer's Zoom connection, through the (usually joined) relation."""
    try:
        return session.peer.zoom_connection
    except ZoomConnection.DoesNotExist:
        return None


def _zoom_warning(session: SupportSession, meeting: ZoomMeeting) -> tuple[str, bool]:
    """What the peer should know about a live meeting, and whether a move keeps its link."""
    connection = peer_connection(session)
    connected = connection is not None and connection.is_connected
    if (
        connected
        and connection is not None
        and connection.zoom_user_id != meeting.host_zoom_user_id
    ):
        where = meeting.host_email or "another Zoom account"
        return (
            f"This meeting is on {where}, not on the Zoom account connected now "
            f"({connection.zoom_email}). Move your sessions to the new account from the "
            "Schedule page, or reconnect Zoom as before.",
            False,
        )
    if not meeting.is_in_step_with(session):
        return (MOVE_SENDING if connected else MOVE_WAITS), connected
    if meeting.settings_overridden:
        return f"Zoom applied different security settings: {meeting.settings_overridden}", True
    return "", True


def link_state(session: SupportSession) -> LinkState:
    """The session's meeting link in words (the guide's and the issue's wording), with what
    the peer should know about its Zoom meeting."""
    state = _link_state(session)
    limit = _time_limit_warning(session)
    if not limit:
        return state
    return replace(state, warning=f"{state.warning} {limit}".strip())


def _time_limit_warning(session: SupportSession) -> str:
    """A free (Basic) Zoom host's meetings end at 40 minutes: say so for a longer session that
    is to get a Zoom meeting (read from the joined connection: no query)."""
    if session.manual_link or session.status not in (Status.REQUESTED, Status.CONFIRMED):
        return ""
    connection = peer_connection(session)
    meeting = live_meeting(session)
    if (
        meeting is not None
        and connection is not None
        and meeting.host_zoom_user_id != connection.zoom_user_id
    ):
        return ""  # the meeting lives on another account, whose plan is not this one's
    limit = limit_of(connection)
    if not cut_off(session.duration_minutes, limit):
        return ""
    return (
        f"Your Zoom account is a free (Basic) account: Zoom will end this meeting at {limit} "
        f"minutes, before the session's {session.duration_minutes} minutes are over. Shorten the "
        f"session to {limit} minutes, or add your own meeting link."
    )


def _link_state(session: SupportSession) -> LinkState:
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
        return LinkState("Manual link", "ready", moves_in_place=True)
    if meeting is not None:
        warning, in_place = _zoom_warning(session, meeting)
        return LinkState("Zoom meeting ready", "ready", meeting, warning, in_place)
    if session.status == Status.REQUESTED:
        return LinkState("A Zoom meeting is created when the peer accepts", "neutral")
    if session.status != Status.CONFIRMED:
        return LinkState("No meeting link", "neutral")
    if session.provisioning == Provisioning.PENDING:
        return LinkState(Provisioning.PENDING.label, "pending")
    if session.provisioning == Provisioning.FAILED:
        said = f"Zoom said: {session.provisioning_error}" if session.provisioning_error else ""
        return LinkState(Provisioning.FAILED.label, "problem", warning=said)
    return LinkState("No meeting yet — reconnect Zoom or add a link", "problem")


def sessions_needing_a_link(peer: User, *, limit: int = 20) -> list[SupportSession]:
    """A peer's upcoming confirmed sessions that have no way to meet: no manual link and no
    live Zoom meeting (the "loud break" banner lists them)."""
    live = ZoomMeeting.objects.filter(
        session=OuterRef("pk"), removed_at__isnull=True, removal_requested_at__isnull=True
    )
    return list(
        SupportSession.objects.filter(
            peer=peer,
            status=Status.CONFIRMED,
            has_manual_link=False,
            starts_at__gt=timezone.now(),
        )
        .exclude(provisioning=Provisioning.PENDING)
        .exclude(Exists(live))
        .select_related("participant")
        .order_by("starts_at")[:limit]
    )


def meetings_behind(*conditions: Q, **where: object) -> QuerySet[ZoomMeeting]:
    """Live meetings whose Zoom time is not their session's (a move that waited for Zoom), for
    sessions that have not ended."""
    return (
        ZoomMeeting.objects.filter(
            *conditions,
            removed_at__isnull=True,
            removal_requested_at__isnull=True,
            zoom_starts_at__isnull=False,
            session__ends_at__gt=timezone.now(),
            **where,
        )
        .exclude(
            zoom_starts_at=F("session__starts_at"), zoom_duration=F("session__duration_minutes")
        )
        .order_by("pk")
    )


def uncertain_elsewhere(connection: ZoomConnection) -> Q:
    """Upcoming sessions of the connection's peer whose lost create went to another account."""
    return Q(
        peer_id=connection.peer_id,
        create_started_at__isnull=False,
        starts_at__gt=timezone.now(),
    ) & ~Q(create_host_zoom_user_id__in=("", connection.zoom_user_id))


@dataclass(frozen=True)
class AccountSwitch:
    """Upcoming sessions whose meetings were made on a Zoom user other than the one connected
    now (or whose lost create went there): what moving to the new account would change."""

    sessions: int
    old_accounts: list[str]
    new_account: str


@dataclass(frozen=True)
class AccountNotices:
    """What the peer must act on after connecting another Zoom account (the Schedule banners)."""

    switch: AccountSwitch | None
    left_meetings: list[ZoomMeeting]  # still in an old account: delete them there
    maybe_left: list[SupportSession]  # a lost create may have made one in an old account


def account_notices(peer: User) -> AccountNotices:
    """Three queries whatever the diary: the connection, the meetings, the sessions."""
    now = timezone.now()
    connection = ZoomConnection.objects.filter(
        peer=peer, state=ZoomConnection.State.CONNECTED
    ).first()
    current = connection.zoom_user_id if connection is not None else None
    elsewhere_q = Q(
        session__status=Status.CONFIRMED,
        session__starts_at__gt=now,
        removed_at__isnull=True,
        removal_requested_at__isnull=True,
    ) & ~Q(host_zoom_user_id=current)
    left_q = Q(left_on_old_account_at__isnull=False, session__ends_at__gt=now) & ~Q(
        removal_failed=""  # removed after all: the peer reconnected that account
    )
    meetings = list(
        ZoomMeeting.objects.filter(session__peer=peer)
        .filter((elsewhere_q if connection is not None else Q(pk__in=[])) | left_q)
        .select_related("session")
        .order_by("session__starts_at")
    )
    maybe_q = Q(maybe_left_on_old_account_at__isnull=False, ends_at__gt=now)
    uncertain_q = (
        uncertain_elsewhere(connection) & Q(status=Status.CONFIRMED)
        if connection is not None
        else Q(pk__in=[])
    )
    sessions = list(
        SupportSession.objects.filter(peer=peer).filter(maybe_q | uncertain_q).order_by("starts_at")
    )
    left = [m for m in meetings if m.left_on_old_account_at is not None and m.removal_failed]
    hosts = [m.host_email for m in meetings if m not in left]
    uncertain = [s for s in sessions if s.create_started_at is not None]
    switch = None
    if connection is not None and (hosts or uncertain):
        old = sorted({host or "your previous Zoom account" for host in hosts})
        switch = AccountSwitch(
            len(hosts) + len(uncertain),
            old or ["your previous Zoom account"],
            connection.zoom_email,
        )
    maybe = [s for s in sessions if s.maybe_left_on_old_account_at is not None]
    return AccountNotices(switch, left, maybe)


def account_switch(peer: User) -> AccountSwitch | None:
    """What moving to the connected Zoom account would change, before the peer confirms it."""
    return account_notices(peer).switch


RECENT_NOTIFICATIONS = 20


def recent_notifications(user: User, *, limit: int = RECENT_NOTIFICATIONS) -> list[Notification]:
    """What Peerakeet told this person lately, newest first, for the Notifications page."""
    return list(
        Notification.objects.filter(recipient=user)
        .select_related("session")
        .order_by("-created_at", "-pk")[:limit]
    )


@dataclass(frozen=True)
class CallOffNote:
    """The optional word that came with a cancel or decline, as one of the session's two people
    reads it: the one who wrote it sees it as theirs, the other sees who wrote it."""

    text: str
    by_you: bool
    author: str  # the writer's name; "" when their account is gone


def call_off_note(session: SupportSession, viewer: User) -> CallOffNote | None:
    """The note for ``viewer``, or None: only a declined or cancelled session has one, and only
    its peer and participant may read it (anyone else cannot open the session at all). It is
    never put in a push (scheduling.notifications' pushes carry fixed words)."""
    note = session.call_off_reason
    if not note or session.status not in (Status.DECLINED, Status.CANCELLED):
        return None
    if viewer.pk not in (session.peer_id, session.participant_id):
        return None
    # Only the peer declines; either side cancels, and the session records who did.
    writer_id = session.peer_id if session.status == Status.DECLINED else session.cancelled_by_id
    if writer_id == session.peer_id:
        author = session.peer.display_name
    elif writer_id == session.participant_id:
        author = session.participant.display_name
    else:
        author = ""
    return CallOffNote(text=note, by_you=writer_id == viewer.pk, author=author)
