"""VAPID keys for Web Push (RFC 8292): a P-256 key pair, written as browsers and pywebpush read
them (base64url without padding: the private key as its 32 raw bytes, the public key as the 65-byte
uncompressed point that a page passes to ``pushManager.subscribe`` as ``applicationServerKey``)."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


class VapidKeyError(ValueError):
    """A VAPID key that is not a base64url P-256 key."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_private_key() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def public_key_of(private_key: str) -> str:
    """The public key (applicationServerKey) that belongs to ``private_key``."""
    try:
        raw = b64url_decode(private_key)
        if len(raw) != 32:
            raise ValueError("not 32 bytes")
        key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    except ValueError:
        raise VapidKeyError(
            "WEBPUSH_VAPID_PRIVATE_KEY must be a P-256 private key: 32 bytes, base64url "
            "(make one with: manage.py generate_vapid_keys)"
        ) from None
    return b64url(key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))
