"""The emulator's own clock: real time plus a settable offset, so tests can expire things."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


class Clock:
    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def time(self) -> float:
        """Emulator time as Unix seconds."""
        with self._lock:
            return time.time() + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds

    def set(self, when: datetime) -> None:
        with self._lock:
            self._offset = when.timestamp() - time.time()

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0

    @property
    def offset(self) -> float:
        with self._lock:
            return self._offset


def iso_z(when: datetime) -> str:
    """Zoom's date-time format: UTC, seconds precision, trailing Z."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms_z(when: datetime) -> str:
    """Millisecond precision, as in app_deauthorized's deauthorization_time (zoom-api.md §4)."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
