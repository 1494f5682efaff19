"""Zoom's events racing a reconnect, and events about a meeting we hold for another host (#15)."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection as db_connection
from django.db import transaction
from django.test import Client
from django.utils import timezone

from scheduling.models import ZoomMeeting
from tests.scheduling.conftest import book
from tests.worker import run_until_quiet
from tests.zoom.test_webhook import deauthorized, deliver
from tests.zoom_support import BASIC, LICENSED, connect, zoom_user
from zoom import tokens
from zoom.models import ZoomConnection


def the_connection(peer: Any) -> ZoomConnection:
    return ZoomConnection.objects.get(peer=peer)


def connected_at(peer: Any) -> datetime:
    when = the_connection(peer).connected_at
    assert when is not None
    return when


def still_works(connection: ZoomConnection, zoom_user_id: str) -> bool:
    """Connected here, and its grant alive at Zoom."""
    me = tokens.call_zoom(connection.pk, lambda api: api.me())
    return connection.state == ZoomConnection.State.CONNECTED and me["id"] == zoom_user_id


# --- A Marketplace removal against a reconnect ---------------------------------------------


@pytest.mark.django_db
def test_a_whole_second_removal_of_the_replaced_grant_leaves_the_reconnect(client, emulator, peer):
    lee = zoom_user(emulator, LICENSED)
    connect(peer, emulator)
    emulator.deauthorize(lee["id"])  # the old grant is removed; Zoom's event is late
    connect(peer, emulator)
    # Zoom stamps whole seconds: rounded, the old removal reads as the second after.
    stamp = connected_at(peer).replace(microsecond=0) + timedelta(seconds=1)

    response = deliver(client, deauthorized(lee, when=stamp))

    assert response.status_code == 200
    assert still_works(the_connection(peer), lee["id"])


@pytest.mark.django_db
def test_a_whole_second_removal_two_seconds_after_the_connect_ends_it(
    client, emulator, connected_peer
):
    lee = zoom_user(emulator, LICENSED)
    stamp = connected_at(connected_peer).replace(microsecond=0) + timedelta(seconds=2)

    deliver(client, deauthorized(lee, when=stamp))

    assert the_connection(connected_peer).state == ZoomConnection.State.DISCONNECTED


def wait_for_a_lock_wait(timeout: float = 10.0) -> None:
    """Until another backend of this database is waiting for a row lock."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db_connection.cursor() as cursor:
            # Inside a transaction PostgreSQL keeps its first snapshot of pg_stat_activity.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError("the webhook never waited for the connection's row lock")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_removal_that_waited_for_the_row_lock_sees_the_reconnect_it_waited_for(emulator, peer):
    lee = zoom_user(emulator, LICENSED)
    connect(peer, emulator)
    hour_ago = timezone.now() - timedelta(hours=1)
    ZoomConnection.objects.filter(peer=peer).update(connected_at=hour_ago)
    emulator.deauthorize(lee["id"])  # removes the grant of an hour ago
    removal = deauthorized(lee, when=timezone.now())
    answers: list[int] = []

    def zoom_delivers() -> None:
        try:
            answers.append(deliver(Client(), removal).status_code)
        finally:
            db_connection.close()

    webhook = threading.Thread(target=zoom_delivers)
    with transaction.atomic():
        # The peer reconnects while Zoom's event arrives: the reconnect holds the row.
        ZoomConnection.objects.select_for_update().get(peer=peer)
        webhook.start()
        wait_for_a_lock_wait()
        connect(peer, emulator)
    webhook.join(timeout=30)

    assert answers == [200]
    assert still_works(the_connection(peer), lee["id"])


# --- meeting.deleted about a meeting id we hold for another host ---------------------------


def meeting_deleted(meeting_id: int, host: dict[str, Any]) -> bytes:
    event = {
        "event": "meeting.deleted",
        "event_ts": int(timezone.now().timestamp() * 1000),
        "payload": {
            "account_id": host["account_id"],
            "operator": host["email"],
            "operator_id": host["id"],
            "operation": "single",
            "object": {"id": meeting_id, "host_id": host["id"], "uuid": "x==", "type": 2},
        },
    }
    return json.dumps(event, separators=(",", ":")).encode()


@pytest.mark.django_db(transaction=True)
def test_a_meeting_deleted_by_another_host_leaves_ours(
    client, emulator, connected_peer, other_peer, participant
):
    connect(other_peer, emulator, BASIC)
    session = book(connected_peer, participant)
    run_until_quiet()
    [ours] = emulator.meetings()
    # Zoom reuses the ids of expired meetings: Casey's deleted meeting may carry one we hold.
    casey = zoom_user(emulator, BASIC)

    response = deliver(client, meeting_deleted(ours["id"], casey))
    run_until_quiet()

    assert response.status_code == 200
    live = ZoomMeeting.objects.get(session=session, removed_at__isnull=True)
    assert live.zoom_meeting_id == ours["id"]
    assert [m["id"] for m in emulator.meetings()] == [ours["id"]]
