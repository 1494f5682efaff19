"""Emails and pushes about sessions and Zoom problems, emails with calendar files.

``queue_*`` functions run inside the transaction of the change they announce: they write
Notification rows (unique per event and person, so an event is never queued twice) and enqueue the
sending task in the same transaction, so nothing is sent for a change that rolled back (a
meeting the worker stores is announced by a task queued in the store's transaction). No email
ever carries the private note, anything about health, or the host's start URL: people join
through the session's Join Session page. A push (push.outbox) says even less, since a push
service is a third party: the words below and the Peerakeet page to open, no name, no time.

One email per event per person: a "confirmed" email for a session whose Zoom meeting is being
made waits up to ``CONFIRMED_WAITS_FOR_LINK`` for it, and the "link ready" of a meeting made
meanwhile is folded into it (``announce_meeting``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task
from icalendar import Calendar, Event

from accounts.models import User
from peerakeet.lib.retry import Retry, backoff, settle
from push.outbox import Push, queue_push
from scheduling.models import MoveAsk, Notification, SupportSession, ZoomMeeting
from scheduling.pages import schedule_path, session_path, session_url

log = logging.getLogger(__name__)

Kind = Notification.Kind
MAX_MAIL_ATTEMPTS = 8  # an email whose mail server keeps failing is retried this many times

# Which preference switch governs each kind.
PREFERENCE = {
    Kind.REQUESTED: "email_session_changes",
    Kind.CONFIRMED: "email_session_changes",
    Kind.DECLINED: "email_session_changes",
    Kind.CANCELLED: "email_session_changes",
    Kind.RESCHEDULED: "email_session_changes",
    Kind.MOVE_ASKED: "email_session_changes",
    Kind.MOVE_DECLINED: "email_session_changes",
    Kind.MOVE_WITHDRAWN: "email_session_changes",
    Kind.LINK_READY: "email_meeting_links",
    Kind.LINK_CHANGED: "email_meeting_links",
    Kind.ZOOM_BROKEN: "email_zoom_problems",
    Kind.MEETING_FAILED: "email_zoom_problems",
    # Which reminders a person wants is decided by scheduling.reminders; this is the channel.
    Kind.REMINDER_DAY: "email_reminders",
    Kind.REMINDER_HOUR: "email_reminders",
    Kind.REMINDER_JOIN: "email_reminders",
}
REMINDERS = {Kind.REMINDER_DAY, Kind.REMINDER_HOUR, Kind.REMINDER_JOIN}
SUBJECTS = {
    Kind.REQUESTED: "New session request",
    Kind.CONFIRMED: "Your peer support session is confirmed",
    Kind.DECLINED: "Your session request was declined",
    Kind.CANCELLED: "A peer support session was cancelled",
    Kind.RESCHEDULED: "A peer support session has moved",
    Kind.MOVE_ASKED: "A participant asked to move a session",
    Kind.MOVE_DECLINED: "Your session keeps its time",
    Kind.MOVE_WITHDRAWN: "An ask to move a session was withdrawn",
    # Not a preference's: it is about a session the person still has (queue_host_revoked).
    Kind.HOST_REVOKED: "About your upcoming peer support session",
    Kind.LINK_READY: "Your session's meeting link is ready",
    Kind.LINK_CHANGED: "Your session's meeting link changed",
    Kind.ZOOM_BROKEN: "Action needed: reconnect Zoom to Peerakeet",
    Kind.MEETING_FAILED: "Action needed: a Zoom meeting could not be created",
    # Sent late (a stopped sweep), they still say the truth: the email gives the exact time.
    Kind.REMINDER_DAY: "Reminder: your peer support session is coming up",
    Kind.REMINDER_HOUR: "Reminder: your peer support session starts within the hour",
    Kind.REMINDER_JOIN: "Your peer support session is about to start: join now",
}
MOVE_ASK_KINDS = {Kind.MOVE_ASKED, Kind.MOVE_DECLINED, Kind.MOVE_WITHDRAWN}
WITH_CALENDAR = {Kind.CONFIRMED, Kind.RESCHEDULED, Kind.CANCELLED}
# A new Zoom meeting is usually ready in seconds: its "confirmed" email waits this long for it,
# so people get one email with both, instead of two a few seconds apart.
CONFIRMED_WAITS_FOR_LINK = timedelta(seconds=60)
# What a device shows (title, body). Words only: no name, no time, no link to Zoom.
PUSH_WORDS = {
    Kind.REQUESTED: (
        "New session request",
        "Someone asked you for a peer support session. Open Peerakeet to answer.",
    ),
    Kind.CONFIRMED: ("Session confirmed", "Your peer support session is confirmed."),
    Kind.DECLINED: (
        "Session request declined",
        "Your session request was declined. Open Peerakeet to find another time.",
    ),
    Kind.CANCELLED: ("Session cancelled", "A peer support session was cancelled."),
    Kind.RESCHEDULED: (
        "Session moved",
        "A peer support session has a new time. Open Peerakeet to see it.",
    ),
    Kind.MOVE_ASKED: (
        "Asked to move a session",
        "A participant asked to move a peer support session. Open Peerakeet to answer.",
    ),
    Kind.MOVE_DECLINED: (
        "Session keeps its time",
        "Your ask to move a peer support session was declined. Open Peerakeet to see it.",
    ),
    Kind.MOVE_WITHDRAWN: (
        "Ask to move withdrawn",
        "A participant withdrew their ask to move a peer support session. It keeps its time.",
    ),
    Kind.LINK_READY: (
        "Meeting link ready",
        "Your session's meeting is ready. Join from Peerakeet when the join window opens.",
    ),
    Kind.LINK_CHANGED: (
        "Meeting link changed",
        "Your session's meeting changed. Join from Peerakeet when the join window opens.",
    ),
    Kind.ZOOM_BROKEN: (
        "Reconnect Zoom",
        "Peerakeet lost its connection to your Zoom account. Reconnect it so your sessions "
        "get meetings.",
    ),
    Kind.MEETING_FAILED: (
        "Action needed",
        "A Zoom meeting could not be created for a session. Add a link or try again.",
    ),
    Kind.REMINDER_DAY: ("Session coming up", "You have a peer support session within a day."),
    Kind.REMINDER_HOUR: (
        "Session within the hour",
        "Your peer support session starts within the hour.",
    ),
    Kind.REMINDER_JOIN: (
        "Time to join",
        "Your peer support session is about to start. Open Peerakeet to join.",
    ),
}
MAX_PUSH_TTL = 28 * 24 * 3600  # push services keep a message at most four weeks (FCM's limit)


def queue_session_event(
    session: SupportSession,
    kind: str,
    recipients: Iterable[User],
    *,
    sequence: int | None = None,
    context: dict[str, object] | None = None,
) -> int:
    """Queue ``kind`` about ``session`` for each recipient who wants it, by email and push.
    ``sequence``: the session's calendar sequence when the event happened (default: now).
    ``context``: what the email says that was decided now (``Notification.context``).
    Returns how many emails were queued. A deactivated account is told nothing (the rule is
    where each channel writes: ``queue_session_emails`` and ``push.outbox.queue_push``)."""
    sequence = session.calendar_sequence if sequence is None else sequence
    recipients = list(recipients)
    push_session_event(session, kind, recipients, sequence=sequence)
    return queue_session_emails(session, kind, recipients, sequence=sequence, context=context)


def queue_session_emails(
    session: SupportSession,
    kind: str,
    recipients: Iterable[User],
    *,
    sequence: int,
    context: dict[str, object] | None = None,
) -> int:
    """The emails of ``queue_session_event``: how many were queued.

    One query finds the rows an earlier run already wrote, one INSERT writes the rest and one task
    sends them, instead of a get_or_create and a task per person: this runs in every confirmation
    and for every meeting created.
    """
    wanted = {
        f"session:{session.pk}:{kind}:{sequence}:{person.pk}": person
        for person in recipients
        if person.is_active and getattr(person, PREFERENCE[Kind(kind)])
    }
    if not wanted:
        return 0
    done = set(
        Notification.objects.filter(dedupe_key__in=wanted).values_list("dedupe_key", flat=True)
    )
    rows = [
        Notification(
            dedupe_key=key,
            recipient=person,
            session=session,
            kind=kind,
            sequence=sequence,
            context=context or {},
        )
        for key, person in wanted.items()
        if key not in done
    ]
    if not rows:
        return 0
    try:
        with transaction.atomic():
            created = Notification.objects.bulk_create(rows)
    except IntegrityError:
        # Written meanwhile by a run that did not hold the session's lock: keep theirs.
        created = []
        for row in rows:
            notification, new = Notification.objects.get_or_create(
                dedupe_key=row.dedupe_key,
                defaults={"recipient": row.recipient, "session": session, "kind": kind,
                          "sequence": row.sequence, "context": row.context},
            )  # fmt: skip
            if new:
                created.append(notification)
    if created:
        sending = send_notifications
        if kind == Kind.CONFIRMED and session.provisioning == SupportSession.Provisioning.PENDING:
            # Its meeting is being made: give it a minute to be in this email (announce_meeting
            # sends at once when it is).
            sending = send_notifications.using(run_after=timezone.now() + CONFIRMED_WAITS_FOR_LINK)
        sending.enqueue([notification.pk for notification in created])
    return len(created)


def push_session_event(
    session: SupportSession, kind: str, recipients: Iterable[User], *, sequence: int
) -> int:
    """Queue the push of ``kind`` to the devices of each recipient who wants pushes."""
    title, body = PUSH_WORDS[Kind(kind)]
    # A reminder is worth nothing once the session has started; other news, until it ends.
    until = session.starts_at if kind in REMINDERS else session.ends_at
    seconds_left = int((until - timezone.now()).total_seconds())
    push = Push(
        title=title,
        body=body,
        url=session_path(session),  # a path: the service worker opens only its own site's
        tag=f"session-{session.pk}",
        ttl=min(MAX_PUSH_TTL, max(60, seconds_left)),
        send_before=until if kind in REMINDERS else None,
    )
    return queue_push(
        [person for person in recipients if person.push_notifications],
        push,
        event_key=f"session:{session.pk}:{kind}:{sequence}",
    )


# Zoom work first: an email may wait a moment, a meeting link should not.
@task(priority=-10)
def announce_meeting(meeting_id: int, kind: str, sequence: int) -> str:
    """Queue the "link ready" (or "link changed") emails of a meeting the worker just stored.

    Run by its own task, so the transaction that stores the meeting stays short; idempotent like
    every task: the rows are unique per event and person, and the event is keyed by the calendar
    sequence of when the meeting was stored, so a re-run after a reschedule sends nothing twice.
    Nothing is queued for a session that stopped wanting its meeting meanwhile (its people hear of
    the cancellation instead) or for a meeting already being removed (its replacement is
    announced when it exists).
    """
    with transaction.atomic():
        session = (
            SupportSession.objects.select_for_update(of=("self",))
            .select_related("peer", "participant")
            .get(meetings__pk=meeting_id)
        )
        meeting = ZoomMeeting.objects.get(pk=meeting_id)  # read under the session's lock
        if not session.wants_zoom_meeting():
            return "no longer wanted"
        if meeting.removal_requested_at is not None or meeting.removed_at is not None:
            return "meeting no longer in use"
        folded = _fold_into_confirmation(session, kind, sequence)
        push_session_event(session, kind, both(session), sequence=sequence)
        told = [person for person in both(session) if person.pk not in folded]
        queued = queue_session_emails(session, kind, told, sequence=sequence)
        return f"queued {queued}, folded {len(folded)}"


def _fold_into_confirmation(session: SupportSession, kind: str, sequence: int) -> set[int]:
    """A "link ready" for a session whose "confirmed" email has not started sending: the link
    goes into that email, sent now, and no second email is written. Returns who was folded.

    The confirmed rows are locked, and ``send`` counts its attempt under the same lock before it
    renders: a "confirmed" already being sent is left alone (it may not mention the link)."""
    if kind != Kind.LINK_READY:
        return set()
    waiting = list(
        Notification.objects.select_for_update()
        .filter(
            session=session, kind=Kind.CONFIRMED, sequence=sequence, sent_at__isnull=True,
            attempts=0,
        )
    )  # fmt: skip
    if not waiting:
        return set()
    Notification.objects.bulk_create(
        [
            Notification(
                dedupe_key=f"session:{session.pk}:{kind}:{sequence}:{confirmed.recipient_id}",
                recipient_id=confirmed.recipient_id, session=session, kind=kind,
                sequence=sequence, folded_into=confirmed,
            )
            for confirmed in waiting
        ],
        ignore_conflicts=True,
    )  # fmt: skip
    send_notifications.enqueue([confirmed.pk for confirmed in waiting])
    return {confirmed.recipient_id for confirmed in waiting}


def queue_peer_alert(
    peer: User, *, kind: str, event_key: str, session: SupportSession | None = None
) -> bool:
    """A Zoom problem the peer must act on (loud, never silent). ``event_key`` dedupes it."""
    if not peer.is_active:
        return False
    if peer.push_notifications:
        title, body = PUSH_WORDS[Kind(kind)]
        page = session_path(session) if session else schedule_path()
        push = Push(title=title, body=body, url=page, tag=f"zoom-{kind}")
        queue_push([peer], push, event_key=f"peer:{peer.pk}:{kind}:{event_key}")
    if not getattr(peer, PREFERENCE[Kind(kind)]):
        return False
    notification, created = Notification.objects.get_or_create(
        dedupe_key=f"peer:{peer.pk}:{kind}:{event_key}",
        defaults={"recipient": peer, "session": session, "kind": kind},
    )
    if created:
        send_notification.enqueue(notification.pk)
    return created


def queue_host_revoked(*, peer: User, sessions: Iterable[SupportSession], event: int) -> int:
    """The peer's certification was revoked (accounts.services.certification_revoke, in its
    transaction): one email to each participant of the confirmed ``sessions`` to hand over,
    listing theirs. Keyed by ``event`` (the revoked certification), so each participant is told
    once per revocation; retried like every email here if the mail server fails. A deactivated
    account is told nothing. It goes whatever the email preferences say: it is about a session
    the person still has, like an account email. Returns how many were queued."""
    theirs: dict[User, list[int]] = {}
    for session in sessions:
        theirs.setdefault(session.participant, []).append(session.pk)
    queued = []
    for person, session_ids in theirs.items():
        if not person.is_active:
            continue
        notification, created = Notification.objects.get_or_create(
            dedupe_key=f"host_revoked:{event}:{person.pk}",
            defaults={
                "recipient": person,
                "kind": Kind.HOST_REVOKED,
                "context": {"peer_id": peer.pk, "session_ids": session_ids},
            },
        )
        if created:
            queued.append(notification.pk)
    if queued:
        send_notifications.enqueue(queued)
    return len(queued)


def _to_hand_over(notification: Notification) -> list[SupportSession]:
    """The sessions a "host revoked" email lists, as they are when it is sent: those still
    confirmed with the former peer and not ended. One cancelled or handed over meanwhile is
    left out (the email says each listed one is not cancelled and waits for a new peer)."""
    return list(
        SupportSession.objects.filter(
            pk__in=notification.context["session_ids"],
            peer_id=notification.context["peer_id"],
            participant_id=notification.recipient_id,
            status=SupportSession.Status.CONFIRMED,
            ends_at__gt=timezone.now(),
        ).order_by("starts_at")
    )


def both(session: SupportSession) -> list[User]:
    return [session.participant, session.peer]


@task(priority=-10)
def send_notifications(notification_ids: list[int]) -> str:
    """The emails of one event (both people of a session), in one queue row instead of one per
    person. Each is sent as ``send_notification`` sends it and retried alone if its mail fails;
    one that fails otherwise is queued on its own, so it fails visibly without holding the rest.
    """
    outcomes = []
    for notification_id in notification_ids:
        try:
            outcomes.append(send_notification.call(notification_id))
        except Exception as exc:
            log.warning("Notification %s failed (%s); queued on its own", notification_id,
                        type(exc).__name__)  # fmt: skip
            send_notification.enqueue(notification_id)
            outcomes.append("queued on its own")
    return "; ".join(outcomes)


@task(priority=-10)
def send_notification(notification_id: int, attempt: int = 0) -> str:
    try:
        return send(notification_id)
    except (OSError, SMTPException):
        # The mail server is down or refused: try again later, a few times.
        if attempt >= MAX_MAIL_ATTEMPTS:
            raise
        retry = Retry(backoff(attempt + 1) * 4, "mail server unavailable")
        return settle(retry, send_notification, notification_id, attempt + 1)


def send(notification_id: int) -> str:
    """Send one notification unless it was sent already (the task's body)."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient", "session__peer", "session__participant")
            .get(pk=notification_id)
        )
        if notification.sent_at is not None:
            return "already sent"
        if not notification.recipient.is_active:
            return "account deactivated: not sent"
        if notification.kind in REMINDERS and not _still_due(notification):
            return "reminder no longer due: not sent"
        if notification.kind == Kind.HOST_REVOKED and not _to_hand_over(notification):
            return "nothing left to hand over: not sent"
        notification.attempts += 1
        notification.save(update_fields=["attempts"])
    build_email(notification).send()
    Notification.objects.filter(pk=notification_id).update(sent_at=timezone.now())
    return "sent"


