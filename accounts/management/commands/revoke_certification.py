"""Revoke a peer's certification from the command line: the same service as the admin action.

manage.py revoke_certification peer@example.org --by support@example.org --note "why"
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from accounts.services import certification_revoke


class Command(BaseCommand):
    help = "Revoke a peer certification: ends their hosting, Zoom grant, tokens and sign-ins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The peer's email address.")
        parser.add_argument("--by", required=True, help="The support staff member's email.")
        parser.add_argument("--note", default="", help="Why (kept in the audit trail).")

    def handle(self, *args: Any, email: str, by: str, note: str, **options: Any) -> None:
        peer = User.objects.filter(email__iexact=email.strip()).first()
        staff = User.objects.filter(email__iexact=by.strip(), is_staff=True, is_active=True).first()
        if peer is None:
            raise CommandError(f"No account has the address {email}.")
        if staff is None:
            raise CommandError(f"{by} is not an active member of support staff.")
        done = certification_revoke(user=peer, by=staff, note=note)
        if not done.revoked:
            raise CommandError(f"{peer.email} holds no active certification: nothing changed.")
        self.stdout.write(
            f"Revoked {peer.email}: {done.requests_declined} open request(s) declined, "
            f"{done.sessions_to_hand_over} confirmed session(s) to hand over, "
            f"an email queued for {done.participants_to_tell} participant(s), "
            f"{done.tokens_revoked} API token(s) ended, "
            f"Zoom {'disconnected' if done.zoom_disconnected else 'not connected'}."
        )
