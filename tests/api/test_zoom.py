"""GET /zoom and POST /zoom/disconnect: the status pill and its Disconnect, for the app."""

from __future__ import annotations

import pytest

from tests.api.conftest import client_for
from zoom.models import ZoomConnection


@pytest.mark.django_db
def test_it_says_not_connected_before_the_peer_connects(as_peer):
    body = as_peer.get("/zoom").json()

    assert body["state"] == "disconnected"
    assert body["state_label"] == "Not connected"
    assert body["zoom_email"] == ""


@pytest.mark.django_db
def test_it_sends_the_peer_to_the_schedule_page_to_connect(as_peer, settings):
    settings.PEERAKEET_BASE_URL = "https://app.peerakeet.example"

    body = as_peer.get("/zoom").json()

    assert body["connect_url"] == "https://app.peerakeet.example/schedule/?connect=zoom"


@pytest.mark.django_db
def test_it_shows_a_connected_account(connected_peer, emulator):
    emulator.clear_calls()

    body = client_for(connected_peer).get("/zoom").json()

    assert body["state"] == "connected"
    assert body["zoom_email"] == "lee.licensed@example.com"
    assert emulator.calls() == []  # the database only, never Zoom


@pytest.mark.django_db
def test_it_explains_why_a_connection_needs_reconnecting(peer, as_peer):
    ZoomConnection.objects.create(
        peer=peer,
        state=ZoomConnection.State.NEEDS_RECONNECT,
        reason=ZoomConnection.Reason.GRANT_REFUSED,
    )

    body = as_peer.get("/zoom").json()

    assert body["state"] == "needs_reconnect"
    assert body["reason"] == "grant_refused"
    assert "Reconnect" in body["reason_text"]


@pytest.mark.django_db
def test_it_refuses_the_zoom_status_to_a_participant(as_participant):
    response = as_participant.get("/zoom")

    assert response.status_code == 403
    assert response.json()["code"] == "not_a_peer"


@pytest.mark.django_db
def test_it_disconnects_zoom(connected_peer, emulator):
    response = client_for(connected_peer).post("/zoom/disconnect")

    assert response.status_code == 200
    assert response.json()["state"] == "disconnected"
    connection = ZoomConnection.objects.get(peer=connected_peer)
    assert connection.refresh_token_encrypted == ""
    assert connection.reason == ZoomConnection.Reason.BY_PEER


@pytest.mark.django_db
def test_it_answers_a_disconnect_when_nothing_is_connected(as_peer):
    response = as_peer.post("/zoom/disconnect")

    assert response.status_code == 200
    assert response.json()["state"] == "disconnected"


@pytest.mark.django_db
def test_it_refuses_a_disconnect_from_a_participant(as_participant, peer):
    response = as_participant.post("/zoom/disconnect")

    assert response.status_code == 403


@pytest.mark.django_db
def test_it_refuses_a_disconnect_without_a_token(anonymous):
    assert anonymous.post("/zoom/disconnect").status_code == 401
