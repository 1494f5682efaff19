"""DESIGN.md's concurrency invariants at scale, on PostgreSQL with real row locks.

tests/zoom/test_tokens.py races 20 threads for one refresh and tests/scheduling/test_concurrency.py
runs 4 workers on 48 sessions; these push the same properties to 50 racers and 500 sessions and
count every call Zoom received.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from scheduling.models import SupportSession, ZoomMeeting
from tests.personas import make_peer
from tests.scheduling.conftest import book
from tests.scheduling.test_concurrency import start_workers, wait
from tests.worker import run_until_quiet
from tests.zoom.test_tokens import endpoints, expire_access_token
from tests.zoom_support import connect, race_for_token
from zoom import tokens
from zoom.client import ZoomAPI

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RACERS = 50
SESSIONS = 500
PEERS = 10


def test_fifty_racers_for_one_expired_token_spend_the_refresh_token_once(peer, emulator):
    connection = connect(peer, emulator)
    expire_access_token(connection)
    # A slow token endpoint keeps the row lock held while the other 49 pile up behind it.
    emulator.set_latency("token", ms=300)
    emulator.clear_calls()
    results = race_for_token(connection.pk, RACERS)

    assert endpoints(emulator) == ["token", "users_me"]  # one refresh, one user-type read
    assert len(results) == RACERS
    assert len(set(results)) == 1
    assert ZoomAPI(results[0]).me()["id"]
    (grant,) = [g for g in emulator.grants() if g["active"]]
    assert grant["refresh_count"] == 1
    # The refresh token stored by the winner is the live one: it refreshes again.
    assert tokens.refresh_idle(connection.pk, idle_before=timezone.now() + timedelta(days=1))


@pytest.mark.parametrize("concurrency", [0, 4], ids=["db_worker", "threads4"])
def test_four_workers_on_five_hundred_sessions_make_exactly_five_hundred_meetings(
    participant, emulator, concurrency
):
    emulator.configure(qps_limits=False, daily_limits=False)
    sessions: list[SupportSession] = []
    for index in range(PEERS):
        peer = make_peer(f"scale{index}@example.org", f"Scale {index}")
        zoom = emulator.add_user(
            f"scale{index}@zoom.example.org", first_name="S", last_name=str(index), type=2
        )
        connect(peer, emulator, zoom["email"])
        for slot in range(SESSIONS // PEERS):
            sessions.append(book(peer, participant, starts_in=timedelta(days=1, hours=slot)))
    emulator.clear_calls()

    wait(start_workers(4, concurrency=concurrency))
    run_until_quiet()

    calls = emulator.calls()
    assert [c for c in calls if c["endpoint"] != "create_meeting"] == []
    assert len(calls) == SESSIONS
    assert all(c["status"] == 201 for c in calls)
    assert ZoomMeeting.objects.count() == SESSIONS
    assert ZoomMeeting.objects.filter(removed_at__isnull=True).count() == SESSIONS
    agendas = sorted(m["agenda"] for m in emulator.meetings())
    assert agendas == sorted(f"Peerakeet ref {s.reference}" for s in sessions)
    assert not SupportSession.objects.exclude(provisioning=SupportSession.Provisioning.IDLE)
