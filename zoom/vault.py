"""The token vault: the only code that turns token ciphertext into plaintext and back.

Plaintext exists only in memory, in the caller's frame. Keys come from PEERAKEET_TOKEN_KEYS.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings

from peerakeet.lib.crypto import Keyring, parse_keyring
from zoom.client import TokenSet
from zoom.models import ZoomConnection


@cache
def _keyring(config: str) -> Keyring:
    return parse_keyring(config)


def keyring() -> Keyring:
    return _keyring(settings.PEERAKEET_TOKEN_KEYS)


def store_tokens(connection: ZoomConnection, tokens: TokenSet) -> None:
    """Seal both tokens into the connection (not saved: the caller saves in its transaction)."""
    ring = keyring()
    connection.refresh_token_encrypted = ring.encrypt(
        tokens.refresh_token, associated_data=connection.associated_data("refresh")
    )
    connection.access_token_encrypted = ring.encrypt(
        tokens.access_token, associated_data=connection.associated_data("access")
    )
    connection.access_token_expires_at = tokens.expires_at
    connection.scopes = tokens.scope


def erase_tokens(connection: ZoomConnection) -> None:
    connection.refresh_token_encrypted = ""
    connection.access_token_encrypted = ""
    connection.access_token_expires_at = None


def access_token(connection: ZoomConnection) -> str:
    return keyring().decrypt(
        connection.access_token_encrypted, associated_data=connection.associated_data("access")
    )


def refresh_token(connection: ZoomConnection) -> str:
    return keyring().decrypt(
        connection.refresh_token_encrypted, associated_data=connection.associated_data("refresh")
    )


def reencrypt(connection: ZoomConnection) -> bool:
    """Re-seal the stored tokens under the current key; True when anything changed."""
    ring = keyring()
    changed = False
    for column in ("refresh", "access"):
        field = f"{column}_token_encrypted"
        stored = getattr(connection, field)
        if stored and Keyring.key_id_of(stored) != ring.current_id:
            data = connection.associated_data(column)
            setattr(
                connection,
                field,
                ring.encrypt(ring.decrypt(stored, associated_data=data), associated_data=data),
            )
            changed = True
    return changed
