"""Demo accounts: a certified peer and a participant with a documented demo password.

Only the demo runs this (scripts/demo); it refuses to run in production.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import certification_grant, email_verify

DEMO_PASSWORD = "peerakeet-demo"  # noqa: S105 - documented in the README, demo only
DEMO_USERS = [
    ("peer@demo.peerakeet.test", "Jordan Rivera", "America/New_York", True),
    ("participant@demo.peerakeet.test", "Sam Lee", "America/Chicago", False),
]


class Command(BaseCommand):
    help = "Create the demo peer and participant (development only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "seed_demo creates accounts with a public password: not in production."
            )
        for email, name, zone, peer in DEMO_USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(
                    email,
                    DEMO_PASSWORD,
                    display_name=name,
                    time_zone=zone,
                )
            email_verify(user=user)
            if peer:
                certification_grant(user=user, by=None, note="demo")
            self.stdout.write(f"  {user.role_label:15} {email}")
