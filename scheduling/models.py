"""Support sessions and the Zoom meetings Peerakeet makes for them.

Status: requested -> confirmed | declined; confirmed -> cancelled | completed (DESIGN.md).
A session's *meeting link* is a manual link the peer typed, or a Zoom meeting Peerakeet created.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from peerakeet.lib.crypto import DecryptionError
from zoom.vault import keyring

# Writing these moves the session's end, which is stored (``ends_at``) for overlaps and lists.
_TIME_FIELDS = frozenset({"starts_at", "duration_minutes"})


class SessionQuerySet(models.QuerySet["SupportSession"]):
    """Keeps ``ends_at`` in step on the bulk doors too (``save`` keeps it on the single one)."""

    def bulk_create(self, objs: Iterable[SupportSession], *args: Any, **kwargs: Any) -> Any:
        objs = list(objs)
        for session in objs:
            session.ends_at = session.end_of_time()
        return super().bulk_create(objs, *args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        if _TIME_FIELDS & kwargs.keys() and "ends_at" not in kwargs:
            raise TypeError("Moving sessions in bulk must set ends_at too; save() each instead.")
        return super().update(**kwargs)


class SupportSession(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        CONFIRMED = "confirmed", "Confirmed"
        DECLINED = "declined", "Declined"
        CANCELLED = "cancelled", "Cancelled"
        COMPLETED = "completed", "Completed"

    class Modality(models.TextChoices):
        VIDEO = "video", "Video"
        AUDIO = "audio", "Audio"

    class Provisioning(models.TextChoices):
        """Where automatic meeting creation stands (shown to the peer in words)."""

        IDLE = "idle", "Nothing to do"
        PENDING = "pending", "Preparing Zoom meeting…"
        NEEDS_ZOOM = "needs_zoom", "No meeting yet — reconnect Zoom or add a link"
        FAILED = "failed", "Zoom meeting could not be created — add a link or try again"

    peer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="hosted_sessions"
    )
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attended_sessions"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    modality = models.CharField(max_length=8, choices=Modality.choices, default=Modality.VIDEO)
    starts_at = models.DateTimeField(help_text="Stored in UTC.")
    duration_minutes = models.PositiveSmallIntegerField(default=50)
    # starts_at + duration, stored (kept in step by save() and SessionQuerySet) so that overlaps,
    # lists and the join window compare columns instead of computing the end per database.
    ends_at = models.DateTimeField(editable=False)
    # The peer's own meeting link, encrypted at rest like Zoom join URLs (``manual_link``
    # reads and writes it); ``has_manual_link`` says whether there is one, for queries.
    manual_link_encrypted = models.TextField(blank=True, default="", editable=False)
    has_manual_link = models.BooleanField(default=False, editable=False)
    # Never leaves Peerakeet: not sent to Zoom, not in emails, not in the participant's view.
    private_note = models.TextField(max_length=2000, blank=True)
    # The opaque marker sent to Zoom as the meeting agenda, to find a create whose answer was lost.
    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provisioning = models.CharField(
        max_length=12, choices=Provisioning.choices, default=Provisioning.IDLE
    )
    provisioning_attempts = models.PositiveSmallIntegerField(default=0)
    # Set (and committed) before a create is sent: another run of the task stays off until the
    # lease ends, and afterwards reconciles with Zoom before creating again.
    create_started_at = models.DateTimeField(null=True, blank=True)
    # The Zoom user that create was sent to: only that user's grant can look for it.
    create_host_zoom_user_id = models.CharField(max_length=64, blank=True)
    # A create whose answer was lost went to a Zoom account the peer has since moved away from:
    # a meeting may exist there that Peerakeet cannot reach; the peer is asked to check.
    maybe_left_on_old_account_at = models.DateTimeField(null=True, blank=True)
    # When the queued provisioning task is due; the sweep re-queues work overdue by minutes.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # What Zoom said when it refused to create the meeting (shown to the peer and to support).
    provisioning_error = models.CharField(max_length=300, blank=True)
    # The calendar file's SEQUENCE: bumped on every change people are told about (RFC 5545).
    calendar_sequence = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The optional word from whoever declined or cancelled, for the other person (issue #17). It
    # goes in their email and on the session page; never to Zoom or a push service.
    call_off_reason = models.CharField(max_length=500, blank=True)

    objects = SessionQuerySet.as_manager()
    _manual_link: str  # the decrypted link, once read or written (not a column)
    # The open ask to move it, where a page read it along (scheduling.agenda); not a column.
    pending_move_ask: MoveAsk | None

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["peer", "starts_at"]),
            # The needs-a-link banner: a peer's confirmed upcoming sessions.
            models.Index(fields=["peer", "status", "starts_at"]),
            models.Index(fields=["participant", "starts_at"]),
            models.Index(fields=["status", "provisioning"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(peer=models.F("participant")), name="peer_is_not_participant"
            ),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=15, duration_minutes__lte=240),
                name="duration_between_15_and_240",
            ),
        ]

    def __str__(self) -> str:
        return f"Session {self.pk} ({self.status})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.ends_at = self.end_of_time()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and _TIME_FIELDS & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "ends_at"}
        super().save(*args, **kwargs)

    def end_of_time(self) -> datetime:
        """Where ``ends_at`` belongs for the current start and duration."""
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    def join_window(self) -> tuple[datetime, datetime]:
        opens = self.starts_at - timedelta(minutes=settings.JOIN_WINDOW_MINUTES_BEFORE)
        return opens, self.ends_at

    def join_window_is_open(self, now: datetime | None = None) -> bool:
        opens, closes = self.join_window()
        now = now or timezone.now()
        return opens <= now < closes

    def wants_zoom_meeting(self) -> bool:
        return (
            self.status == self.Status.CONFIRMED
            and not self.has_manual_link
            and self.ends_at > timezone.now()
        )

    @property
    def manual_link(self) -> str:
        if not self.has_manual_link:
            return ""
        if "_manual_link" not in self.__dict__:
            self._manual_link = _open(self.manual_link_encrypted, manual_link_data(self.reference))
        return self._manual_link

    @manual_link.setter
    def manual_link(self, link: str) -> None:
        """Sealed under the token keys, bound to this session's reference (set at creation,
        so a new session is sealed before it has an id)."""
        self.has_manual_link = bool(link)
        self.manual_link_encrypted = (
            keyring().encrypt(link, associated_data=manual_link_data(self.reference))
            if link
            else ""
        )
        self._manual_link = link

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        self.__dict__.pop("_manual_link", None)
        super().refresh_from_db(*args, **kwargs)


MAX_MANUAL_LINK = 500  # characters of the link as typed (the ciphertext is longer)


def manual_link_data(reference: uuid.UUID | str) -> str:
    # Binds the ciphertext to its session: copied to another row, it does not decrypt.
    return f"support-session:{reference}:manual_link"


class ZoomMeeting(models.Model):
    """A Zoom meeting Peerakeet created for a session. At most one live per session (index).

    Removed meetings stay as rows (``removed_at``) so that "a session never had two meetings" can
    be checked, and a meeting that could not be removed stays visible to the peer.
    """

    session = models.ForeignKey(SupportSession, on_delete=models.CASCADE, related_name="meetings")
    zoom_meeting_id = models.BigIntegerField(db_index=True)
    host_zoom_user_id = models.CharField(max_length=64)
    # Join URL (carries the encrypted passcode) and passcode: encrypted at rest like the tokens.
    join_url_encrypted = models.TextField(editable=False)
    passcode_encrypted = models.TextField(editable=False)
    settings_overridden = models.CharField(
        max_length=300, blank=True, help_text="What Zoom applied differently from what we asked."
    )
    # The Zoom account it lives on, as the peer knows it ("lee@…"): said to the peer when they
    # connect another account, and erased with the rest of the Zoom profile when the app is removed.
    host_email = models.EmailField(blank=True)
    # The time and length Zoom has: a move that could not reach Zoom leaves them behind the
    # session's until Zoom is reachable again (the reconnect heal and the sweep send it).
    zoom_starts_at = models.DateTimeField(null=True, blank=True)
    zoom_duration = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    removal_requested_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removal_failed = models.CharField(max_length=200, blank=True)
    # Replaced by a meeting on the peer's new Zoom account: it still exists in the old account,
    # which Peerakeet can no longer reach; the peer is asked to delete it there.
    left_on_old_account_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session"],
                condition=models.Q(removed_at__isnull=True),
                name="one_live_zoom_meeting_per_session",
            )
        ]

    def __str__(self) -> str:
        return f"Zoom meeting {self.zoom_meeting_id}"

    @property
    def is_live(self) -> bool:
        return self.removed_at is None

    def is_in_step_with(self, session: SupportSession) -> bool:
        """Zoom has the session's time and length (unknown counts as yes: rows from before)."""
        if self.zoom_starts_at is None:
            return True
        return (self.zoom_starts_at, self.zoom_duration) == (
            session.starts_at,
            session.duration_minutes,
        )

    def _data(self, column: str) -> str:
        return f"zoom-meeting:{self.session_id}:{self.zoom_meeting_id}:{column}"

    def seal(self, *, join_url: str, passcode: str) -> None:
        ring = keyring()
        self.join_url_encrypted = ring.encrypt(join_url, associated_data=self._data("join_url"))
        self.passcode_encrypted = ring.encrypt(passcode, associated_data=self._data("passcode"))

    @property
    def join_url(self) -> str:
        return _open(self.join_url_encrypted, self._data("join_url"))

    @property
    def passcode(self) -> str:
        return _open(self.passcode_encrypted, self._data("passcode"))


