"""What a Zoom error means for the work that met it: the one place that decides.

Every task that calls Zoom turns the error it caught into an ``Outcome`` here, then acts on its
kind: try again later, wait for the peer to reconnect, treat the meeting as gone, or accept that
Zoom refused the request itself. The kinds follow zoom/client.py's error types (zoom-api.md §5).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from peerakeet.lib.retry import Retry, after, backoff
from zoom.client import ZoomAuthError, ZoomError, ZoomNotFound, ZoomRateLimited, ZoomUnavailable


class Next(StrEnum):
    RETRY = "retry"  # transient: 429, 5xx, a timeout; the same request may succeed later
    RECONNECT = "reconnect"  # the grant is dead or gone: nothing works until the peer reconnects
    GONE = "gone"  # the meeting (or user) does not exist in Zoom (404, code 3001)
    REFUSED = "refused"  # Zoom understood and refused this request (another 4xx)


@dataclass(frozen=True)
class Outcome:
    next: Next
    reason: str
    # When to try again: Zoom's own pace (Retry-After) when it set one, else the backoff that a
    # caller that keeps trying should use (some do, for a refused or missing meeting).
    delay: float = 0.0
    # An unanswered request may still have reached Zoom (a create must be looked for, not resent).
    maybe_sent: bool = False
    # Zoom is pacing us (429): not a fault, so it does not count toward giving up.
    rate_limited: bool = False

    @property
    def retry(self) -> Retry:
        return Retry(self.delay, self.reason)


def outcome_of(exc: ZoomError, *, attempt: int) -> Outcome:
    """``exc`` as an outcome; ``attempt`` (1 for the first retry) sets the backoff."""
    if isinstance(exc, ZoomAuthError):
        return Outcome(Next.RECONNECT, "zoom refused the grant")
    if isinstance(exc, ZoomRateLimited):
        return Outcome(Next.RETRY, "rate limited", after(exc.retry_after), rate_limited=True)
    if isinstance(exc, ZoomUnavailable):
        return Outcome(
            Next.RETRY, "zoom unavailable", backoff(attempt), maybe_sent=exc.outcome_unknown
        )
    if isinstance(exc, ZoomNotFound):
        return Outcome(Next.GONE, "gone in zoom", backoff(attempt))
    return Outcome(Next.REFUSED, "zoom refused", backoff(attempt))
