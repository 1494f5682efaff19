"""A grant is good when its scopes cover what Peerakeet does, granular or classic."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from tests.zoom.flow import connect_through_views
from zoom import scopes, tokens
from zoom.models import ZoomConnection
from zoom_emulator.config import DEFAULT_SCOPES

pytestmark = pytest.mark.django_db

START = {"type": 2, "start_time": "2031-01-01T10:00:00Z", "duration": 30}


@pytest.fixture
def peer_client(client: Client, peer) -> Client:
    client.force_login(peer)
    return client


def a_whole_meeting_lifecycle(connection: ZoomConnection) -> None:
    """Each call Peerakeet makes, with the grant as stored."""
    meeting = tokens.call_zoom(connection.pk, lambda api: api.create_meeting(START))
    tokens.call_zoom(connection.pk, lambda api: api.list_upcoming_meetings())
    tokens.call_zoom(connection.pk, lambda api: api.get_meeting(meeting["id"]))
    tokens.call_zoom(connection.pk, lambda api: api.update_meeting(meeting["id"], {"duration": 45}))
    tokens.call_zoom(connection.pk, lambda api: api.delete_meeting(meeting["id"]))


@pytest.mark.parametrize(
    "granted",
    [
        ["user:read", "meeting:write", "meeting:read"],
        ["user:read:admin", "meeting:write:admin", "meeting:read:admin"],
        ["user:read:user", "meeting:write", "meeting:read:meeting", "meeting:read:list_meetings"],
    ],
    ids=["classic", "classic-admin", "granular-and-classic"],
)
def test_it_connects_a_grant_whose_scopes_cover_every_need(peer_client, emulator, peer, granted):
    emulator.configure(scopes=granted)

    response = connect_through_views(peer_client, emulator)

    assert response.status_code == 200
    assert b"Zoom is connected" in response.content
    connection = ZoomConnection.objects.get(peer=peer)
    assert connection.state == ZoomConnection.State.CONNECTED
    a_whole_meeting_lifecycle(connection)
    assert [c["status"] for c in emulator.calls() if c["endpoint"] != "users_me"][-5:] == [
        201,
        200,
        200,
        204,
        204,
    ]
    assert emulator.grants()[-1]["status"] == "active"


def test_it_names_only_what_a_classic_grant_does_not_cover(peer_client, emulator, peer):
    emulator.configure(scopes=["user:read", "meeting:read"])

    response = connect_through_views(peer_client, emulator)

    assert response.status_code == 400
    page = response.content.decode()
    assert "Create meetings" in page
    assert "Delete meetings" in page
    assert "Update meetings" in page
    assert "View your Zoom user profile" not in page
    assert "List your upcoming meetings" not in page
    assert not ZoomConnection.objects.filter(peer=peer).exists()
    assert emulator.grants()[-1]["status"] == "revoked"


def test_the_app_asks_zoom_for_the_granular_scopes_the_emulator_registers(emulator):
    assert tuple(settings.ZOOM_SCOPES) == scopes.REQUESTED
    assert tuple(DEFAULT_SCOPES) == scopes.REQUESTED
    assert scopes.unmet(" ".join(DEFAULT_SCOPES)) == ()
