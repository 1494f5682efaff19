"""Fixtures for the emulator's own tests: one server per session, reset before each test."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from zoom_emulator.config import EmulatorConfig
from zoom_emulator.testing import EmulatorControl, EmulatorServer

from .contract import VALIDATED, validate_response

CLIENT_ID = "peerakeet-test-client"
CLIENT_SECRET = "test-client-secret"
WEBHOOK_SECRET = "test-webhook-secret"
REDIRECT_URI = "http://127.0.0.1:9/zoom/callback"


@dataclass
class Receiver:
    """A tiny HTTP server that records what it is sent and answers as scripted."""

    server: ThreadingHTTPServer
    requests: list[dict[str, Any]] = field(default_factory=list)
    failures_left: int = 0
    reply: dict[str, Any] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


def _start_receiver() -> Receiver:
    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, status: int, body: bytes, kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            receiver.requests.append({"method": "GET", "path": self.path})
            self._answer(200, b"<!doctype html><title>Peerakeet callback</title>", "text/html")

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length", 0)))
            receiver.requests.append(
                {"method": "POST", "path": self.path, "headers": dict(self.headers), "raw": raw}
            )
            if receiver.failures_left > 0:
                receiver.failures_left -= 1
                self._answer(500, b"{}")
                return
            self._answer(200, json.dumps(receiver.reply or {}).encode())

        def log_message(self, format: str, *args: Any) -> None:
            pass

    receiver = Receiver(ThreadingHTTPServer(("127.0.0.1", 0), Handler))
    threading.Thread(target=receiver.server.serve_forever, daemon=True).start()
    return receiver


@pytest.fixture(scope="session")
def callback_receiver() -> Iterator[Receiver]:
    receiver = _start_receiver()
    yield receiver
    receiver.server.shutdown()


@pytest.fixture
def receiver(callback_receiver: Receiver) -> Receiver:
    callback_receiver.requests.clear()
    callback_receiver.failures_left = 0
    callback_receiver.reply = None
    return callback_receiver


@pytest.fixture(scope="session")
def emulator_server(callback_receiver: Receiver) -> Iterator[EmulatorServer]:
    config = EmulatorConfig(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=[REDIRECT_URI, callback_receiver.url + "/zoom/callback"],
        seed="demo",
        webhook_url=callback_receiver.url + "/zoom/webhook",
        webhook_secret=WEBHOOK_SECRET,
        webhook_retry_scale=0.001,
    )
    with EmulatorServer(config) as server:
        yield server


@pytest.fixture
def control(emulator_server: EmulatorServer) -> Iterator[EmulatorControl]:
    with emulator_server.control() as ctl:
        ctl.reset()
        yield ctl


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


def user(control: EmulatorControl, email: str) -> dict[str, Any]:
    return next(u for u in control.users() if u["email"] == email)


@pytest.fixture
def casey(control: EmulatorControl) -> dict[str, Any]:
    """The free-plan Basic user from the demo seed."""
    return user(control, "casey.basic@example.com")


@pytest.fixture
def lee(control: EmulatorControl) -> dict[str, Any]:
    """The pro-plan Licensed user from the demo seed."""
    return user(control, "lee.licensed@example.com")


def token_request(server: EmulatorServer, http: httpx.Client, **form: str) -> httpx.Response:
    return http.post(server.oauth_url + "/oauth/token", auth=(CLIENT_ID, CLIENT_SECRET), data=form)


def connect(
    server: EmulatorServer,
    control: EmulatorControl,
    http: httpx.Client,
    user_id: str,
    scopes: list[str] | None = None,
) -> dict[str, Any]:
    code = control.authorize(user_id, redirect_uri=REDIRECT_URI, scopes=scopes)
    response = token_request(
        server, http, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI
    )
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def checked(operation: str, response: httpx.Response) -> Any:
    """The body, after validating it against Zoom's schema for this operation and status."""
    body = response.json()
    validate_response(operation, response.status_code, body)
    return body


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if VALIDATED:
        total = sum(v for k, v in VALIDATED.items() if not k.endswith("request"))
        detail = ", ".join(f"{k}: {v}" for k, v in sorted(VALIDATED.items()))
        terminalreporter.write_line(
            f"Zoom contract: {total} emulator responses validated against Zoom's schemas ({detail})"
        )
