"""Weekly hours as people write them ("09:00-12:00, 13:00-17:00") and as they are stored.

Stored form (``Availability.weekly_hours``): ``[[weekday, "HH:MM", "HH:MM"], ...]``, weekday 0 is
Monday. Pure functions, shared by the model's validation, the settings form and the API.
"""

from __future__ import annotations

import re
from datetime import time

from django.core.exceptions import ValidationError

from booking.slots import Hours

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_RANGES_PER_DAY = 6
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-\u2013]\s*(\d{1,2}):(\d{2})\s*$")


def parse_day(text: str) -> list[tuple[time, time]]:
    """``"09:00-12:00, 13:00-17:00"`` → ranges; an empty text is a day off."""
    ranges = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = _RANGE.match(part)
        if not match:
            raise ValidationError(f"Write hours like 09:00-12:00, not {part!r}.", code="bad_hours")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValidationError(f"{part!r} is not a time of day.", code="bad_hours")
        start, end = time(h1, m1), time(h2, m2)
        if start >= end:
            raise ValidationError(
                f"{part}: a range ends after it starts, on the same day.", code="bad_hours"
            )
        ranges.append((start, end))
    if len(ranges) > MAX_RANGES_PER_DAY:
        raise ValidationError(f"At most {MAX_RANGES_PER_DAY} ranges a day.", code="bad_hours")
    return sorted(ranges)


def format_day(ranges: list[tuple[time, time]]) -> str:
    return ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in ranges)


def to_stored(week: dict[int, list[tuple[time, time]]]) -> list[list[object]]:
    return [[day, f"{a:%H:%M}", f"{b:%H:%M}"] for day in sorted(week) for a, b in sorted(week[day])]


def from_stored(stored: list[list[object]]) -> tuple[Hours, ...]:
    """The stored list → ``Hours``; raises ValidationError on anything else."""
    if not isinstance(stored, list):
        raise ValidationError("Weekly hours must be a list.", code="bad_hours")
    found = []
    for row in stored:
        if not (isinstance(row, list) and len(row) == 3 and _weekday(row[0])):
            raise ValidationError("Each range is [weekday, start, end].", code="bad_hours")
        [(start, end)] = parse_day(f"{row[1]}-{row[2]}")
        found.append(Hours(int(row[0]), start, end))  # type: ignore[call-overload]
    return tuple(found)


def week_of(hours: tuple[Hours, ...]) -> dict[int, list[tuple[time, time]]]:
    week: dict[int, list[tuple[time, time]]] = {day: [] for day in range(7)}
    for h in hours:
        week[h.weekday].append((h.start, h.end))
    return week


def _weekday(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 7
