"""Reminders before a session, by email and push: 24 hours before, 1 hour before, and when the
join window opens (``manage.py sweep_sessions`` runs ``queue_due_reminders`` every minute).

Each reminder is due while the time to the start lies in its band: the day reminder between 24
hours and 1 hour before, the hour reminder between 1 hour and the join window, the join reminder
from the window's opening until the start. A reminder a sweep missed (a lost machine, a stopped
cron) is sent late rather than never, until the next one is due or the session starts. One not
due yet when the session was booked (booked 3 hours ahead: no "24 hours before") is not sent:
the person has just heard of the session.

At most once per session, person, kind and session time: ``SentReminder`` is unique on them and
is written in the transaction that writes the emails and pushes. A moved session has a new time
and is reminded at it; the emails and pushes of its old time are withdrawn, and so are those of
a cancelled session (``withdraw_reminders``, called in the move's and the cancel's transaction),
and an email the worker picks up afterwards checks again (notifications._still_due).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from accounts.selectors import holds_certification
from push.models import PushMessage
from scheduling import notifications
from scheduling.models import Notification, SentReminder, SupportSession

Kind = Notification.Kind


@dataclass(frozen=True)
class Reminder:
    kind: str
    before: timedelta
    switch: str  # the person's preference (accounts.User)


def reminders() -> list[Reminder]:
    """Latest first: each band ends where the next one's begins."""
    return [
        Reminder(
            Kind.REMINDER_JOIN,
            timedelta(minutes=settings.JOIN_WINDOW_MINUTES_BEFORE),
            "remind_join_window",
        ),
        Reminder(Kind.REMINDER_HOUR, timedelta(hours=1), "remind_hour_before"),
        Reminder(Kind.REMINDER_DAY, timedelta(hours=24), "remind_day_before"),
    ]


def queue_due_reminders() -> int:
    """Queue every reminder that is due now and not yet sent: how many (person and kind).

    A session is locked only when someone of it is still owed the reminder: once it has gone,
    the minute's sweep reads it (one query a band for the sessions, one for what was sent) and
    moves on. A peer who no longer hosts is not reminded of a session nobody can join."""
    now = timezone.now()
    queued = 0
    band_ends = now
    for reminder in reminders():
        due = list(
            SupportSession.objects.filter(
                holds_certification("peer_id"),
                status=SupportSession.Status.CONFIRMED,
                starts_at__gt=band_ends,
                starts_at__lte=now + reminder.before,
                created_at__lte=F("starts_at") - reminder.before,
            ).select_related("peer", "participant")
        )
        sent = set(
            SentReminder.objects.filter(
                session__in=[session.pk for session in due], kind=reminder.kind
            ).values_list("session_id", "person_id", "starts_at")
        )
        for session in due:
            owed = [
                person
                for person in notifications.both(session)
                if _wants(person, reminder)
                and (session.pk, person.pk, session.starts_at) not in sent
            ]
            if owed:
                queued += _remind(session.pk, reminder)
        band_ends = now + reminder.before
    return queued


def _remind(session_id: int, reminder: Reminder) -> int:
    """One session's reminder of one kind, to each of its people who wants it and has not had it.
    Under the session's lock: a move, a cancellation or a revocation waits, or has happened
    (checked again)."""
    with transaction.atomic():
        session = (
            SupportSession.objects.select_for_update(of=("self",))
            .select_related("peer", "participant")
            .get(pk=session_id)
        )
        if session.status != SupportSession.Status.CONFIRMED or not session.peer.is_certified_peer:
            return 0
        if not timezone.now() < session.starts_at <= timezone.now() + reminder.before:
            return 0
        people = [p for p in notifications.both(session) if _wants(p, reminder)]
        fresh = [p for p in people if _record(session, p, reminder)]
        if fresh:
            notifications.queue_session_event(
                session, reminder.kind, fresh, sequence=notifications.start_minute(session)
            )
        return len(fresh)


def _wants(person: User, reminder: Reminder) -> bool:
    return bool(getattr(person, reminder.switch)) and (
        person.email_reminders or person.push_notifications
    )


def _record(session: SupportSession, person: User, reminder: Reminder) -> bool:
    """Write the SentReminder row; False when it exists (sent already, by this or another sweep)."""
    try:
        with transaction.atomic():
            SentReminder.objects.create(
                session=session, person=person, kind=reminder.kind, starts_at=session.starts_at
            )
    except IntegrityError:
        return False
    return True


def withdraw_reminders(session: SupportSession) -> int:
    """The session was moved or cancelled: its unsent reminder pushes are deleted (their emails
    check again when the worker picks them up). In the caller's transaction."""
    deleted, _ = PushMessage.objects.filter(
        dedupe_key__startswith=f"session:{session.pk}:reminder_", sent_at__isnull=True
    ).delete()
    return deleted
