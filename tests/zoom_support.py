"""The Zoom emulator in tests: one server per test session, reset before each test that uses it.

Fixtures: ``emulator`` (an EmulatorControl; Django settings point at the emulator),
``live_emulator`` (the same, wired to pytest-django's live_server for browser tests and webhooks),
``connected_peer`` (the ``peer`` persona connected to a licensed Zoom user through the real OAuth
code exchange). ``connect(peer, emulator, email)`` connects any peer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings

from zoom.models import ZoomConnection
from zoom.services import connection_complete, oauth_begin
from zoom_emulator.config import EmulatorConfig
from zoom_emulator.testing import EmulatorControl, EmulatorServer

CLIENT_ID = "peerakeet-test-client"
CLIENT_SECRET = "test-client-secret-4f9c2a7e1b"
WEBHOOK_SECRET = "test-webhook-secret-8d3e6b0c5a"
TEST_REDIRECT_URI = "http://testserver/integrations/zoom/callback"
LICENSED = "lee.licensed@example.com"
BASIC = "casey.basic@example.com"


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorServer]:
    config = EmulatorConfig(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=[TEST_REDIRECT_URI],
        webhook_secret=WEBHOOK_SECRET,
        webhook_retry_scale=0.001,
        seed="demo",
    )
    with EmulatorServer(config) as server:
        yield server


@pytest.fixture
def emulator(emulator_server: EmulatorServer, settings: Any) -> Iterator[EmulatorControl]:
    control = emulator_server.control()
    control.reset()
    control.configure(redirect_uris=[TEST_REDIRECT_URI], webhook_url=None)
    settings.ZOOM_OAUTH_URL = emulator_server.oauth_url
    settings.ZOOM_API_URL = emulator_server.api_url
    settings.ZOOM_CLIENT_ID = CLIENT_ID
    settings.ZOOM_CLIENT_SECRET = CLIENT_SECRET
    settings.ZOOM_WEBHOOK_SECRET_TOKEN = WEBHOOK_SECRET
    settings.ZOOM_REDIRECT_URI = TEST_REDIRECT_URI
    yield control
    control.close()


@pytest.fixture
def live_emulator(emulator: EmulatorControl, live_server: Any, settings: Any) -> EmulatorControl:
    redirect = f"{live_server.url}/integrations/zoom/callback"
    settings.ZOOM_REDIRECT_URI = redirect
    settings.PEERAKEET_BASE_URL = live_server.url
    # In production ZOOM_OAUTH_URL is known at start-up and settings.py lists it in the CSP's
    # form-action (the same-tab Connect is a form post redirected to Zoom); the emulator's port is
    # only known now, so give the policy the same shape.
    policy = settings.CONTENT_SECURITY_POLICY
    directives = {**policy["DIRECTIVES"], "form-action": ["'self'", settings.ZOOM_OAUTH_URL]}
    settings.CONTENT_SECURITY_POLICY = {**policy, "DIRECTIVES": directives}
    emulator.configure(
        redirect_uris=[redirect], webhook_url=f"{live_server.url}/integrations/zoom/webhook"
    )
    return emulator


def zoom_user(emulator: EmulatorControl, email: str) -> dict[str, Any]:
    return next(user for user in emulator.users() if user["email"] == email)


def connect(peer: Any, emulator: EmulatorControl, email: str = LICENSED) -> ZoomConnection:
    """Connect through the real code exchange, as if the Zoom user had clicked Allow."""
    start = oauth_begin()
    query = parse_qs(urlparse(start.authorize_url).query)
    code = emulator.authorize(
        zoom_user(emulator, email)["id"],
        redirect_uri=settings.ZOOM_REDIRECT_URI,
        state=start.state,
        code_challenge=query["code_challenge"][0],
        code_challenge_method="S256",
    )
    return connection_complete(peer=peer, code=code, code_verifier=start.code_verifier)


@pytest.fixture
def connected_peer(peer: Any, emulator: EmulatorControl) -> Any:
    connect(peer, emulator)
    peer.refresh_from_db()
    return peer


def race_for_token(connection_id: int, racers: int, *, timeout: float = 120) -> list[str]:
    """``racers`` threads ask the token service for a token at the same instant (a barrier);
    returns what each got. Any error in a thread fails the caller's test."""
    import threading

    from django.db import connection as db_connection

    from zoom import tokens

    barrier = threading.Barrier(racers)
    results: list[str] = []
    errors: list[BaseException] = []

    def racer() -> None:
        try:
            barrier.wait()
            results.append(tokens.access_token_for(connection_id))
        except BaseException as exc:  # reported below, in the test's own thread
            errors.append(exc)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=racer) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert errors == []
    return results