def _open(stored: str, associated_data: str) -> str:
    try:
        return keyring().decrypt(stored, associated_data=associated_data)
    except DecryptionError:
        return ""


class MoveAsk(models.Model):
    """The participant asks to move a confirmed session; its peer accepts or declines.

    At most one is pending per session (a partial unique index): a second ask is refused, not
    silently swapped for the first. A session that is cancelled, declined, completed or moved by
    the peer closes its pending ask as superseded. An accepted ask moves the session through
    ``session_reschedule``'s own path, so the same Zoom meeting is moved in place.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for the peer"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"
        SUPERSEDED = "superseded", "Closed by a change to the session"

    session = models.ForeignKey(SupportSession, on_delete=models.CASCADE, related_name="move_asks")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    starts_at = models.DateTimeField(help_text="The proposed start, stored in UTC.")
    duration_minutes = models.PositiveSmallIntegerField()
    # The asker's optional word to the peer (cleaned like a call-off reason): email only, never
    # a push or Zoom. ``decline_reason`` is the peer's word back.
    note = models.CharField(max_length=500, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decline_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["session"],
                condition=models.Q(state="pending"),
                name="one_pending_move_ask_per_session",
            ),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=15, duration_minutes__lte=240),
                name="move_ask_duration_between_15_and_240",
            ),
        ]

    def __str__(self) -> str:
        return f"Move ask {self.pk} for session {self.session_id} ({self.state})"

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)


class Notification(models.Model):
    """One email to one person about one event: the outbox that makes sending exactly-once-ish.

    Written in the transaction of the change it announces; ``dedupe_key`` is unique, so the same
    event can never be queued twice, and a sent row is never sent again.
    """

    class Kind(models.TextChoices):
        REQUESTED = "requested", "Session requested"
        CONFIRMED = "confirmed", "Session confirmed"
        DECLINED = "declined", "Request declined"
        CANCELLED = "cancelled", "Session cancelled"
        RESCHEDULED = "rescheduled", "Session moved"
        LINK_READY = "link_ready", "Meeting link ready"
        LINK_CHANGED = "link_changed", "Meeting link changed"
        ZOOM_BROKEN = "zoom_broken", "Zoom connection broken"
        MEETING_FAILED = "meeting_failed", "Zoom meeting could not be created"
        REMINDER_DAY = "reminder_day", "Reminder: 24 hours before"
        REMINDER_HOUR = "reminder_hour", "Reminder: 1 hour before"
        REMINDER_JOIN = "reminder_join", "Reminder: join window open"
        MOVE_ASKED = "move_asked", "Asked to move a session"
        MOVE_DECLINED = "move_declined", "Move declined"
        MOVE_WITHDRAWN = "move_withdrawn", "Ask to move withdrawn"
        HOST_REVOKED = "host_revoked", "Your peer is no longer hosting"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    session = models.ForeignKey(
        SupportSession,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    sequence = models.PositiveIntegerField(default=0)
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # What was decided when the event happened, for an email that may go out later (a mail server
    # down for hours): a later change must not rewrite it (scheduling.notifications.build_email).
    context = models.JSONField(default=dict, blank=True)
    # Said in that email instead of its own ("confirmed" with its "link ready"): never sent.
    folded_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="folded"
    )

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient_id}"


class SentReminder(models.Model):
    """A reminder Peerakeet decided to send (scheduling.reminders): at most one per session,
    person, kind and session time, whatever runs the sweep, however often. A moved session has
    a new time, so it is reminded again; its emails and pushes are written with this row."""

    session = models.ForeignKey(SupportSession, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    starts_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person", "kind", "starts_at"], name="one_reminder_per_time"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} of session {self.session_id} to {self.person_id}"
