"""Re-queue Zoom work that a crashed worker left behind. Run every minute or so (cron, systemd
timer; the demo runs it itself)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from scheduling.services import sweep_stale_work


class Command(BaseCommand):
    help = "Re-queue stale meeting provisioning and removal."

    def handle(self, *args: Any, **options: Any) -> None:
        provisions, removals = sweep_stale_work()
        self.stdout.write(f"re-queued {provisions} provisioning and {removals} removal task(s)")
