"""The Schedule page for a working day (issue #17): what needs an answer, what is next, today,
later by day in the viewer's time zone, and the past out of the way.

It arranges the pages that scheduling.selectors reads (a fixed number of queries, whatever the
diary's size) and adds one small read of its own: the requests the viewer must answer, the
sessions with a pending ask to move them (the ask joined in, so it costs no query of its own),
and the sessions ahead that were declined or cancelled (they say so where they would have been,
rather than being filed under "Past").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Case, F, FilteredRelation, Q, When
from django.utils import formats, timezone

from accounts.models import User
from scheduling.models import MoveAsk, SupportSession
from scheduling.selectors import LinkState, Page, link_state, sessions_for
from scheduling.wording import link_words

Status = SupportSession.Status
CALLED_OFF = (Status.DECLINED, Status.CANCELLED)
# Requests to answer and sessions called off ahead: short lists by nature.
BESIDE_LIMIT = 20


@dataclass(frozen=True)
class Card:
    session: SupportSession
    state: LinkState  # what the system knows (the page polls while it says "Preparing")
    words: LinkState  # the same, said to the viewer (scheduling.wording)


@dataclass(frozen=True)
class Day:
    day: date
    label: str
    cards: list[Card]


@dataclass
class Agenda:
    needs_response: list[Card] = field(default_factory=list)
    # Asks to move a confirmed session that the viewer, its peer, must answer (scheduling.moves).
    move_asks: list[MoveAsk] = field(default_factory=list)
    next: Card | None = None
    countdown: str = ""
    today: list[Card] = field(default_factory=list)
    later: list[Day] = field(default_factory=list)
    past: list[Card] = field(default_factory=list)

    def cards(self) -> list[Card]:
        later = [card for day in self.later for card in day.cards]
        ahead = [*self.needs_response, *([self.next] if self.next else []), *self.today, *later]
        return [*ahead, *self.past]


def beside_the_upcoming(user: User, now: datetime) -> list[SupportSession]:
    """In one query: requests the viewer, as their peer, must accept or decline, and confirmed
    sessions with a pending ask to move them (the ask's fields joined in, ``ask_*``), then the
    declined and cancelled sessions whose time is still ahead, each soonest first."""
    asked = Q(status=Status.CONFIRMED, pending_ask__isnull=False)
    wanted = Q(peer=user, status=Status.REQUESTED) | asked | Q(status__in=CALLED_OFF)
    answer_first = Case(When(status__in=CALLED_OFF, then=1), default=0)
    # At most one pending ask per session (a unique index): the join never repeats a session.
    pending = FilteredRelation("move_asks", condition=Q(move_asks__state=MoveAsk.State.PENDING))
    return list(
        sessions_for(user)
        .annotate(
            pending_ask=pending,
            ask_id=F("pending_ask__id"),
            ask_starts_at=F("pending_ask__starts_at"),
            ask_duration=F("pending_ask__duration_minutes"),
            ask_note=F("pending_ask__note"),
            ask_by_id=F("pending_ask__asked_by_id"),
        )
        .filter(wanted, starts_at__gt=now)
        .order_by(answer_first, "starts_at", "pk")[:BESIDE_LIMIT]
    )


def _pending_ask(session: SupportSession) -> MoveAsk | None:
    """The ask ``beside_the_upcoming`` joined to ``session``, as a MoveAsk (not re-read)."""
    ask_id = getattr(session, "ask_id", None)
    if ask_id is None:
        return None
    return MoveAsk(
        pk=ask_id,
        session=session,
        asked_by_id=session.ask_by_id,  # type: ignore[attr-defined]
        starts_at=session.ask_starts_at,  # type: ignore[attr-defined]
        duration_minutes=session.ask_duration,  # type: ignore[attr-defined]
        note=session.ask_note,  # type: ignore[attr-defined]
        state=MoveAsk.State.PENDING,
    )


def build_agenda(user: User, upcoming: Page, past: Page, *, now: datetime) -> Agenda:
    def _card(session: SupportSession) -> Card:
        state = link_state(session)
        return Card(session, state, link_words(state, session, user))

    agenda = Agenda()
    beside = beside_the_upcoming(user, now)
    answer = [s for s in beside if s.status == Status.REQUESTED] if upcoming.number == 1 else []
    agenda.needs_response = [_card(s) for s in answer]
    asks = {s.pk: ask for s in beside if (ask := _pending_ask(s)) is not None}
    if upcoming.number == 1:
        agenda.move_asks = [ask for ask in asks.values() if ask.session.peer_id == user.pk]
    shown = {s.pk for s in answer}
    ahead = [s for s in upcoming.sessions if s.pk not in shown]
    if upcoming.number == 1:
        agenda.next = next((_card(s) for s in ahead if s.status == Status.CONFIRMED), None)
    if agenda.next is not None:
        ahead.remove(agenda.next.session)
        agenda.countdown = countdown(agenda.next.session, now)
    ahead += [s for s in beside if s.status in CALLED_OFF and _on_this_page(s, upcoming)]
    ahead.sort(key=lambda s: (s.starts_at, s.pk))
    _file_by_day(agenda, [_card(s) for s in ahead], user, now)
    agenda.past = [
        _card(s) for s in past.sessions if not (s.status in CALLED_OFF and s.starts_at > now)
    ]
    for card in agenda.cards():  # each card says whether it waits for an answer to move it
        card.session.pending_move_ask = asks.get(card.session.pk)
    return agenda


def _on_this_page(session: SupportSession, upcoming: Page) -> bool:
    """Whether a called-off session falls within the time span the upcoming page shows."""
    rows = upcoming.sessions
    after_first = upcoming.number == 1 or (bool(rows) and session.starts_at >= rows[0].starts_at)
    before_last = not upcoming.has_next or (bool(rows) and session.starts_at <= rows[-1].starts_at)
    return after_first and before_last


def _file_by_day(agenda: Agenda, cards: list[Card], user: User, now: datetime) -> None:
    today = timezone.localtime(now, user.tz).date()
    days: dict[date, list[Card]] = {}
    for card in cards:
        day = timezone.localtime(card.session.starts_at, user.tz).date()
        if day <= today:
            agenda.today.append(card)
        else:
            days.setdefault(day, []).append(card)
    agenda.later = [Day(day, day_label(day, today), cards) for day, cards in days.items()]


def day_label(day: date, today: date) -> str:
    long = formats.date_format(day, "l j F")
    return f"Tomorrow, {long}" if day == today + timedelta(days=1) else long


def countdown(session: SupportSession, now: datetime) -> str:
    """When the next session starts, as a person says it: in whole minutes, 9 min 50 s ahead
    is "in 10 minutes", 4 min 10 s in is "4 minutes ago"."""
    seconds = (now - session.starts_at).total_seconds()
    if seconds >= 0:
        return "Started " + _span(int(seconds // 60)) + " ago"
    return "Starts in " + _span(math.ceil(-seconds / 60))


def _span(minutes: int) -> str:
    if minutes < 1:
        return "less than a minute"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _plural(days, "day") + (f" {_plural(hours, 'hour')}" if hours else "")
    if hours:
        return _plural(hours, "hour") + (f" {_plural(minutes, 'minute')}" if minutes else "")
    return _plural(minutes, "minute")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
