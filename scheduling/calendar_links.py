""" "Add to calendar" for a session page (issue #17): the .ics file, and Google's and Outlook's
add-event links.

The links go to Google or Microsoft when the person clicks them, so they carry nothing about
the other person or the session's content: a plain title and the session's Peerakeet page,
where the join information is.
"""

from __future__ import annotations

from datetime import UTC
from urllib.parse import urlencode

from scheduling.models import SupportSession
from scheduling.pages import session_url

TITLE = "Peer support session (Peerakeet)"


def google_link(session: SupportSession) -> str:
    """Google Calendar's add-event template: times in UTC as YYYYMMDDTHHMMSSZ."""
    fmt = "%Y%m%dT%H%M%SZ"
    start = session.starts_at.astimezone(UTC).strftime(fmt)
    end = session.ends_at.astimezone(UTC).strftime(fmt)
    query = urlencode(
        {
            "action": "TEMPLATE",
            "text": TITLE,
            "dates": f"{start}/{end}",
            "details": f"Join from Peerakeet when the join window opens: {session_url(session)}",
            "location": session_url(session),
        }
    )
    return f"https://calendar.google.com/calendar/render?{query}"


def outlook_link(session: SupportSession) -> str:
    """Outlook on the web's compose deep link: ISO 8601 times in UTC."""
    query = urlencode(
        {
            "path": "/calendar/action/compose",
            "rru": "addevent",
            "subject": TITLE,
            "startdt": session.starts_at.astimezone(UTC).isoformat(),
            "enddt": session.ends_at.astimezone(UTC).isoformat(),
            "body": f"Join from Peerakeet when the join window opens: {session_url(session)}",
            "location": session_url(session),
        }
    )
    return f"https://outlook.live.com/calendar/0/deeplink/compose?{query}"
