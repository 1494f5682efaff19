"""Re-encrypt every stored Zoom token under the newest key: ``manage.py rotate_token_keys``.

Rotation: put the new key first in PEERAKEET_TOKEN_KEYS (``new:…,old:…``), deploy, run this, then
remove the old key. Each row is re-sealed under its own row lock, so a token refresh running at
the same moment is never overwritten with an older token.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q

from peerakeet.lib.crypto import DecryptionError
from zoom import vault
from zoom.models import AuditEvent, ZoomConnection
from zoom.services import audit


def rotate_connection(connection_id: int) -> bool:
    """True when the row's tokens were re-sealed under the current key."""
    with transaction.atomic():
        connection = ZoomConnection.objects.select_for_update().get(pk=connection_id)
        if not vault.reencrypt(connection):
            return False
        connection.save(update_fields=["refresh_token_encrypted", "access_token_encrypted"])
        key_id = vault.keyring().current_id
        audit(
            connection=connection,
            peer=connection.peer,
            actor="system",
            kind=AuditEvent.Kind.KEYS_ROTATED,
            detail=f"Tokens re-encrypted under key {key_id}",
        )
        return True


class Command(BaseCommand):
    help = "Re-encrypt every stored Zoom token under the first key of PEERAKEET_TOKEN_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = {"re-encrypted": 0, "already current": 0, "unreadable": 0}
        sealed = ~Q(refresh_token_encrypted="") | ~Q(access_token_encrypted="")
        ids = ZoomConnection.objects.filter(sealed).values_list("pk", flat=True)
        for connection_id in list(ids):
            try:
                changed = rotate_connection(connection_id)
            except DecryptionError:
                # Its key is no longer configured: say which row, never the value.
                self.stderr.write(f"connection {connection_id}: no configured key opens it")
                counts["unreadable"] += 1
            else:
                counts["re-encrypted" if changed else "already current"] += 1
        self.stdout.write(", ".join(f"{key} {value}" for key, value in counts.items()))
        if counts["unreadable"]:
            raise CommandError("some tokens could not be decrypted; keep their key configured")
