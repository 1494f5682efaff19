"""Periodic Zoom upkeep (run daily from cron or a scheduler): ``manage.py zoom_maintenance``.

Each job is a small function returning counts; handle() only runs them and prints the counts.
Nothing printed ever contains a token.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from zoom import tokens
from zoom.client import ZoomAuthError, ZoomError
from zoom.models import ZoomConnection

# Zoom's refresh token lapses after ~90 days of non-use (zoom-api.md §1); refreshing grants idle
# for a month keeps a quiet peer connected with a wide margin for missed runs.
IDLE_AFTER = timedelta(days=30)

Counts = dict[str, int]


def refresh_idle_grants() -> Counts:
    """Refresh every connected grant not refreshed for IDLE_AFTER, through the token service
    (row lock, re-read under the lock), so a concurrent worker never spends the same token."""
    idle_before = timezone.now() - IDLE_AFTER
    counts: Counts = {"refreshed": 0, "refused": 0, "failed": 0, "skipped": 0}
    idle = ZoomConnection.objects.filter(
        state=ZoomConnection.State.CONNECTED, refreshed_at__lt=idle_before
    ).values_list("pk", flat=True)
    for connection_id in list(idle):
        try:
            done = tokens.refresh_idle(connection_id, idle_before=idle_before)
        except ZoomAuthError:
            counts["refused"] += 1  # marked Needs reconnect and audited by the token service
        except ZoomError:
            counts["failed"] += 1  # Zoom unavailable or rate limited: the next run tries again
        else:
            counts["refreshed" if done else "skipped"] += 1
    return counts


JOBS: list[tuple[str, Callable[[], Counts]]] = [
    ("refresh idle grants", refresh_idle_grants),
]


class Command(BaseCommand):
    help = "Zoom upkeep: refresh grants idle for more than 30 days so they never lapse."

    def handle(self, *args: Any, **options: Any) -> None:
        for name, job in JOBS:
            counts = job()
            summary = ", ".join(f"{key} {value}" for key, value in counts.items())
            self.stdout.write(f"{name}: {summary}")
