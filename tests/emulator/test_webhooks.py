"""Webhooks (zoom-api.md §4): signed app_deauthorized, retries, URL validation, Marketplace."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .conftest import CLIENT_ID, WEBHOOK_SECRET, bearer, connect


def signature(secret: str, timestamp: str, raw: bytes) -> str:
    message = b"v0:" + timestamp.encode() + b":" + raw
    return "v0=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_it_sends_a_signed_app_deauthorized_that_verifies(
    emulator_server, control, http, receiver, casey
):
    connect(emulator_server, control, http, casey["id"])
    control.deauthorize(casey["id"])
    wait_for(lambda: receiver.requests)
    sent = receiver.requests[0]
    timestamp = sent["headers"]["x-zm-request-timestamp"]
    assert hmac.compare_digest(
        sent["headers"]["x-zm-signature"], signature(WEBHOOK_SECRET, timestamp, sent["raw"])
    )
    event = json.loads(sent["raw"])
    assert sent["raw"] == json.dumps(event, separators=(",", ":")).encode()
    assert event["event"] == "app_deauthorized"
    assert list(event["payload"]) == [
        "account_id",
        "client_id",
        "deauthorization_time",
        "signature",
        "user_data_retention",
        "user_id",
    ]
    assert (event["payload"]["user_id"], event["payload"]["client_id"]) == (casey["id"], CLIENT_ID)


def test_it_kills_the_grant_on_deauthorization(emulator_server, control, http, receiver, casey):
    tokens = connect(emulator_server, control, http, casey["id"])
    control.deauthorize(casey["id"])
    response = http.get(emulator_server.api_url + "/users/me", headers=bearer(tokens))
    assert response.json() == {"code": 124, "message": "Invalid access token."}
    assert control.grants()[0]["status"] == "deauthorized"


def test_it_retries_a_failed_delivery_on_zooms_schedule(
    emulator_server, control, http, receiver, casey
):
    receiver.failures_left = 2
    connect(emulator_server, control, http, casey["id"])
    control.deauthorize(casey["id"])
    delivered = control.wait_for_deliveries(1)
    assert [a["status"] for a in delivered[0]["attempts"]] == [500, 500, 200]
    assert len(receiver.requests) == 3
    bodies = {r["raw"] for r in receiver.requests}
    assert len(bodies) == 1


def test_it_gives_up_after_three_retries(emulator_server, control, http, receiver, casey):
    receiver.failures_left = 10
    connect(emulator_server, control, http, casey["id"])
    control.deauthorize(casey["id"])
    failed = control.wait_for_deliveries(1, status="failed")
    assert len(failed[0]["attempts"]) == 4


def test_it_flags_a_wrong_url_validation_reply(control, receiver):
    receiver.reply = {"plainToken": "not-the-one-sent", "encryptedToken": "0" * 64}
    result = control.send_url_validation()
    assert result["valid"] is False
    sent = json.loads(receiver.requests[0]["raw"])
    assert sent["event"] == "endpoint.url_validation"
    assert sent["payload"]["plainToken"] == result["plain_token"]


def test_it_accepts_a_correct_url_validation_reply(control):
    class App(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["content-length"]))
            plain = json.loads(raw)["payload"]["plainToken"]
            digest = hmac.new(WEBHOOK_SECRET.encode(), plain.encode(), hashlib.sha256)
            body = json.dumps({"plainToken": plain, "encryptedToken": digest.hexdigest()})
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, format, *args) -> None:
            pass

    app = ThreadingHTTPServer(("127.0.0.1", 0), App)
    threading.Thread(target=app.serve_forever, daemon=True).start()
    try:
        control.configure(webhook_url=f"http://127.0.0.1:{app.server_address[1]}/hook")
        assert control.send_url_validation()["valid"] is True
    finally:
        app.shutdown()


def test_it_removes_the_app_from_the_marketplace_page(
    emulator_server, control, http, receiver, casey
):
    connect(emulator_server, control, http, casey["id"])
    page = http.get(emulator_server.base_url + "/marketplace/apps", params={"user": casey["email"]})
    assert "Peerakeet Telehealth" in page.text
    assert "Remove" in page.text
    confirm = http.get(
        emulator_server.base_url + "/marketplace/apps/remove", params={"user": casey["id"]}
    )
    assert "Reason for removal (optional)" in confirm.text
    done = http.post(
        emulator_server.base_url + "/marketplace/apps/remove",
        data={"user": casey["id"], "reason": "Other"},
        follow_redirects=True,
    )
    assert "was removed" in done.text
    assert "No apps added" in done.text
    assert control.grants()[0]["status"] == "deauthorized"
    wait_for(lambda: receiver.requests)


def test_it_sends_meeting_deleted_when_the_host_deletes_in_zoom(
    emulator_server, control, http, receiver, lee
):
    headers = bearer(connect(emulator_server, control, http, lee["id"]))
    meeting_id = http.post(
        emulator_server.api_url + "/users/me/meetings", headers=headers, json={"topic": "x"}
    ).json()["id"]
    control.delete_meeting_in_zoom(meeting_id)
    wait_for(lambda: receiver.requests)
    event = json.loads(receiver.requests[0]["raw"])
    assert event["event"] == "meeting.deleted"
    assert event["payload"]["object"]["id"] == meeting_id
    assert (
        http.get(f"{emulator_server.api_url}/meetings/{meeting_id}", headers=headers).status_code
        == 404
    )