def start_minute(session: SupportSession) -> int:
    """A reminder's event is the session's start time (in minutes since 1970, which fits the
    ``sequence`` column): another change, such as a new link, does not make it a new reminder."""
    return int(session.starts_at.timestamp()) // 60


def _still_due(reminder: Notification) -> bool:
    """A reminder sent late (a lost worker) still goes, unless the session was cancelled, moved
    (the new time has its own) or has started."""
    session = reminder.session
    return (
        session is not None
        and session.status == SupportSession.Status.CONFIRMED
        and start_minute(session) == reminder.sequence
        and session.starts_at > timezone.now()
    )


def build_email(notification: Notification) -> EmailMultiAlternatives:
    person = notification.recipient
    session = notification.session
    context: dict[str, object] = {
        "person": person,
        "session": session,
        "kind": notification.kind,
        "base_url": settings.PEERAKEET_BASE_URL,
        "session_url": session_url(session) if session else "",
        "other": _other_party(session, person) if session else None,
        "is_peer": session is not None and person.pk == session.peer_id,
        # A "link ready" folded into this "confirmed" email: it says the link is ready too.
        "link_ready": notification.kind == Kind.CONFIRMED and notification.folded.exists(),
        # An ask's event is keyed by the ask (queue_session_event's ``sequence``, scheduling.moves).
        "move_ask": MoveAsk.objects.filter(session=session, pk=notification.sequence).first()
        if notification.kind in MOVE_ASK_KINDS
        else None,
        **_decided_then(notification),
    }
    subject = SUBJECTS[Kind(notification.kind)]
    if notification.kind == Kind.HOST_REVOKED:
        sessions = _to_hand_over(notification)
        peer = User.objects.get(pk=notification.context["peer_id"])  # kept: sessions protect it
        context |= {"sessions": sessions, "peer_name": peer.display_name}
        subject += "s" if len(sessions) > 1 else ""
    with timezone.override(person.time_zone):
        body = render_to_string(f"scheduling/email/{notification.kind}.txt", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=[person.email])
    if session is not None and notification.kind in WITH_CALENDAR:
        method = "CANCEL" if notification.kind == Kind.CANCELLED else "REQUEST"
        message.attach(
            "session.ics",
            calendar_file(session, person, method=method, sequence=notification.sequence),
            f"text/calendar; method={method}; charset=utf-8",
        )
    return message


