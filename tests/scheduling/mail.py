"""Reading the emails a test sent: to whom, and their calendar files."""

from __future__ import annotations

from typing import Any

from icalendar import Calendar


def emails_to(outbox, person, subject_part: str = "") -> list:
    return [m for m in outbox if m.to == [person.email] and subject_part in m.subject]


def calendar_of(message) -> tuple[Calendar, Any]:
    [(name, content, mimetype)] = message.attachments
    assert name == "session.ics"
    assert mimetype.startswith("text/calendar")
    calendar = Calendar.from_ical(content)
    [event] = calendar.walk("VEVENT")
    return calendar, event
