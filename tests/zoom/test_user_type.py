"""Free (Basic) hosts: the Zoom user type, read at connect and at each token refresh (#15)."""

from __future__ import annotations

import hashlib
import time

import pytest
from django.utils import timezone

from tests.zoom_support import BASIC, LICENSED, connect, zoom_user
from zoom import tokens, vault
from zoom.client import ZoomAPI
from zoom.models import ZoomConnection
from zoom.selectors import cut_off, zoom_meeting_limit
from zoom.services import connection_disconnect

pytestmark = pytest.mark.django_db


def expire_access_token(connection: ZoomConnection) -> None:
    ZoomConnection.objects.filter(pk=connection.pk).update(access_token_expires_at=timezone.now())


def endpoints(emulator) -> list[str]:
    return [call["endpoint"] for call in emulator.calls()]


def the_connection(peer) -> ZoomConnection:
    return ZoomConnection.objects.get(peer=peer)


def test_a_basic_host_is_known_from_the_connect(peer, emulator):
    connect(peer, emulator, BASIC)

    assert the_connection(peer).zoom_user_type == ZoomConnection.UserType.BASIC
    assert zoom_meeting_limit(peer) == 40


def test_a_licensed_host_has_no_meeting_limit(peer, emulator):
    connect(peer, emulator, LICENSED)

    assert the_connection(peer).zoom_user_type == ZoomConnection.UserType.LICENSED
    assert zoom_meeting_limit(peer) is None


def test_a_peer_without_zoom_has_no_meeting_limit(peer, emulator):
    assert zoom_meeting_limit(peer) is None


def test_an_upgrade_counts_from_the_next_refresh(peer, emulator):
    connection = connect(peer, emulator, BASIC)
    emulator.set_user_type(zoom_user(emulator, BASIC)["id"], 2)
    assert zoom_meeting_limit(peer) == 40  # nothing asked Zoom yet
    expire_access_token(connection)
    emulator.clear_calls()

    token = tokens.access_token_for(connection.pk)

    assert endpoints(emulator) == ["token", "users_me"]
    assert emulator.calls()[-1]["token_id"] == emulator_token_id(token)
    assert zoom_meeting_limit(peer) is None


def emulator_token_id(token: str) -> str:
    """The emulator's call log names a bearer token by sha256(token)[:12]."""
    return hashlib.sha256(token.encode()).hexdigest()[:12]


def test_the_idle_grant_refresh_reads_the_type_too(peer, emulator):
    connection = connect(peer, emulator, LICENSED)
    emulator.set_user_type(zoom_user(emulator, LICENSED)["id"], 1)

    assert tokens.refresh_idle(connection.pk, idle_before=timezone.now())

    assert zoom_meeting_limit(peer) == 40


def test_a_failed_profile_read_keeps_the_old_type_and_the_refresh(peer, emulator):
    connection = connect(peer, emulator, BASIC)
    emulator.set_user_type(zoom_user(emulator, BASIC)["id"], 2)
    expire_access_token(connection)
    emulator.inject_fault("users_me", "503", next=1)

    token = tokens.access_token_for(connection.pk)

    assert ZoomAPI(token).me()["email"] == BASIC
    stored = the_connection(peer)
    assert stored.state == ZoomConnection.State.CONNECTED
    assert vault.access_token(stored) == token
    assert stored.zoom_user_type == ZoomConnection.UserType.BASIC


def test_a_hanging_profile_read_does_not_hold_the_refresh(peer, emulator, monkeypatch):
    connection = connect(peer, emulator, BASIC)
    expire_access_token(connection)
    monkeypatch.setattr(tokens, "PROFILE_TIMEOUT", 0.5)
    emulator.inject_fault("users_me", "timeout", next=1, hold_seconds=5)
    started = time.monotonic()

    token = tokens.access_token_for(connection.pk)

    assert time.monotonic() - started < 3
    assert vault.access_token(the_connection(peer)) == token
    assert the_connection(peer).zoom_user_type == ZoomConnection.UserType.BASIC


def test_disconnecting_forgets_the_type(peer, emulator):
    connect(peer, emulator, BASIC)

    connection_disconnect(peer=peer)

    assert the_connection(peer).zoom_user_type is None
    assert zoom_meeting_limit(peer) is None


@pytest.mark.parametrize(
    ("minutes", "limit", "expected"),
    [(50, 40, True), (41, 40, True), (40, 40, False), (30, 40, False), (90, None, False)],
)
def test_a_session_longer_than_the_limit_is_cut_off(minutes, limit, expected):
    assert cut_off(minutes, limit) is expected
