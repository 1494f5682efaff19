"""The lived-in diary for tests: scheduling.demo_diary, built at a fixed moment.

A fixed moment keeps what the pages say (dates, "in 10 minutes") the same on every run, so the
walk's screenshots only change when the pages do.
"""

from __future__ import annotations

from datetime import UTC, datetime

from scheduling.demo_diary import Diary, build_diary
from scheduling.models import SupportSession
from tests import personas

# A Monday, 9:50 in the morning for the peer in Chicago (10:50 in New York, 16:50 in Berlin).
FROZEN_NOW = datetime(2026, 12, 7, 15, 50, tzinfo=UTC)


def make_diary() -> Diary:
    return build_diary(
        peer=personas.make_peer("jordan@example.org", "Jordan Rivera", time_zone="America/Chicago"),
        new_york=personas.make_participant(
            "sam@example.org", "Sam Lee", time_zone="America/New_York"
        ),
        berlin=personas.make_participant(
            "mia@example.org", "Mia Schulz", time_zone="Europe/Berlin"
        ),
    )


def expected_actions(session: SupportSession, *, as_peer: bool) -> set[str]:
    """What a card must offer its viewer: the buttons and links a person acts with."""
    if session.status == SupportSession.Status.REQUESTED:
        return {"Accept", "Decline"} if as_peer else {"Cancel session"}
    actions = {"Cancel session"}
    if session.join_window_is_open():
        actions.add("Join Session")
    return actions
