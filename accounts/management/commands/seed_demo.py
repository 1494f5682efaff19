"""Demo accounts: a certified peer and two participants with a documented demo password, and
the peer's diary of a week that has lived (scheduling.demo_diary).

Only the demo runs this (scripts/demo); it refuses to run in production.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import certification_grant, email_verify
from booking.demo import seed_booking_page
from scheduling.demo_diary import build_diary
from scheduling.models import SupportSession

DEMO_PASSWORD = "peerakeet-demo"  # noqa: S105 - documented in the README, demo only
DEMO_USERS = [
    ("peer@demo.peerakeet.test", "Jordan Rivera", "America/Chicago", True),
    ("participant@demo.peerakeet.test", "Sam Lee", "America/New_York", False),
    ("participant.berlin@demo.peerakeet.test", "Mia Schulz", "Europe/Berlin", False),
]


class Command(BaseCommand):
    help = "Create the demo peer, participants and the peer's week (development only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "seed_demo creates accounts with a public password: not in production."
            )
        users = []
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
            users.append(user)
            self.stdout.write(f"  {user.role_label:15} {email}")
        self._diary(*users)
        # After the week: its sessions were arranged before the peer set bookable hours.
        seed_booking_page(users[0])

    def _diary(self, peer: User, new_york: User, berlin: User) -> None:
        if SupportSession.objects.filter(peer=peer).exists():
            self.stdout.write("  the demo peer's diary is already there")
            return
        diary = build_diary(peer=peer, new_york=new_york, berlin=berlin)
        self.stdout.write(f"  {len(diary.sessions)} sessions in the demo peer's week")
