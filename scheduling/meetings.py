"""A session's Zoom meeting from end to end (DESIGN.md flows 3 and 4): asked for, created, moved,
removed, healed after a reconnect, and the tasks that do the Zoom work, each beside its body.

Exactly one meeting per session, even when a create's answer is lost, two workers run the task,
or a worker dies mid-task:

1. Under the session's row lock, re-check that a meeting is still wanted and set
   ``create_started_at`` (committed) before anything is sent. Another run that finds a fresh
   mark stays off until the lease ends.
2. Outside the lock, if an earlier attempt may have reached Zoom (the mark was already set), look
   for the session's opaque reference among the host's upcoming meetings before creating.
3. Under the lock again, store the meeting; if the session stopped wanting it meanwhile, queue
   its removal at once.

Nothing sent to Zoom names the participant or describes the session: the topic is neutral and the
agenda holds only the opaque reference. Every Zoom error becomes an outcome in zoom.outcomes, and
every retry is queued by peerakeet.lib.retry.settle.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks import task

from peerakeet.lib.compiled import Compiled
from peerakeet.lib.retry import Retry, backoff, settle
from scheduling import notifications
from scheduling.models import Notification, SupportSession, ZoomMeeting
from scheduling.selectors import (
    live_meeting,
    meetings_behind,
    peer_connection,
    uncertain_elsewhere,
)
from zoom.client import ZoomAPI, ZoomError, ZoomNotFound
from zoom.models import ZoomConnection
from zoom.outcomes import Next, outcome_of
from zoom.selectors import connection_of
from zoom.tokens import call_zoom

log = logging.getLogger(__name__)

Provisioning = SupportSession.Provisioning

TOPIC = "Peer support session"
LEASE = timedelta(seconds=90)  # longer than a create can take: token refresh + timeouts
MAX_ATTEMPTS = 8  # transient failures (5xx, timeouts) before the peer is told
RECONCILE_AFTER = 30.0  # seconds to wait after an unanswered create before looking for it
PASSCODE_ALPHABET = string.ascii_letters + string.digits
# How far back a confirmed session may have started and still be healed after a reconnect.
HEAL_STARTED_WITHIN = timedelta(hours=4)


# --- Asking for, releasing and moving a meeting (inside the caller's transaction) ----------


def request_provisioning(session: SupportSession) -> bool:
    """Queue a Zoom meeting for a confirmed session that wants one (in the caller's transaction)."""
    if not session.wants_zoom_meeting():
        return False
    meeting = live_meeting(session)
    if meeting is not None and meeting.left_on_old_account_at is not None:
        # Its removal waits in a Zoom account this grant cannot reach (listed to the peer, to
        # delete there): it no longer holds the session's one live meeting, or the session,
        # wanting Zoom again (a manual link set, then cleared), would never get one.
        ZoomMeeting.objects.filter(pk=meeting.pk).update(removed_at=timezone.now())
        session.__dict__.pop("live_meetings", None)  # a prefetched list no longer holds
        meeting = None
    if meeting is not None:
        return False
    if not ZoomConnection.objects.filter(
        peer_id=session.peer_id, state=ZoomConnection.State.CONNECTED
    ).exists():
        # Nothing to queue: the peer sees "reconnect Zoom or add a link" at once, and
        # connecting later heals the session (resume_after_connect).
        session.provisioning = Provisioning.NEEDS_ZOOM
        session.save(update_fields=["provisioning", "updated_at"])
        return False
    session.provisioning = Provisioning.PENDING
    session.provisioning_attempts = 0
    session.next_attempt_at = timezone.now()
    session.save(
        update_fields=["provisioning", "provisioning_attempts", "next_attempt_at", "updated_at"]
    )
    provision_meeting.enqueue(session.pk)
    return True


def release_meeting(session: SupportSession) -> None:
    """The session no longer wants its meeting (declined, cancelled, a manual link): remove it."""
    meeting = live_meeting(session)
    if meeting is not None and meeting.removal_requested_at is None:
        meeting.removal_requested_at = timezone.now()
        meeting.save(update_fields=["removal_requested_at"])
        remove_meeting.enqueue(meeting.pk)


def move_meeting(session: SupportSession) -> None:
    """The session moved: move its meeting in place (the join link stays)."""
    meeting = live_meeting(session)
    if meeting is not None and meeting.removal_requested_at is None:
        update_meeting.enqueue(meeting.pk)


def resume_after_connect(connection: ZoomConnection) -> None:
    """Reconnect heals: every upcoming confirmed session without a link gets its meeting now,
    and meetings that could not be removed while Zoom was gone are removed."""
    upcoming = SupportSession.objects.select_for_update().filter(
        peer_id=connection.peer_id,
        status=SupportSession.Status.CONFIRMED,
        has_manual_link=False,
        starts_at__gt=timezone.now() - HEAL_STARTED_WITHIN,
    )
    for session in upcoming:
        request_provisioning(session)
    # Sessions that stopped wanting a meeting while a create's outcome was unknown: the
    # provisioning task looks for, and removes, what that create may have left in Zoom.
    for session_id in SupportSession.objects.filter(
        peer_id=connection.peer_id, create_started_at__isnull=False
    ).values_list("pk", flat=True):
        provision_meeting.enqueue(session_id)
    stuck = ZoomMeeting.objects.filter(
        session__peer_id=connection.peer_id,
        host_zoom_user_id=connection.zoom_user_id,
        removed_at__isnull=True,
        removal_requested_at__isnull=False,
    ).exclude(removal_failed="")
    for meeting in stuck:
        meeting.removal_failed = ""
        meeting.save(update_fields=["removal_failed"])
        remove_meeting.enqueue(meeting.pk)
    # Removals waiting in another account than the one connected now cannot be done from here.
    _left_on_old_account(
        ZoomMeeting.objects.filter(
            session__peer_id=connection.peer_id, removal_requested_at__isnull=False
        ).exclude(host_zoom_user_id=connection.zoom_user_id)
    )
    # Moves that could not reach Zoom while it was disconnected are sent now.
    behind = meetings_behind(
        session__peer_id=connection.peer_id, host_zoom_user_id=connection.zoom_user_id
    )
    for meeting_id in behind.values_list("pk", flat=True):
        update_meeting.enqueue(meeting_id)


def pause_after_disconnect(connection: ZoomConnection) -> None:
    """Future Zoom automation stops: pending sessions now need a reconnect or a manual link.

    When Zoom broke the connection (not the peer's own Disconnect), the peer is told at once by
    email; the dashboard shows a banner listing the sessions that now need a link.
    """
    SupportSession.objects.filter(
        peer_id=connection.peer_id, provisioning=Provisioning.PENDING
    ).update(provisioning=Provisioning.NEEDS_ZOOM)
    if connection.reason in (
        ZoomConnection.Reason.GRANT_REFUSED,
        ZoomConnection.Reason.REMOVED_IN_ZOOM,
    ):
        notifications.queue_peer_alert(
            connection.peer,
            kind=Notification.Kind.ZOOM_BROKEN,
            event_key=f"{connection.pk}:{connection.updated_at.isoformat()}",
        )


def switch_to_connected_account(*, peer_id: int) -> list[ZoomMeeting]:
    """The peer connected a Zoom user other than the one some upcoming meetings were made on,
    saw what that means, and confirmed: each such session gets a new meeting on the connected
    account, and its people are told the new link once (as LINK_CHANGED, when it exists). A
    session in progress keeps its meeting until it ends. The old meetings cannot be removed
    through the new grant: they are returned, and listed to the peer, to delete in the old
    account."""
    now = timezone.now()
    with transaction.atomic():
        connection = ZoomConnection.objects.select_for_update().get(peer_id=peer_id)
        if not connection.is_connected:
            return []
        elsewhere = (
            ZoomMeeting.objects.select_for_update(of=("self",))
            .select_related("session")
            .filter(
                session__peer_id=peer_id,
                session__status=SupportSession.Status.CONFIRMED,
                session__starts_at__gt=now,
                removed_at__isnull=True,
                removal_requested_at__isnull=True,
            )
            .exclude(host_zoom_user_id=connection.zoom_user_id)
        )
        for session in SupportSession.objects.select_for_update().filter(
            uncertain_elsewhere(connection), status=SupportSession.Status.CONFIRMED
        ):
            session.create_started_at = None
            session.maybe_left_on_old_account_at = now
            session.save(update_fields=["create_started_at", "maybe_left_on_old_account_at"])
            request_provisioning(session)
        left = []
        for meeting in elsewhere:
            where = meeting.host_email or "your previous Zoom account"
            meeting.removed_at = meeting.left_on_old_account_at = now
            meeting.removal_failed = f"Still in {where}: delete it there"[:200]
            meeting.join_url_encrypted = meeting.passcode_encrypted = ""
            meeting.save()
            session = SupportSession.objects.select_for_update().get(pk=meeting.session_id)
            session.calendar_sequence += 1
            session.save(update_fields=["calendar_sequence", "updated_at"])
            request_provisioning(session)
            left.append(meeting)
    return left


def meeting_gone(zoom_meeting_id: int, *, host_zoom_user_id: str | None = None) -> bool:
    """The host deleted the meeting inside Zoom (webhook, or noticed at join or update).

    The session shows it; if it still wants a meeting and the peer is connected, it gets a new
    one, and both people are told the link changed. With ``host_zoom_user_id``, only a meeting
    that Zoom user hosts counts: Zoom reuses the ids of expired meetings, and a webhook about
    another host's meeting says nothing about ours.
    """
    owned = {} if host_zoom_user_id is None else {"host_zoom_user_id": host_zoom_user_id}
    with transaction.atomic():
        meeting = (
            ZoomMeeting.objects.select_for_update()
            .filter(zoom_meeting_id=zoom_meeting_id, removed_at__isnull=True, **owned)
            .first()
        )
        if meeting is None:
            return False
        meeting.removed_at = timezone.now()
        meeting.removal_failed = ""
        meeting.save(update_fields=["removed_at", "removal_failed"])
        if meeting.removal_requested_at is not None:
            return True  # we were removing it anyway
        session = SupportSession.objects.select_for_update().get(pk=meeting.session_id)
        session.calendar_sequence += 1
        session.save(update_fields=["calendar_sequence", "updated_at"])
        request_provisioning(session)
    return True


# --- The tasks: each runs its body and queues a retry the one way -------------------------


@task()
def provision_meeting(session_id: int) -> str:
    return settle(
        provision(session_id),
        provision_meeting,
        session_id,
        mark=lambda when: SupportSession.objects.filter(pk=session_id).update(next_attempt_at=when),
    )


@task()
def remove_meeting(meeting_id: int, attempt: int = 0) -> str:
    return settle(
        remove(meeting_id, attempt),
        remove_meeting,
        meeting_id,
        attempt + 1,
        mark=lambda when: ZoomMeeting.objects.filter(pk=meeting_id).update(next_attempt_at=when),
    )


@task()
def update_meeting(meeting_id: int, attempt: int = 0) -> str:
    return settle(
        update(meeting_id, attempt),
        update_meeting,
        meeting_id,
        attempt + 1,
        mark=lambda when: ZoomMeeting.objects.filter(pk=meeting_id).update(next_attempt_at=when),
    )


# --- Creating (flow 3) ---------------------------------------------------------------------


def agenda_for(session: SupportSession) -> str:
    return f"Peerakeet ref {session.reference}"


def new_passcode() -> str:
    """10 characters (Zoom's maximum) of [A-Za-z0-9], with at least one letter and one digit."""
    while True:
        code = "".join(secrets.choice(PASSCODE_ALPHABET) for _ in range(10))
        if any(c.isdigit() for c in code) and any(c.isalpha() for c in code):
            return code


def meeting_request(session: SupportSession, passcode: str) -> dict[str, Any]:
    """The body of POST /users/me/meetings (zoom-api.md §2)."""
    video = session.modality == SupportSession.Modality.VIDEO
    return {
        "topic": TOPIC,
        "type": 2,
        "start_time": session.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration": session.duration_minutes,
        "timezone": "UTC",
        "password": passcode,
        "agenda": agenda_for(session),
        "settings": {
            "waiting_room": True,
            "join_before_host": False,
            "auto_recording": "none",
            "approval_type": 2,
            "registrants_email_notification": False,
            "email_notification": False,
            "meeting_authentication": False,
            "host_video": video,
            "participant_video": video,
            "mute_upon_entry": False,
        },
    }


class Step(StrEnum):
    CREATE = "create"  # this run holds the lease: find or create the meeting
    ORPHANS = "orphans"  # no meeting wanted, but an earlier create may have reached Zoom
    WAIT = "wait"  # another run holds the lease
    STOP = "stop"  # nothing to do (``reason`` says why)


@dataclass(frozen=True)
class Claim:
    """What one provisioning run found under the session's lock, and may do next."""

    step: Step
    session: SupportSession  # as read under the lock
    reason: str = ""
    connection: ZoomConnection | None = None  # set for CREATE and ORPHANS
    reconcile: bool = False  # CREATE: an earlier attempt may have reached Zoom
    wait: float = 0.0  # WAIT: seconds until the other run's lease ends

    @property
    def zoom(self) -> ZoomConnection:
        assert self.connection is not None, f"a {self.step} claim has a connection"
        return self.connection


def provision(session_id: int) -> str | Retry:
    claim = _claim(session_id)
    if claim.step == Step.WAIT:
        return Retry(claim.wait, claim.reason)
    if claim.step == Step.STOP:
        return claim.reason
    if claim.step == Step.ORPHANS:
        return _remove_orphans(claim.session, claim.zoom)
    return _create(claim)


def _create(claim: Claim) -> str | Retry:
    session, connection, reconcile = claim.session, claim.zoom, claim.reconcile
    # Once a create may have reached Zoom, the mark stays until the session's meeting is found
    # or stored: every failure below keeps it when this run was itself reconciling.
    try:
        data = _find_or_create(session, connection, reconcile=reconcile)
    except ZoomError as exc:
        outcome = outcome_of(exc, attempt=session.provisioning_attempts)
        if outcome.next == Next.RECONNECT:
            _release_claim(session.pk, Provisioning.NEEDS_ZOOM, sent=reconcile)
            return outcome.reason
        if outcome.rate_limited:
            _release_claim(session.pk, Provisioning.PENDING, sent=reconcile)
            return outcome.retry
        if outcome.next == Next.RETRY:
            log.warning("Zoom meeting for session %s not made yet: %s", session.pk, exc)
            sent = reconcile or outcome.maybe_sent
            return _transient(session.pk, session.provisioning_attempts, sent=sent)
        log.warning("Zoom refused a meeting for session %s: %s", session.pk, exc)
        _release_claim(session.pk, Provisioning.FAILED, sent=reconcile, error=str(exc))
        _tell_peer_it_failed(session.pk)
        return "zoom refused the meeting"
    return _store(session.pk, connection, data)


def _claim(session_id: int) -> Claim:
    with transaction.atomic():
        session, removed_at = _lock_session(session_id, with_connection=True)
        connection = peer_connection(session)
        connected = connection is not None and connection.is_connected
        now = timezone.now()
        started = session.create_started_at
        if started is not None and started > now - LEASE:
            # Another run is creating right now; look again when its lease ends.
            wait = (started + LEASE - now).total_seconds() + 1
            return Claim(Step.WAIT, session, "another run holds the lease", wait=wait)
        elsewhere = started is not None and _sent_to_another_account(session, connection)
        if not session.wants_zoom_meeting() or None in removed_at:
            if session.provisioning == Provisioning.PENDING:
                session.provisioning = Provisioning.IDLE
                session.save(update_fields=["provisioning", "updated_at"])
            if elsewhere and connection is not None:
                # This grant cannot look in the account the create went to: tell the peer.
                session.create_started_at = None
                session.maybe_left_on_old_account_at = now
                session.save(update_fields=["create_started_at", "maybe_left_on_old_account_at"])
                return Claim(Step.STOP, session, "a lost create may be in another zoom account")
            if started is not None and connected:
                return Claim(Step.ORPHANS, session, connection=connection)
            return Claim(Step.STOP, session, "no meeting wanted")
        if not connected or connection is None:
            session.provisioning = Provisioning.NEEDS_ZOOM
            session.save(update_fields=["provisioning", "updated_at"])
            return Claim(Step.STOP, session, "peer not connected")
        if elsewhere:
            # Only the account the create went to can say whether it made a meeting: the
            # session waits for the peer to confirm the move to the new account (or go back).
            session.provisioning = Provisioning.NEEDS_ZOOM
            session.save(update_fields=["provisioning", "updated_at"])
            return Claim(Step.STOP, session, "a lost create waits for the account switch")
        session.create_started_at = now
        session.create_host_zoom_user_id = connection.zoom_user_id or ""
        session.provisioning = Provisioning.PENDING
        session.provisioning_attempts += 1
        session.save(
            update_fields=[
                "create_started_at",
                "create_host_zoom_user_id",
                "provisioning",
                "provisioning_attempts",
                "updated_at",
            ]
        )
    return Claim(Step.CREATE, session, connection=connection, reconcile=started is not None)


def _sent_to_another_account(session: SupportSession, connection: ZoomConnection | None) -> bool:
    """The earlier create went to a Zoom user other than the one connected now."""
    sent_to = session.create_host_zoom_user_id
    return bool(sent_to) and connection is not None and connection.zoom_user_id != sent_to


def _lock_session(
    session_id: int, *, with_connection: bool = False
) -> tuple[SupportSession, list[datetime | None]]:
    """The session, locked (not its related rows), and the ``removed_at`` of each meeting it
    ever had. Both reads are on every meeting's critical path, so each is compiled once
    (peerakeet.lib.compiled); ``with_connection`` joins the peer and their Zoom connection.

    The meetings are read in a second statement, after the lock is held, and never as a
    subquery of the first: on PostgreSQL a statement that waited for a row lock sees the locked
    row as the other transaction left it, but its subqueries keep the snapshot taken before the
    wait, so a meeting that transaction stored would be missed and made twice
    (tests/scheduling/test_concurrency.py catches it)."""
    locked = _LOCKED_WITH_CONNECTION if with_connection else _LOCKED
    session = locked.get(session_id)
    removed = [removed_at for (removed_at,) in _REMOVED_AT.values(session_id)]
    return session, removed


_LOCKED = Compiled(
    lambda pk: SupportSession.objects.select_for_update(of=("self",)).filter(pk=pk).order_by()
)
_LOCKED_WITH_CONNECTION = Compiled(
    lambda pk: (
        SupportSession.objects.select_for_update(of=("self",))
        .select_related("peer__zoom_connection")
        .filter(pk=pk)
        .order_by()
    )
)
_REMOVED_AT = Compiled(
    lambda pk: ZoomMeeting.objects.filter(session_id=pk).values_list("removed_at")
)


def _remove_orphans(session: SupportSession, connection: ZoomConnection) -> str | Retry:
    """Delete any meeting a lost create left in Zoom for a session that no longer wants one."""
    agenda = agenda_for(session)

    def run(api: ZoomAPI) -> list[int]:
        found = [int(m["id"]) for m in api.list_upcoming_meetings() if m.get("agenda") == agenda]
        for meeting_id in found:
            with contextlib.suppress(ZoomNotFound):  # 3001: already gone
                api.delete_meeting(meeting_id)
        return found

    try:
        removed = call_zoom(connection.pk, run)
    except ZoomError as exc:
        outcome = outcome_of(exc, attempt=session.provisioning_attempts + 1)
        if outcome.next == Next.RECONNECT:
            return "orphan check waits for Zoom to be reconnected"
        if outcome.rate_limited:
            return outcome.retry
        return Retry(outcome.delay, "zoom unavailable")
    now = timezone.now()
    with transaction.atomic():
        locked = SupportSession.objects.select_for_update().get(pk=session.pk)
        for meeting_id in removed:  # kept as history: the session did have this meeting
            ZoomMeeting.objects.create(
                session=locked,
                zoom_meeting_id=meeting_id,
                host_zoom_user_id=connection.zoom_user_id or "",
                removal_requested_at=now,
                removed_at=now,
            )
        locked.create_started_at = None
        locked.save(update_fields=["create_started_at", "updated_at"])
    return f"removed {len(removed)} orphaned meeting(s)"


def _find_or_create(
    session: SupportSession, connection: ZoomConnection, *, reconcile: bool
) -> dict[str, Any]:
    def run(api: ZoomAPI) -> dict[str, Any]:
        if reconcile:
            # An earlier attempt may have created it and lost the answer (zoom-api.md §2).
            agenda = agenda_for(session)
            for listed in api.list_upcoming_meetings():
                if listed.get("agenda") == agenda:
                    return api.get_meeting(int(listed["id"]))
        return api.create_meeting(meeting_request(session, new_passcode()))

    return call_zoom(connection.pk, run, as_read=connection)


def _store(session_id: int, connection: ZoomConnection, data: dict[str, Any]) -> str:
    with transaction.atomic():
        session, removed_at = _lock_session(session_id)
        if None in removed_at:
            # Cannot happen while the lease holds; never keep two meetings if it somehow does.
            log.error(
                "Session %s already has a meeting; removing the new %s", session_id, data["id"]
            )
            transaction.on_commit(lambda: _delete_quietly(connection.pk, int(data["id"])))
            return "duplicate discarded"
        still_wanted = session.wants_zoom_meeting()
        meeting = ZoomMeeting(
            session=session,
            zoom_meeting_id=int(data["id"]),
            host_zoom_user_id=connection.zoom_user_id or "",
            host_email=connection.zoom_email,
            zoom_starts_at=_zoom_time(data.get("start_time")),
            zoom_duration=data.get("duration") if isinstance(data.get("duration"), int) else None,
            settings_overridden=_overrides(data.get("settings") or {}),
            removal_requested_at=None if still_wanted else timezone.now(),
        )
        meeting.seal(join_url=str(data.get("join_url", "")), passcode=str(data.get("password", "")))
        meeting.save()
        session.create_started_at = None
        session.provisioning = Provisioning.IDLE
        session.provisioning_error = ""
        session.save(
            update_fields=["create_started_at", "provisioning", "provisioning_error", "updated_at"]
        )
        if not still_wanted:
            remove_meeting.enqueue(meeting.pk)
            return "created, then removed: no longer wanted"
        if _moved_since(session, data):
            update_meeting.enqueue(meeting.pk)  # rescheduled while the create was in flight
        # The emails are written by a task of their own after the Zoom work: this transaction is
        # on every meeting's critical path (docs/benchmarks.md, benchmark 3).
        kind = Notification.Kind.LINK_CHANGED if removed_at else Notification.Kind.LINK_READY
        notifications.announce_meeting.enqueue(meeting.pk, kind, session.calendar_sequence)
    return "created"


def _zoom_time(value: object) -> datetime | None:
    """A meeting's ``start_time`` as Zoom wrote it (UTC, ``…Z``); None when unreadable."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _moved_since(session: SupportSession, data: dict[str, Any]) -> bool:
    sent = meeting_request(session, "")
    return data.get("start_time") != sent["start_time"] or data.get("duration") != sent["duration"]


def _delete_quietly(connection_id: int, zoom_meeting_id: int) -> None:
    try:
        call_zoom(connection_id, lambda api: api.delete_meeting(zoom_meeting_id))
    except ZoomError as exc:
        log.error("Could not remove duplicate Zoom meeting %s: %s", zoom_meeting_id, exc)


def _overrides(applied: dict[str, Any]) -> str:
    """Zoom may force account settings over ours (zoom-api.md §2): say what differs."""
    found = []
    if applied.get("waiting_room") is not True:
        found.append("waiting room is off")
    if applied.get("auto_recording", "none") != "none":
        found.append(f"automatic {applied['auto_recording']} recording is on")
    if applied.get("join_before_host") is True:
        found.append("participants can join before the host")
    return "; ".join(found)


def _release_claim(session_id: int, provisioning: str, *, sent: bool, error: str = "") -> None:
    """End this run's lease. ``sent``: the create may have reached Zoom, so keep the mark (the
    next run then reconciles) but let it expire at once. ``error``: what Zoom said, kept for
    the peer and support when the session is given up."""
    with transaction.atomic():
        session = SupportSession.objects.select_for_update().get(pk=session_id)
        session.create_started_at = timezone.now() - LEASE if sent else None
        session.provisioning = provisioning
        session.provisioning_error = error[:300]
        session.save(
            update_fields=["create_started_at", "provisioning", "provisioning_error", "updated_at"]
        )


def _transient(session_id: int, attempts: int, *, sent: bool) -> str | Retry:
    if attempts >= MAX_ATTEMPTS:
        _release_claim(session_id, Provisioning.FAILED, sent=sent)
        _tell_peer_it_failed(session_id)
        return "gave up after retries"
    _release_claim(session_id, Provisioning.PENDING, sent=sent)
    if sent:
        # Zoom may still be working on the create it never answered: give it time to finish
        # before looking for the meeting, or the lookup could miss it and create a second.
        return Retry(max(backoff(attempts), RECONCILE_AFTER), "zoom did not answer")
    return Retry(backoff(attempts), "zoom unavailable")


def _tell_peer_it_failed(session_id: int) -> None:
    with transaction.atomic():
        session = SupportSession.objects.select_related("peer").get(pk=session_id)
        notifications.queue_peer_alert(
            session.peer,
            kind=Notification.Kind.MEETING_FAILED,
            event_key=f"session:{session.pk}:{session.calendar_sequence}",
            session=session,
        )


# --- Removing (flow 4) ---------------------------------------------------------------------


def remove(meeting_id: int, attempt: int) -> str | Retry:
    meeting = ZoomMeeting.objects.select_related("session").get(pk=meeting_id)
    if meeting.removed_at is not None:
        return "already removed"
    connection = connection_of(meeting.session.peer_id)
    if connection is None or not connection.is_connected:
        _removal_failed(meeting_id, "Zoom is no longer connected for this peer")
        return "grant gone"
    if connection.zoom_user_id != meeting.host_zoom_user_id:
        _left_on_old_account(ZoomMeeting.objects.filter(pk=meeting_id))
        return "meeting on another zoom account"
    try:
        call_zoom(connection.pk, lambda api: api.delete_meeting(meeting.zoom_meeting_id))
    except ZoomError as exc:
        outcome = outcome_of(exc, attempt=attempt + 1)
        if outcome.next == Next.RECONNECT:
            _removal_failed(meeting_id, "Zoom refused the authorization")
            return "grant refused"
        if outcome.next == Next.REFUSED:
            log.warning("Zoom refused to delete meeting %s: %s", meeting.zoom_meeting_id, exc)
        if outcome.next != Next.GONE:  # 3001: already gone in Zoom, which is what we wanted
            return outcome.retry
    with transaction.atomic():
        ZoomMeeting.objects.filter(pk=meeting_id).update(
            removed_at=timezone.now(),
            removal_failed="",
            join_url_encrypted="",
            passcode_encrypted="",
        )
        # The session may want a meeting again by now (a manual link set, then cleared, while
        # this removal was queued): ask for it, since nothing else will.
        session = SupportSession.objects.select_for_update().get(pk=meeting.session_id)
        request_provisioning(session)
    return "removed"


def _removal_failed(meeting_id: int, why: str) -> None:
    ZoomMeeting.objects.filter(pk=meeting_id, removed_at__isnull=True).update(removal_failed=why)


def _left_on_old_account(meetings: QuerySet[ZoomMeeting]) -> None:
    """Meetings to remove that sit in a Zoom account the peer has moved away from: this grant
    cannot reach them, so the peer is asked to delete them there (the Schedule page lists them).
    Reconnecting that account still removes them."""
    for meeting in meetings.filter(removed_at__isnull=True, left_on_old_account_at__isnull=True):
        where = meeting.host_email or "your previous Zoom account"
        meeting.removal_failed = f"Still in {where}: delete it there"[:200]
        meeting.left_on_old_account_at = timezone.now()
        meeting.save(update_fields=["removal_failed", "left_on_old_account_at"])
        with transaction.atomic():
            # The session may want a meeting again by now (a manual link set, then cleared,
            # while this removal waited): it gets one on the account connected now.
            session = SupportSession.objects.select_for_update().get(pk=meeting.session_id)
            request_provisioning(session)


# --- Moving --------------------------------------------------------------------------------


def update(meeting_id: int, attempt: int) -> str | Retry:
    """Move the Zoom meeting to the session's current time, in place (PATCH keeps the link).

    A move that cannot reach Zoom (disconnected, the grant refused, the meeting on another Zoom
    account) waits: the meeting keeps the time Zoom has, the peer sees it, and the reconnect heal
    or the sweep sends the move once Zoom is reachable.
    """
    meeting = ZoomMeeting.objects.select_related("session").get(pk=meeting_id)
    session = meeting.session
    if meeting.removed_at is not None or meeting.removal_requested_at is not None:
        return "meeting no longer in use"
    connection = connection_of(session.peer_id)
    if connection is None or not connection.is_connected:
        return "zoom not connected: the move waits for a reconnect"
    if connection.zoom_user_id != meeting.host_zoom_user_id:
        return "the meeting is on another zoom account: the move waits"
    body = meeting_request(session, "")
    change = {key: body[key] for key in ("start_time", "duration", "timezone")}
    try:
        call_zoom(connection.pk, lambda api: api.update_meeting(meeting.zoom_meeting_id, change))
    except ZoomError as exc:
        outcome = outcome_of(exc, attempt=attempt + 1)
        if outcome.next == Next.GONE:
            meeting_gone(meeting.zoom_meeting_id, host_zoom_user_id=meeting.host_zoom_user_id)
            return "meeting was deleted in Zoom"
        if outcome.next == Next.RECONNECT:
            return outcome.reason
        if outcome.rate_limited:
            return outcome.retry
        return Retry(outcome.delay, "zoom unavailable")
    ZoomMeeting.objects.filter(pk=meeting_id).update(
        zoom_starts_at=session.starts_at, zoom_duration=session.duration_minutes
    )
    return "updated"
