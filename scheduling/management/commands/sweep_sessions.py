"""Re-queue work that a crashed worker left behind: Zoom work overdue by minutes, and any task a
dead worker left "running" for ten; and queue the session reminders that are due. Run every
minute or so (cron, systemd timer; the demo runs it itself)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from scheduling.reminders import queue_due_reminders
from scheduling.sweep import (
    requeue_lost_tasks,
    retry_failed_meetings,
    sweep_stale_work,
    sweep_waiting_moves,
)


class Command(BaseCommand):
    help = (
        "Re-queue stale meeting provisioning and removal, moves that waited for Zoom, failed "
        "meetings once a day, and tasks lost with their worker; queue due session reminders."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        provisions, removals = sweep_stale_work()
        moves = sweep_waiting_moves()
        retried = retry_failed_meetings()
        lost = requeue_lost_tasks()
        reminded = queue_due_reminders()
        self.stdout.write(
            f"re-queued {provisions} provisioning and {removals} removal task(s), "
            f"and {lost} task(s) lost with their worker; sent {moves} waiting move(s); "
            f"tried {retried} failed meeting(s) again; queued {reminded} reminder(s)"
        )
