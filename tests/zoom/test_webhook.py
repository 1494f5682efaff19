"""Option 2 of the guide: removal in the Zoom Marketplace reaches the webhook (zoom-api.md §4)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from tests.zoom_support import CLIENT_ID, LICENSED, WEBHOOK_SECRET, connect, zoom_user
from zoom.models import AuditEvent, ZoomConnection

URL = "/integrations/zoom/webhook"


def sign(body: bytes, timestamp: str, secret: str = WEBHOOK_SECRET) -> str:
    message = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def deliver(
    client: Client,
    body: bytes,
    *,
    timestamp: int | None = None,
    signature: str | None = None,
) -> Any:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    headers = {
        "x-zm-request-timestamp": ts,
        "x-zm-signature": signature if signature is not None else sign(body, ts),
    }
    return client.post(URL, body, content_type="application/json", headers=headers)


def deauthorized(
    user: dict[str, Any], *, client_id: str = CLIENT_ID, when: datetime | None = None
) -> bytes:
    moment = when or datetime.now(UTC)
    event = {
        "event": "app_deauthorized",
        "event_ts": int(moment.timestamp() * 1000),
        "payload": {
            "account_id": user["account_id"],
            "client_id": client_id,
            "deauthorization_time": moment.isoformat().replace("+00:00", "Z"),
            "signature": "ab" * 32,
            "user_data_retention": "false",
            "user_id": user["id"],
        },
    }
    return json.dumps(event, separators=(",", ":")).encode()


def the_connection() -> ZoomConnection:
    return ZoomConnection.objects.get()


@pytest.fixture
def lee(emulator) -> dict[str, Any]:
    return zoom_user(emulator, LICENSED)


@pytest.mark.django_db
def test_it_erases_the_connection_when_the_app_is_removed_in_zoom(
    client, emulator, connected_peer, lee
):
    started = time.monotonic()
    response = deliver(client, deauthorized(lee))
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert elapsed < 3
    connection = the_connection()
    assert connection.state == ZoomConnection.State.DISCONNECTED
    assert connection.reason == ZoomConnection.Reason.REMOVED_IN_ZOOM
    assert connection.refresh_token_encrypted == connection.access_token_encrypted == ""
    assert connection.zoom_user_id is None
    assert connection.zoom_email == ""
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.DEAUTHORIZED)
    assert event.actor == "Zoom"
    assert event.peer == connected_peer


@pytest.mark.django_db
def test_it_rejects_a_forged_signature(client, emulator, connected_peer, lee):
    body = deauthorized(lee)
    ts = str(int(time.time()))

    response = deliver(client, body, signature=sign(body, ts, secret="not-the-secret"))

    assert response.status_code == 401
    assert the_connection().state == ZoomConnection.State.CONNECTED


@pytest.mark.django_db
def test_it_rejects_a_missing_signature(client, emulator, connected_peer, lee):
    response = client.post(URL, deauthorized(lee), content_type="application/json")

    assert response.status_code == 401
    assert the_connection().state == ZoomConnection.State.CONNECTED


@pytest.mark.django_db
def test_it_rejects_a_body_changed_after_signing(client, emulator, connected_peer, lee):
    ts = str(int(time.time()))
    signature = sign(deauthorized(lee), ts)

    response = deliver(client, deauthorized(lee) + b" ", timestamp=int(ts), signature=signature)

    assert response.status_code == 401


@pytest.mark.django_db
def test_it_rejects_a_stale_timestamp(client, emulator, connected_peer, lee):
    response = deliver(client, deauthorized(lee), timestamp=int(time.time()) - 301)

    assert response.status_code == 401
    assert the_connection().state == ZoomConnection.State.CONNECTED


@pytest.mark.django_db
def test_it_rejects_a_timestamp_from_the_future(client, emulator, connected_peer, lee):
    response = deliver(client, deauthorized(lee), timestamp=int(time.time()) + 600)

    assert response.status_code == 401


@pytest.mark.django_db
def test_it_acknowledges_a_replay_and_changes_nothing(client, emulator, connected_peer, lee):
    body = deauthorized(lee)
    deliver(client, body)
    before = the_connection()

    response = deliver(client, body)

    assert response.status_code == 200
    after = the_connection()
    assert (after.state, after.reason, after.updated_at) == (
        before.state,
        before.reason,
        before.updated_at,
    )
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.DEAUTHORIZED).count() == 1


@pytest.mark.django_db
def test_it_ignores_a_replay_that_predates_a_reconnect(client, emulator, connected_peer, lee):
    body = deauthorized(lee, when=datetime.now(UTC) - timedelta(seconds=5))
    deliver(client, body)
    connect(connected_peer, emulator)

    response = deliver(client, body)

    assert response.status_code == 200
    assert the_connection().state == ZoomConnection.State.CONNECTED


@pytest.mark.django_db
def test_it_rejects_malformed_json(client, emulator):
    assert deliver(client, b"{not json").status_code == 400


@pytest.mark.django_db
def test_it_rejects_json_that_is_not_an_event(client, emulator):
    assert deliver(client, b"[1, 2, 3]").status_code == 400


@pytest.mark.django_db
def test_it_acknowledges_an_unknown_user_and_changes_nothing(client, emulator, connected_peer):
    stranger = {"id": "someone-else", "account_id": "another-account"}

    response = deliver(client, deauthorized(stranger))

    assert response.status_code == 200
    assert the_connection().state == ZoomConnection.State.CONNECTED


@pytest.mark.django_db
def test_it_ignores_a_removal_for_another_app(client, emulator, connected_peer, lee):
    response = deliver(client, deauthorized(lee, client_id="someone-elses-app"))

    assert response.status_code == 200
    assert the_connection().state == ZoomConnection.State.CONNECTED


@pytest.mark.django_db
def test_it_answers_url_validation(client, emulator):
    body = json.dumps(
        {"event": "endpoint.url_validation", "payload": {"plainToken": "q9ibQx"}, "event_ts": 1}
    ).encode()

    response = deliver(client, body)

    expected = hmac.new(WEBHOOK_SECRET.encode(), b"q9ibQx", hashlib.sha256).hexdigest()
    assert response.status_code == 200
    assert response.json() == {"plainToken": "q9ibQx", "encryptedToken": expected}


@pytest.mark.django_db
def test_it_acknowledges_other_events(client, emulator, connected_peer):
    body = json.dumps({"event": "meeting.deleted", "payload": {"object": {"id": 1}}}).encode()

    assert deliver(client, body).status_code == 200
    assert the_connection().state == ZoomConnection.State.CONNECTED


@pytest.mark.django_db
def test_it_refuses_get(client, emulator):
    assert client.get(URL).status_code == 405


@pytest.mark.django_db(transaction=True)
def test_it_disconnects_when_the_emulator_delivers_the_removal(live_emulator, peer):
    connect(peer, live_emulator)

    live_emulator.deauthorize(zoom_user(live_emulator, LICENSED)["id"])
    deliveries = live_emulator.wait_for_deliveries(1)

    assert [d["attempts"][0]["status"] for d in deliveries] == [200]
    connection = the_connection()
    assert connection.state == ZoomConnection.State.DISCONNECTED
    assert connection.reason == ZoomConnection.Reason.REMOVED_IN_ZOOM


@pytest.mark.django_db(transaction=True)
def test_it_passes_the_emulators_url_validation(live_emulator):
    result = live_emulator.send_url_validation()

    assert result["valid"] is True
