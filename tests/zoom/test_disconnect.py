"""Option 1 of the guide: Disconnect from Peerakeet (DESIGN.md flow 6)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scheduling.models import SupportSession
from scheduling.services import session_create
from tests.zoom_support import LICENSED
from zoom.models import AuditEvent, ZoomConnection

pytestmark = pytest.mark.django_db


@pytest.fixture
def peer_client(client: Client, connected_peer) -> Client:
    client.force_login(connected_peer)
    return client


def the_connection() -> ZoomConnection:
    return ZoomConnection.objects.get()


def test_it_revokes_the_grant_at_zoom(peer_client, emulator):
    peer_client.post(reverse("zoom:disconnect"))

    assert [grant["status"] for grant in emulator.grants()] == ["revoked"]
    assert [call["endpoint"] for call in emulator.calls("revoke")] == ["revoke"]


def test_it_erases_the_tokens_and_the_zoom_profile(peer_client, emulator):
    peer_client.post(reverse("zoom:disconnect"))

    connection = the_connection()
    assert connection.state == ZoomConnection.State.DISCONNECTED
    assert connection.reason == ZoomConnection.Reason.BY_PEER
    assert connection.refresh_token_encrypted == connection.access_token_encrypted == ""
    assert connection.zoom_user_id is None
    assert connection.zoom_account_id == connection.zoom_email == ""


def test_it_audits_who_disconnected(peer_client, emulator, connected_peer):
    peer_client.post(reverse("zoom:disconnect"))

    event = AuditEvent.objects.get(kind=AuditEvent.Kind.DISCONNECTED)
    assert event.actor == connected_peer.email
    assert event.peer == connected_peer


def test_it_redirects_a_plain_post_to_the_schedule_page_with_a_message(peer_client, emulator):
    response = peer_client.post(reverse("zoom:disconnect"), follow=True)

    assert response.redirect_chain == [(reverse("scheduling:schedule"), 302)]
    assert b"Zoom is disconnected." in response.content


def test_it_answers_htmx_with_the_not_connected_pill(peer_client, emulator):
    response = peer_client.post(reverse("zoom:disconnect"), HTTP_HX_REQUEST="true")

    assert "Zoom: Not connected" in response.content.decode()
    assert ">Connect</button>" in response.content.decode()
    assert LICENSED not in response.content.decode()


def test_it_disconnects_locally_in_bounded_time_when_zoom_hangs(peer_client, emulator):
    emulator.inject_fault("revoke", "timeout", next=1, hold_seconds=30)
    started = time.monotonic()

    peer_client.post(reverse("zoom:disconnect"))

    assert time.monotonic() - started < 8  # the revoke gives up after 5 s
    assert the_connection().state == ZoomConnection.State.DISCONNECTED
    assert the_connection().refresh_token_encrypted == ""


def test_it_disconnects_locally_when_zoom_is_unreachable(peer_client, emulator, settings):
    settings.ZOOM_OAUTH_URL = "http://127.0.0.1:9"

    peer_client.post(reverse("zoom:disconnect"))

    assert the_connection().state == ZoomConnection.State.DISCONNECTED


def test_it_keeps_session_records(peer_client, emulator, connected_peer, participant):
    session = session_create(
        peer=connected_peer,
        participant=participant,
        starts_at=timezone.now() + timedelta(days=2),
        duration_minutes=50,
        modality="video",
        manual_link="https://whereby.com/room",
    )

    peer_client.post(reverse("zoom:disconnect"))

    session.refresh_from_db()
    assert session.status == SupportSession.Status.CONFIRMED
    assert session.manual_link == "https://whereby.com/room"


def test_it_enforces_csrf_on_disconnect(emulator, connected_peer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(connected_peer)

    response = client.post(reverse("zoom:disconnect"))

    assert response.status_code == 403
    assert the_connection().state == ZoomConnection.State.CONNECTED


def test_it_refuses_disconnect_to_a_participant(client, emulator, participant):
    client.force_login(participant)

    assert client.post(reverse("zoom:disconnect")).status_code == 403