def _decided_then(notification: Notification) -> dict[str, object]:
    """What the email says that was decided when the event happened, not when it is sent: a
    decline says "no longer hosting" only if the end of the peer's hosting declined it
    (scheduling.services._decline), whatever happened to the certification since."""
    session = notification.session
    if notification.kind != Kind.DECLINED or session is None:
        return {}
    if "hosting_ended" not in notification.context:
        # Queued before declines carried it (this release): decided at sending, as it was.
        return {"hosting_ended": not session.peer.is_certified_peer}
    return {"hosting_ended": bool(notification.context["hosting_ended"])}


def _other_party(session: SupportSession, person: User) -> User:
    return session.participant if person.pk == session.peer_id else session.peer


def calendar_file(session: SupportSession, person: User, *, method: str, sequence: int) -> bytes:
    """An iCalendar file (RFC 5545) with a stable UID, so calendars update the same event."""
    calendar = Calendar()
    calendar.add("prodid", "-//Peerakeet//Sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", f"session-{session.reference}@peerakeet.com")
    event.add("sequence", sequence)
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", session.starts_at.astimezone(UTC))
    event.add("dtend", session.ends_at.astimezone(UTC))
    other = _other_party(session, person)
    event.add("summary", f"Peer support session with {other.display_name}")
    join_page = session_url(session)
    event.add("url", join_page)
    event.add("location", join_page)
    event.add("description", f"Join from Peerakeet when the join window opens: {join_page}")
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()
