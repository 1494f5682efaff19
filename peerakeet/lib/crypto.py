"""Encryption at rest for secrets Peerakeet must keep (Zoom tokens, meeting passcodes).

AES-256-GCM with a fresh 96-bit nonce per value and associated data that binds a ciphertext to
its row (for example ``zoom-connection:42:refresh``), so a ciphertext copied to another row does
not decrypt. Keys come from configuration as ``id:base64key,id:base64key``: the first encrypts,
every one decrypts, and the key id is stored with each value so keys can be rotated.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


class KeyConfigError(ValueError):
    """The key configuration is missing or unsafe. The message never contains key material."""


class DecryptionError(Exception):
    """A stored value cannot be decrypted: unknown key id, tampering, or the wrong row."""


@dataclass(frozen=True)
class Keyring:
    keys: tuple[tuple[str, bytes], ...]

    @property
    def current_id(self) -> str:
        return self.keys[0][0]

    def key(self, key_id: str) -> bytes:
        for candidate, key in self.keys:
            if candidate == key_id:
                return key
        raise DecryptionError(f"no configured key has the id {key_id!r}")

    def encrypt(self, plaintext: str, *, associated_data: str) -> str:
        key_id, key = self.keys[0]
        nonce = os.urandom(12)
        sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), associated_data.encode())
        return f"{key_id}:{_b64(nonce + sealed)}"

    def decrypt(self, stored: str, *, associated_data: str) -> str:
        key_id, _, payload = stored.partition(":")
        try:
            blob = base64.urlsafe_b64decode(payload.encode())
            opened = AESGCM(self.key(key_id)).decrypt(
                blob[:12], blob[12:], associated_data.encode()
            )
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise DecryptionError("stored value failed authentication") from exc
        return opened.decode()

    @staticmethod
    def key_id_of(stored: str) -> str:
        return stored.partition(":")[0]


def parse_keyring(value: str) -> Keyring:
    """Parse ``id:base64key,...``; every key must be 32 random bytes (AES-256)."""
    keys: list[tuple[str, bytes]] = []
    for position, item in enumerate(part.strip() for part in value.split(",") if part.strip()):
        key_id, sep, encoded = item.partition(":")
        if not sep or not _KEY_ID.match(key_id):
            raise KeyConfigError(
                f"PEERAKEET_TOKEN_KEYS entry {position + 1} must look like id:base64key "
                "(id: 1-16 letters, digits, - or _)"
            )
        try:
            key = base64.urlsafe_b64decode(encoded.encode() + b"=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError):
            raise KeyConfigError(f"PEERAKEET_TOKEN_KEYS key {key_id!r} is not base64") from None
        if len(key) != 32:
            raise KeyConfigError(
                f"PEERAKEET_TOKEN_KEYS key {key_id!r} must be 32 bytes, not {len(key)}"
            )
        if len(set(key)) < 8:
            raise KeyConfigError(f"PEERAKEET_TOKEN_KEYS key {key_id!r} is not random enough")
        if any(existing == key_id for existing, _ in keys):
            raise KeyConfigError(f"PEERAKEET_TOKEN_KEYS has the key id {key_id!r} twice")
        keys.append((key_id, key))
    if not keys:
        raise KeyConfigError("PEERAKEET_TOKEN_KEYS is empty: set at least one id:base64key")
    return Keyring(tuple(keys))


def new_key_entry(key_id: str) -> str:
    """A fresh ``id:base64key`` entry, for operators (``manage.py generate_token_key``)."""
    return f"{key_id}:{_b64(os.urandom(32))}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()
