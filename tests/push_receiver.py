"""A push service on 127.0.0.1 for the tests: the receiving side of RFC 8030 (POST a message to
a subscription's endpoint), RFC 8291 (aes128gcm, encrypted for the device's keys) and RFC 8292
(a VAPID JWT, signed by the application server's key, in the Authorization header).

Each subscription made here holds the device's private keys, so the receiver decrypts every
message it accepts and keeps it; a test scripts a device to answer 404 or 410 (unsubscribed), 5xx,
or to answer slowly. Refuses (400/401) what a real push service would refuse.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from peerakeet.lib.vapid import b64url, b64url_decode


@dataclass
class Device:
    """A browser's subscription: its keys (private half kept here) and how its service answers."""

    token: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    status: int = 201
    delay: float = 0.0
    location: str = ""  # sent with a scripted 3xx status
    requests: int = 0  # every POST to its endpoint, accepted or not
    received: list[dict[str, Any]] = field(default_factory=list)

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            Encoding.X962, PublicFormat.UncompressedPoint
        )
        return b64url(point)


class PushReceiver:
    def __init__(self, *, vapid_public_key: str) -> None:
        self.vapid_public_key = vapid_public_key
        self.devices: dict[str, Device] = {}
        self.refused: list[str] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def start(self) -> PushReceiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def new_device(self) -> Device:
        device = Device(
            token=b64url(os.urandom(12)),
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth=os.urandom(16),
        )
        self.devices[device.token] = device
        return device

    def endpoint(self, device: Device) -> str:
        return f"{self.origin}/push/{device.token}"

    def subscription(self, device: Device) -> dict[str, Any]:
        """What the browser's ``PushSubscription.toJSON()`` gives the page."""
        return {
            "endpoint": self.endpoint(device),
            "keys": {"p256dh": device.p256dh, "auth": b64url(device.auth)},
        }

    def messages(self) -> list[dict[str, Any]]:
        with self.lock:
            return [m for device in self.devices.values() for m in device.received]

    # --- the push service's side --------------------------------------------------------

    def accept(self, token: str, headers: Any, body: bytes) -> tuple[int, str]:
        device = self.devices.get(token)
        if device is None:
            return 404, "no such subscription"
        with self.lock:
            device.requests += 1
        if device.delay:
            time.sleep(device.delay)
        if device.status >= 300:
            return device.status, "scripted"
        problem = self._check_vapid(headers.get("Authorization", ""))
        if problem:
            self.refused.append(problem)
            return 401, problem
        if headers.get("Content-Encoding") != "aes128gcm" or "TTL" not in headers:
            self.refused.append("not aes128gcm with a TTL")
            return 400, "not aes128gcm with a TTL"
        plain = http_ece.decrypt(
            body, private_key=device.private_key, auth_secret=device.auth, version="aes128gcm"
        )
        with self.lock:
            device.received.append(
                {"payload": json.loads(plain), "ttl": int(headers["TTL"]), "raw": plain}
            )
        return 201, ""

    def _check_vapid(self, authorization: str) -> str:
        """RFC 8292 §2-3: ``vapid t=<JWT>, k=<public key>``; ES256; aud is our origin; not
        expired; a mailto: or https: subject; the key is the one subscriptions were made with."""
        try:
            scheme, params = authorization.split(" ", 1)
            parts = dict(p.strip().split("=", 1) for p in params.split(","))
            token, key = parts["t"], parts["k"]
        except (ValueError, KeyError):
            return "no VAPID authorization"
        if scheme != "vapid" or key != self.vapid_public_key:
            return "not signed with the application server key"
        signed, _, signature = token.rpartition(".")
        raw = b64url_decode(signature)
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        try:
            public.verify(der, signed.encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return "bad VAPID signature"
        claims = json.loads(b64url_decode(signed.split(".")[1]))
        if claims.get("aud") != self.origin:
            return "VAPID audience is not this push service"
        if int(claims.get("exp", 0)) < time.time() or int(claims["exp"]) > time.time() + 86400:
            return "VAPID token expired or lives over 24 hours"
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            return "VAPID subject missing"
        return ""


def _handler(receiver: PushReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            token = self.path.removeprefix("/push/")
            status, text = receiver.accept(token, self.headers, body)
            try:
                self.send_response(status)
                device = receiver.devices.get(token)
                if device is not None and device.location and 300 <= status < 400:
                    self.send_header("Location", device.location)
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text.encode())
            except OSError:
                pass  # the sender gave up waiting (a slow device)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
