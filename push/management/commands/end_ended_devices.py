"""End the notifications of devices whose sign-in ended unseen (push.sweep). Run every few
minutes beside sweep_sessions (cron, systemd timer)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from push.sweep import push_subscriptions_sweep


class Command(BaseCommand):
    help = (
        "Remove the push subscriptions of web sessions that expired or went idle and of API "
        "tokens that expired or were revoked, with their unsent pushes."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        removed = push_subscriptions_sweep()
        self.stdout.write(f"ended the notifications of {removed} device(s)")
