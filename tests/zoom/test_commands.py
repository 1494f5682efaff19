"""zoom_maintenance, rotate_token_keys and generate_token_key."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from peerakeet.lib.crypto import DecryptionError, Keyring, new_key_entry, parse_keyring
from tests.zoom_support import BASIC, connect, zoom_user
from zoom import vault
from zoom.models import AuditEvent, ZoomConnection

pytestmark = pytest.mark.django_db


def run(name: str, *args: str) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def make_idle(connection: ZoomConnection, days: int) -> None:
    ZoomConnection.objects.filter(pk=connection.pk).update(
        refreshed_at=timezone.now() - timedelta(days=days)
    )


# --- zoom_maintenance -------------------------------------------------------------------------


def test_it_refreshes_grants_idle_for_more_than_thirty_days(peer, other_peer, emulator):
    idle = connect(peer, emulator)
    busy = connect(other_peer, emulator, BASIC)
    make_idle(idle, 31)
    make_idle(busy, 29)
    old_refresh = vault.refresh_token(idle)
    emulator.clear_calls()

    output = run("zoom_maintenance")

    assert "refresh idle grants: refreshed 1, refused 0, failed 0, skipped 0" in output
    # The refresh, then the profile read that keeps the Zoom user type current.
    assert [call["endpoint"] for call in emulator.calls()] == ["token", "users_me"]
    idle.refresh_from_db()
    assert vault.refresh_token(idle) != old_refresh
    assert idle.refreshed_at is not None
    assert idle.refreshed_at > timezone.now() - timedelta(minutes=1)


def test_it_counts_a_refused_grant_and_marks_it_needs_reconnect(peer, emulator):
    connection = connect(peer, emulator)
    make_idle(connection, 40)
    emulator.deauthorize(zoom_user(emulator, "lee.licensed@example.com")["id"])

    output = run("zoom_maintenance")

    assert "refused 1" in output
    connection.refresh_from_db()
    assert connection.state == ZoomConnection.State.NEEDS_RECONNECT


def test_it_counts_zoom_being_down_and_keeps_the_grant(peer, emulator):
    connection = connect(peer, emulator)
    make_idle(connection, 40)
    emulator.inject_fault("token", "503", next=1)

    output = run("zoom_maintenance")

    assert "failed 1" in output
    connection.refresh_from_db()
    assert connection.state == ZoomConnection.State.CONNECTED


def test_it_never_prints_a_token(peer, emulator):
    connection = connect(peer, emulator)
    make_idle(connection, 40)

    output = run("zoom_maintenance")

    connection.refresh_from_db()
    assert vault.refresh_token(connection) not in output
    assert vault.access_token(connection) not in output


# --- rotate_token_keys --------------------------------------------------------------------


def test_it_reencrypts_every_token_under_the_newest_key(peer, other_peer, emulator, settings):
    old = new_key_entry("k1")
    settings.PEERAKEET_TOKEN_KEYS = old
    first, second = connect(peer, emulator), connect(other_peer, emulator, BASIC)
    plain = {c.pk: (vault.refresh_token(c), vault.access_token(c)) for c in (first, second)}
    settings.PEERAKEET_TOKEN_KEYS = f"{new_key_entry('k2')},{old}"

    output = run("rotate_token_keys")

    assert "re-encrypted 2, already current 0, unreadable 0" in output
    for connection in ZoomConnection.objects.all():
        assert Keyring.key_id_of(connection.refresh_token_encrypted) == "k2"
        assert Keyring.key_id_of(connection.access_token_encrypted) == "k2"
        assert (vault.refresh_token(connection), vault.access_token(connection)) == plain[
            connection.pk
        ]
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.KEYS_ROTATED).count() == 2


def test_it_leaves_tokens_unreadable_by_the_old_key_alone(peer, emulator, settings):
    old = new_key_entry("k1")
    settings.PEERAKEET_TOKEN_KEYS = old
    connect(peer, emulator)
    settings.PEERAKEET_TOKEN_KEYS = f"{new_key_entry('k2')},{old}"
    run("rotate_token_keys")

    settings.PEERAKEET_TOKEN_KEYS = old
    connection = ZoomConnection.objects.get()

    with pytest.raises(DecryptionError):
        vault.refresh_token(connection)


def test_it_is_a_no_op_the_second_time(peer, emulator, settings):
    old = new_key_entry("k1")
    settings.PEERAKEET_TOKEN_KEYS = old
    connect(peer, emulator)
    settings.PEERAKEET_TOKEN_KEYS = f"{new_key_entry('k2')},{old}"
    run("rotate_token_keys")

    assert "re-encrypted 0, already current 1" in run("rotate_token_keys")


def test_it_fails_loudly_when_a_key_is_missing(peer, emulator, settings):
    settings.PEERAKEET_TOKEN_KEYS = new_key_entry("k1")
    connect(peer, emulator)
    settings.PEERAKEET_TOKEN_KEYS = new_key_entry("k2")

    with pytest.raises(CommandError):
        run("rotate_token_keys")


# --- generate_token_key -------------------------------------------------------------------


def test_it_prints_a_usable_key_entry():
    entry = run("generate_token_key", "k7").strip()

    ring = parse_keyring(entry)
    assert ring.current_id == "k7"
    assert ring.decrypt(ring.encrypt("x", associated_data="a"), associated_data="a") == "x"


def test_it_refuses_a_bad_key_id():
    with pytest.raises(CommandError):
        run("generate_token_key", "not a valid id!")
