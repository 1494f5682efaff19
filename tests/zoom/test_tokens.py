"""The token service against the emulator (DESIGN.md flow 7)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.zoom_support import connect, race_for_token, zoom_user
from zoom import tokens, vault
from zoom.client import ZoomAPI, ZoomAuthError
from zoom.models import AuditEvent, ZoomConnection

EXPIRED = "2000-01-01T00:00Z"


def expire_access_token(connection: ZoomConnection) -> None:
    ZoomConnection.objects.filter(pk=connection.pk).update(access_token_expires_at=EXPIRED)


def endpoints(emulator) -> list[str]:
    return [call["endpoint"] for call in emulator.calls()]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_refreshes_once_when_twenty_workers_race(peer, emulator):
    connection = connect(peer, emulator)
    expire_access_token(connection)
    emulator.clear_calls()
    results = race_for_token(connection.pk, 20, timeout=60)

    assert endpoints(emulator) == ["token", "users_me"]  # one refresh, one user-type read
    assert len(results) == 20
    assert len(set(results)) == 1
    assert ZoomAPI(results[0]).me()["email"] == "lee.licensed@example.com"


@pytest.mark.django_db
def test_it_marks_the_connection_needs_reconnect_on_invalid_grant(client, peer, emulator):
    connection = connect(peer, emulator)
    emulator.deauthorize(zoom_user(emulator, "lee.licensed@example.com")["id"])
    expire_access_token(connection)

    with pytest.raises(ZoomAuthError):
        tokens.access_token_for(connection.pk)

    connection.refresh_from_db()
    assert connection.state == ZoomConnection.State.NEEDS_RECONNECT
    assert connection.refresh_token_encrypted == ""
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.REFRESH_FAILED).count() == 1
    client.force_login(peer)
    pill = client.get(reverse("zoom:status")).content.decode()
    assert "Zoom: Needs reconnect" in pill
    assert "Reconnect" in pill


@pytest.mark.django_db
def test_it_refreshes_and_retries_once_when_zoom_rejects_the_access_token(peer, emulator):
    connection = connect(peer, emulator)
    # Zoom's clock passes the hour while our cache still trusts the token: Zoom answers 401.
    emulator.advance_clock(3700)
    emulator.clear_calls()

    me = tokens.call_zoom(connection.pk, lambda api: api.me())

    assert me["email"] == "lee.licensed@example.com"
    # 401, the refresh and its read of the user type, then the retry.
    assert endpoints(emulator) == ["users_me", "token", "users_me", "users_me"]
    assert [call["status"] for call in emulator.calls()] == [401, 200, 200, 200]


@pytest.mark.django_db
def test_it_retries_with_a_fresh_token_when_the_old_one_was_superseded(peer, emulator):
    emulator.configure(token_tolerance_one=True)
    connection = connect(peer, emulator)
    stale = vault.access_token(connection)
    expire_access_token(connection)
    tokens.access_token_for(connection.pk)  # mints a new token; Zoom kills the old one
    connection.refresh_from_db()
    # Put the superseded token back into the cache, as a slow worker's stale write would.
    vault.store_tokens(connection, _tokenset(stale))
    connection.save()
    emulator.clear_calls()

    tokens.call_zoom(connection.pk, lambda api: api.me())

    assert endpoints(emulator) == ["users_me", "token", "users_me", "users_me"]


def _tokenset(access: str):
    from datetime import UTC, datetime, timedelta

    from zoom.client import TokenSet

    connection = ZoomConnection.objects.get()
    return TokenSet(
        access_token=access,
        refresh_token=vault.refresh_token(connection),
        expires_at=datetime.now(UTC) + timedelta(minutes=50),
        scope=connection.scopes,
    )


@pytest.mark.django_db
def test_it_reuses_the_cached_access_token(peer, emulator):
    connection = connect(peer, emulator)
    emulator.clear_calls()

    for _ in range(10):
        tokens.call_zoom(connection.pk, lambda api: api.me())

    assert endpoints(emulator) == ["users_me"] * 10


@pytest.mark.django_db
def test_a_connection_row_just_read_is_not_read_again(peer, emulator, django_assert_num_queries):
    connection = connect(peer, emulator)
    emulator.clear_calls()

    with django_assert_num_queries(0):
        me = tokens.call_zoom(connection.pk, lambda api: api.me(), as_read=connection)

    assert me["email"] == "lee.licensed@example.com"
    assert endpoints(emulator) == ["users_me"]


@pytest.mark.django_db
def test_a_row_read_before_another_worker_rotated_the_token_still_gets_through(peer, emulator):
    emulator.configure(token_tolerance_one=True)
    connection = connect(peer, emulator)
    read_earlier = ZoomConnection.objects.get(pk=connection.pk)
    expire_access_token(connection)
    fresh = tokens.access_token_for(connection.pk)  # another worker refreshes; Zoom kills the old
    emulator.clear_calls()

    me = tokens.call_zoom(connection.pk, lambda api: api.me(), as_read=read_earlier)

    assert me["email"] == "lee.licensed@example.com"
    # The stale token is refused once; the retry reads the row and uses the new token as is.
    assert endpoints(emulator) == ["users_me", "users_me"]
    assert [call["status"] for call in emulator.calls()] == [401, 200]
    assert tokens.access_token_for(connection.pk) == fresh


@pytest.mark.django_db
def test_a_row_read_as_connected_does_not_outlive_a_disconnect(peer, emulator):
    connection = connect(peer, emulator)
    read_earlier = ZoomConnection.objects.get(pk=connection.pk)
    # Meanwhile the peer disconnects: the grant is revoked at Zoom and the row says so.
    emulator.deauthorize(zoom_user(emulator, "lee.licensed@example.com")["id"])
    ZoomConnection.objects.filter(pk=connection.pk).update(
        state=ZoomConnection.State.DISCONNECTED,
        access_token_encrypted="",
        refresh_token_encrypted="",
    )
    emulator.clear_calls()

    with pytest.raises(tokens.ZoomNotConnected):
        tokens.call_zoom(connection.pk, lambda api: api.me(), as_read=read_earlier)

    # One refused call with the old token, then the fresh read stops it: no refresh attempted.
    assert [(c["endpoint"], c["status"]) for c in emulator.calls()] == [("users_me", 401)]
