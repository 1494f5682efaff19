"""Print a new VAPID key pair for WEBPUSH_VAPID_PRIVATE_KEY and WEBPUSH_VAPID_PUBLIC_KEY."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from peerakeet.lib.vapid import new_private_key, public_key_of


class Command(BaseCommand):
    help = "Print a new VAPID key pair (Web Push) for the production environment."

    def handle(self, *args: Any, **options: Any) -> None:
        private = new_private_key()
        self.stdout.write(f"WEBPUSH_VAPID_PRIVATE_KEY={private}")
        self.stdout.write(f"WEBPUSH_VAPID_PUBLIC_KEY={public_key_of(private)}")
