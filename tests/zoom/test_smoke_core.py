from __future__ import annotations

import pytest

from tests.zoom_support import connect
from zoom import tokens, vault
from zoom.models import ZoomConnection


@pytest.mark.django_db
def test_it_connects_with_one_token_exchange_and_one_profile_read(peer, emulator):
    emulator.clear_calls()
    connection = connect(peer, emulator)

    assert connection.state == ZoomConnection.State.CONNECTED
    assert connection.zoom_email == "lee.licensed@example.com"
    assert [c["endpoint"] for c in emulator.calls()] == ["token", "users_me"]
    assert vault.access_token(connection).startswith("eyJ")


@pytest.mark.django_db
def test_it_refreshes_an_expired_token_once(peer, emulator):
    connection = connect(peer, emulator)
    emulator.advance_clock(3700)
    ZoomConnection.objects.filter(pk=connection.pk).update(
        access_token_expires_at="2000-01-01T00:00Z"
    )
    emulator.clear_calls()

    me = tokens.call_zoom(connection.pk, lambda api: api.me())

    assert me["email"] == "lee.licensed@example.com"
    # The refresh, its read of the user type, then the call itself.
    assert [c["endpoint"] for c in emulator.calls()] == ["token", "users_me", "users_me"]
