"""Retrying background work later: backoff with jitter, and one way to queue the same task again.

Framework-free: a task is anything with django-tasks' ``using(run_after=…).enqueue(…)``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

# Spread retries that a rate limit released at once over a couple of seconds.
JITTER = 2.0
MAX_BACKOFF = 600.0  # seconds


@dataclass(frozen=True)
class Retry:
    """Run the same work again after ``delay`` seconds, for ``reason``."""

    delay: float
    reason: str

    @property
    def run_after(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.delay)


def backoff(attempt: int) -> float:
    """Exponential backoff with full jitter: 2 s, 4 s, 8 s … capped at 10 minutes."""
    ceiling = min(MAX_BACKOFF, 2.0 * 2 ** max(0, attempt - 1))
    return random.uniform(ceiling / 2, ceiling)


def after(seconds: float) -> float:
    """``seconds`` (a server's Retry-After) plus jitter, so released work does not stampede."""
    return seconds + random.uniform(0, JITTER)


class _Enqueues(Protocol):
    def enqueue(self, *args: Any, **kwargs: Any) -> Any: ...


class Requeueable(Protocol):
    def using(self, *, run_after: datetime) -> _Enqueues: ...


def settle(
    outcome: str | Retry,
    task: Requeueable,
    *args: Any,
    mark: Callable[[datetime], object] | None = None,
) -> str:
    """The one way a task retries: a ``Retry`` queues ``task`` again with ``args`` once its delay
    has passed (``mark`` records when, for the sweep); anything else is the task's result."""
    if not isinstance(outcome, Retry):
        return outcome
    when = outcome.run_after
    if mark is not None:
        mark(when)
    task.using(run_after=when).enqueue(*args)
    return f"retry in {outcome.delay:.1f}s: {outcome.reason}"
