"""Where a session lives on Peerakeet: one home for its page's address.

A push carries the path (the service worker opens it in its own origin, and refuses anything
else); an email, a calendar file or a calendar link leaves Peerakeet, so it carries the full URL.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from scheduling.models import SupportSession


def session_path(session: SupportSession) -> str:
    """``/sessions/12/``: for a push, opened by the app on this site."""
    return reverse("scheduling:session", args=[session.pk])


def session_url(session: SupportSession) -> str:
    """``https://peerakeet.com/sessions/12/``: for an email or a calendar, read elsewhere."""
    return f"{settings.PEERAKEET_BASE_URL}{session_path(session)}"


def schedule_path() -> str:
    return reverse("scheduling:schedule")
