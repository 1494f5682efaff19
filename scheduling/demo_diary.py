"""A diary that has lived a week: the demo's data and the tests' fixture, built the same way.

The first build's tests only ever rendered a diary of one or two fresh sessions, and missed that
a past session hid every action on the Schedule page (issue #17). This module gives the demo peer
the week a real peer has: sessions completed, cancelled and declined, a request waiting for an
answer, an ask to move a confirmed session, a session today, one whose join window is open, and
a few later ones, with two participants in time zones other than the peer's.

Only ``manage.py seed_demo`` and the tests import it; it refuses to run in production.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from scheduling import moves, services
from scheduling.models import MoveAsk, SupportSession

Status = SupportSession.Status
GOOGLE_MEET = "https://meet.google.com/pkt-demo-week"


@dataclass
class Diary:
    peer: User
    new_york: User
    berlin: User
    sessions: dict[str, SupportSession] = field(default_factory=dict)
    move_asks: dict[str, MoveAsk] = field(default_factory=dict)  # by the name of the session

    def of(self, person: User) -> list[SupportSession]:
        """The sessions ``person`` is the peer or the participant of."""
        return [s for s in self.sessions.values() if person.pk in (s.peer_id, s.participant_id)]

    def upcoming(self, person: User) -> list[SupportSession]:
        """The sessions ``person`` can still act on: requested or confirmed, not yet ended."""
        now = timezone.now()
        return [
            s
            for s in self.of(person)
            if s.status in (Status.REQUESTED, Status.CONFIRMED) and s.ends_at > now
        ]


def build_diary(*, peer: User, new_york: User, berlin: User) -> Diary:
    """The week around ``timezone.now()`` for ``peer`` (times fall on the peer's working hours)."""
    if settings.PRODUCTION:
        raise RuntimeError("the demo diary is made-up data: not in production")
    diary = Diary(peer, new_york, berlin)
    _past(diary)
    _upcoming(diary)
    return diary


def _at(peer: User, days: int, hour: int, minute: int = 0) -> datetime:
    """``hour:minute`` on the peer's calendar, ``days`` from today."""
    today = timezone.localtime(timezone.now(), peer.tz).date()
    return datetime.combine(today + timedelta(days=days), time(hour, minute), tzinfo=peer.tz)


def _past(diary: Diary) -> None:
    """The week behind: rows as the services left them when these times were still ahead.

    The services refuse a start in the past (that is their job), so these rows are written
    directly, in the states the services would have put them in. None has a Zoom meeting: a
    past meeting is Zoom's history, not something Peerakeet shows.
    """
    peer, ny, berlin = diary.peer, diary.new_york, diary.berlin
    rows = {
        "completed_ny": dict(participant=ny, starts_at=_at(peer, -6, 10), status=Status.COMPLETED),
        "declined_ny": dict(
            participant=ny, starts_at=_at(peer, -5, 9), status=Status.DECLINED, created_by=ny
        ),
        "completed_berlin": dict(
            participant=berlin,
            starts_at=_at(peer, -4, 9),
            status=Status.COMPLETED,
            modality="audio",
        ),
        "cancelled_berlin": dict(
            participant=berlin,
            starts_at=_at(peer, -2, 11),
            status=Status.CANCELLED,
            cancelled_by=berlin,
        ),
        "completed_recent": dict(
            participant=ny, starts_at=_at(peer, -1, 13), status=Status.COMPLETED
        ),
    }
    for name, fields in rows.items():
        fields.setdefault("created_by", peer)
        diary.sessions[name] = SupportSession.objects.create(
            peer=peer, duration_minutes=50, **fields
        )


def _upcoming(diary: Diary) -> None:
    """The week ahead, through the services a peer and participants use."""
    peer, ny, berlin = diary.peer, diary.new_york, diary.berlin
    now = timezone.now().replace(second=0, microsecond=0)
    s = diary.sessions

    def book(who: User, starts_at: datetime, **kwargs: str) -> SupportSession:
        return services.session_create(
            peer=peer,
            participant=who,
            starts_at=starts_at,
            duration_minutes=50,
            modality=kwargs.pop("modality", "video"),
            **kwargs,
        )

    def ask(who: User, starts_at: datetime, modality: str = "video") -> SupportSession:
        return services.session_request(
            participant=who, peer=peer, starts_at=starts_at, duration_minutes=50, modality=modality
        )

    # Inside its join window (it opens 15 minutes before the start).
    s["join_open"] = book(ny, now + timedelta(minutes=10))
    # Later today, or early tomorrow for a demo seeded late at night.
    s["today"] = book(berlin, max(now + timedelta(hours=3), _at(peer, 0, 14)), modality="audio")
    s["request"] = ask(berlin, _at(peer, 1, 11))
    s["tomorrow"] = book(ny, _at(peer, 1, 15), modality="audio")
    s["meet_link"] = book(berlin, _at(peer, 2, 10), manual_link=GOOGLE_MEET)
    s["declined_future"] = services.session_decline(session=ask(ny, _at(peer, 2, 16)), by=peer)
    s["cancelled_future"] = services.session_cancel(session=book(ny, _at(peer, 3, 12)), by=ny)
    s["later"] = book(ny, _at(peer, 4, 13))
    # Waiting for the peer in "Needs your response"; the session keeps its time meanwhile.
    diary.move_asks["later"] = moves.move_ask_create(
        session=s["later"],
        by=ny,
        starts_at=_at(peer, 4, 15),
        note="A work meeting moved. Could we meet later that afternoon?",
    )
    s["requested_by_ny"] = ask(ny, _at(peer, 5, 10), "audio")
