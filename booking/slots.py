"""Open slots: a pure function of a peer's availability and their busy times (no ORM here).

Weekly hours are wall-clock times in the peer's time zone, so a slot at 09:00 in New York stays at
09:00 in New York across a daylight-saving change; its UTC instant moves instead. Slots begin on a
half-hour grid counted from the start of each range of hours. A wall-clock time that does not exist
(the hour skipped in spring) is no slot; where a range's edge is ambiguous (the hour repeated in
autumn) the narrower reading is taken, so a slot never lies outside the hours on either reading.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

STEP = timedelta(minutes=30)
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Hours:
    """One range of weekly hours: ``weekday`` 0 is Monday; ``start`` < ``end``, same day."""

    weekday: int
    start: time
    end: time


@dataclass(frozen=True)
class Rules:
    """A peer's availability, as the slot computation needs it."""

    time_zone: str
    hours: tuple[Hours, ...]
    dates_off: frozenset[date] = frozenset()
    notice: timedelta = timedelta(hours=12)
    horizon: timedelta = timedelta(days=30)
    buffer: timedelta = timedelta(0)
    daily_max: int = 4


@dataclass(frozen=True)
class Busy:
    """A session that takes the peer's time (requested or confirmed)."""

    starts_at: datetime
    ends_at: datetime


def open_slots(
    rules: Rules,
    busy: Sequence[Busy],
    *,
    duration: timedelta,
    start: datetime,
    end: datetime,
    now: datetime,
    limit: int | None = None,
) -> list[datetime]:
    """Start instants (UTC) of the open slots that begin in ``[start, end)``, soonest first.

    ``busy`` must hold every session of the peer that touches the local days of the range (the
    daily cap counts them). ``limit`` stops after that many slots.
    """
    tz = ZoneInfo(rules.time_zone)
    earliest = max(start, now + rules.notice)
    latest = min(end, now + rules.horizon)
    if earliest >= latest:
        return []
    starts, ends = _blocked(busy, rules.buffer)
    per_day = Counter(b.starts_at.astimezone(tz).date() for b in busy)
    by_weekday: dict[int, list[Hours]] = {}
    for hours in rules.hours:
        by_weekday.setdefault(hours.weekday, []).append(hours)
    found: list[datetime] = []
    for day in _local_days(earliest, latest, tz):
        if day in rules.dates_off or per_day[day] >= rules.daily_max:
            continue
        today = {
            slot
            for hours in by_weekday.get(day.weekday(), ())
            for slot in _range_starts(day, hours, duration, tz)
            if earliest <= slot < latest and not _is_blocked(slot, slot + duration, starts, ends)
        }
        found.extend(sorted(today))
        if limit is not None and len(found) >= limit:
            return found[:limit]
    return found


def nearest(slots: Iterable[datetime], wanted: datetime, count: int = 3) -> list[datetime]:
    """The ``count`` slots closest to ``wanted`` (either side), in time order."""
    return sorted(sorted(slots, key=lambda slot: abs(slot - wanted))[:count])


def _local_days(earliest: datetime, latest: datetime, tz: ZoneInfo) -> Iterable[date]:
    day = earliest.astimezone(tz).date()
    last = latest.astimezone(tz).date()
    while day <= last:
        yield day
        day += ONE_DAY


def _readings(day: date, wall: time, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Both UTC readings of a wall-clock time: equal, unless the time is repeated (autumn) or
    skipped (spring), when they fall either side of the change."""
    local = datetime.combine(day, wall, tzinfo=tz)
    return local.astimezone(UTC), local.replace(fold=1).astimezone(UTC)


def _exists(instant: datetime, day: date, wall: time, tz: ZoneInfo) -> bool:
    return instant.astimezone(tz).replace(tzinfo=None) == datetime.combine(day, wall)


def _edges(day: date, hours: Hours, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The range in UTC, narrowest reading: the later of the start's, the earlier of the end's."""
    return max(_readings(day, hours.start, tz)), min(_readings(day, hours.end, tz))


def _range_starts(day: date, hours: Hours, duration: timedelta, tz: ZoneInfo) -> list[datetime]:
    opens, closes = _edges(day, hours, tz)
    if _offset(opens, tz) == _offset(closes, tz):
        # No clock change inside the range: the wall-clock grid is the UTC grid.
        slots = []
        slot = opens
        while slot + duration <= closes:
            slots.append(slot)
            slot += STEP
        return slots
    slots = []
    wall = datetime.combine(day, hours.start)
    while wall < datetime.combine(day, hours.end):
        slot = _readings(day, wall.time(), tz)[0]
        if _exists(slot, day, wall.time(), tz) and opens <= slot and slot + duration <= closes:
            slots.append(slot)
        wall += STEP
    return slots


def _offset(instant: datetime, tz: ZoneInfo) -> timedelta | None:
    return instant.astimezone(tz).utcoffset()


def _blocked(busy: Sequence[Busy], buffer: timedelta) -> tuple[list[datetime], list[datetime]]:
    """Busy times widened by the buffer and merged: disjoint, sorted intervals."""
    starts: list[datetime] = []
    ends: list[datetime] = []
    for b in sorted(busy, key=lambda b: b.starts_at):
        begins, finishes = b.starts_at - buffer, b.ends_at + buffer
        if ends and begins <= ends[-1]:
            ends[-1] = max(ends[-1], finishes)
        else:
            starts.append(begins)
            ends.append(finishes)
    return starts, ends


def _is_blocked(
    begins: datetime, finishes: datetime, starts: list[datetime], ends: list[datetime]
) -> bool:
    # The last blocked interval starting before the slot ends is the only one that can reach it
    # (the intervals are disjoint and sorted).
    index = bisect_left(starts, finishes) - 1
    return index >= 0 and ends[index] > begins
