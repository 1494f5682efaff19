"""The Zoom webhook under attack, beyond tests/zoom/test_webhook.py (which covers a forged
signature, missing headers, a body changed after signing, stale and future timestamps, a replay,
malformed JSON, JSON that is not an event, an unknown user, another app's removal, GET).

Every refused delivery answers 4xx and leaves the connection connected with its tokens."""

from __future__ import annotations

import json
import time

import pytest

from tests.zoom.test_webhook import deauthorized, deliver, lee, sign  # noqa: F401 - fixture
from tests.zoom_support import WEBHOOK_SECRET
from zoom.models import ZoomConnection

pytestmark = pytest.mark.django_db


def still_connected() -> bool:
    connection = ZoomConnection.objects.get()
    return connection.state == "connected" and bool(connection.refresh_token_encrypted)


def test_it_rejects_a_signature_made_with_another_secret(client, connected_peer, lee):  # noqa: F811
    body = deauthorized(lee)
    ts = str(int(time.time()))

    response = deliver(client, body, timestamp=int(ts), signature=sign(body, ts, "not-the-secret"))

    assert response.status_code == 401
    assert still_connected()


def test_it_rejects_a_fresh_timestamp_on_an_old_signature(client, connected_peer, lee):  # noqa: F811
    """A captured delivery replayed with a new timestamp: the signature covers the timestamp."""
    body = deauthorized(lee)
    old = str(int(time.time()) - 3600)

    response = deliver(client, body, timestamp=int(time.time()), signature=sign(body, old))

    assert response.status_code == 401
    assert still_connected()


@pytest.mark.parametrize(
    "signature",
    ["", "v0=", "v1=" + "0" * 64, "v0=" + "z" * 64, "sha256=abc", "v0=" + "0" * 63],
)
def test_it_rejects_a_malformed_signature(client, connected_peer, lee, signature):  # noqa: F811
    response = deliver(client, deauthorized(lee), signature=signature)

    assert response.status_code == 401
    assert still_connected()


@pytest.mark.parametrize("timestamp", ["", "abc", "1e9", "-1", "99999999999999999999"])
def test_it_rejects_a_malformed_timestamp(client, connected_peer, lee, timestamp):  # noqa: F811
    body = deauthorized(lee)
    headers = {"x-zm-request-timestamp": timestamp, "x-zm-signature": sign(body, timestamp)}

    response = client.post(
        "/integrations/zoom/webhook", body, content_type="application/json", headers=headers
    )

    assert response.status_code == 401
    assert still_connected()


@pytest.mark.parametrize(
    "body",
    [
        b"\xff\xfe not utf-8",
        b"[]",
        b'"app_deauthorized"',
        b'{"event": 7}',
        b'{"event": "app_deauthorized", "payload": []}',
        b'{"event": "app_deauthorized", "payload": "x"}',
        b"{" * 5000,
        # Valid JSON nested past Python's recursion limit: json.loads raised RecursionError (500).
        b'{"event": "app_deauthorized", "payload": {"x": '
        + b"[" * 100_000
        + b"]" * 100_000
        + b"}}",
        # Valid, within the recursion limit, but deeper than any Zoom event.
        b'{"event": "app_deauthorized", "payload": {"x": ' + b"[" * 40 + b"]" * 40 + b"}}",
        # Larger than any Zoom event.
        b'{"event": "app_deauthorized", "payload": {"x": "' + b"a" * 70_000 + b'"}}',
    ],
)
def test_it_answers_a_signed_but_malformed_body_with_400(client, connected_peer, body):
    response = deliver(client, body)

    assert response.status_code == 400
    assert still_connected()


def test_it_ignores_a_removal_whose_account_does_not_match(client, connected_peer, lee):  # noqa: F811
    """The right Zoom user id with another account id is not this connection."""
    response = deliver(client, deauthorized({**lee, "account_id": "another-account"}))

    assert response.status_code == 200
    assert still_connected()


def test_it_refuses_url_validation_without_a_plain_token(client, emulator):
    body = json.dumps({"event": "endpoint.url_validation", "payload": {}}).encode()

    response = deliver(client, body)

    assert response.status_code == 400


def test_it_never_echoes_the_secret(client, emulator):
    body = json.dumps(
        {"event": "endpoint.url_validation", "payload": {"plainToken": "probe"}}
    ).encode()

    response = deliver(client, body)

    assert response.status_code == 200
    assert WEBHOOK_SECRET not in response.text
