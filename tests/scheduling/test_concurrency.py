"""Rate limits, retries and two real workers racing: still exactly one meeting per session."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, timedelta
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from scheduling.meetings import provision_meeting
from scheduling.models import SupportSession, ZoomMeeting
from tests.scheduling.conftest import book
from tests.worker import run_until_quiet, run_worker
from tests.zoom_support import CLIENT_ID, CLIENT_SECRET, LICENSED, connect, zoom_user

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def use_up_the_daily_create_limit(emulator) -> None:
    user = zoom_user(emulator, LICENSED)
    tokens = emulator.issue_tokens(
        user["id"],
        redirect_uri=settings.ZOOM_REDIRECT_URI,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )
    emulator.configure(qps_limits=False)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    with httpx.Client(base_url=settings.ZOOM_API_URL, headers=headers) as http:
        for _ in range(100):
            assert (
                http.post("/users/me/meetings", json={"topic": "filler", "type": 2}).status_code
                == 201
            )
    emulator.configure(qps_limits=True)


def test_the_daily_limit_is_retried_after_zoom_resets_it(peer, participant, emulator):
    today = emulator.clock().astimezone(UTC)
    emulator.set_clock(today.replace(hour=23, minute=58, second=0, microsecond=0))
    use_up_the_daily_create_limit(emulator)
    connect(peer, emulator)
    session = book(peer, participant)

    run_worker()

    # (The participant's "confirmed" email waits its minute for the meeting beside it.)
    retry = DBTaskResult.objects.get(status="READY", task_path__endswith=".provision_meeting")
    assert retry.run_after > timezone.now() + timedelta(seconds=60)
    assert emulator.calls("create_meeting")[-1]["status"] == 429
    assert not ZoomMeeting.objects.exists()
    session.refresh_from_db()
    assert session.provisioning == SupportSession.Provisioning.PENDING

    emulator.advance_clock(180)  # past 00:00 UTC in Zoom's clock
    run_until_quiet()

    assert ZoomMeeting.objects.filter(session=session, removed_at__isnull=True).count() == 1


def test_a_per_second_429_is_retried(connected_peer, participant, emulator):
    emulator.inject_fault("create_meeting", "429", next=1)
    session = book(connected_peer, participant)

    run_until_quiet()

    assert ZoomMeeting.objects.filter(session=session).count() == 1


def test_a_timeout_is_reconciled_before_trying_again(
    connected_peer, participant, emulator, settings
):
    settings.ZOOM_HTTP_TIMEOUT = 0.5
    from zoom import client

    client._pool = None  # the pooled client picks up the shorter timeout
    emulator.inject_fault("create_meeting", "timeout", next=1, hold_seconds=1.5)
    session = book(connected_peer, participant)

    try:
        run_until_quiet()
    finally:
        client._pool = None

    assert len(emulator.meetings()) == 1
    assert ZoomMeeting.objects.filter(session=session).count() == 1


def test_a_task_run_twice_makes_one_meeting(connected_peer, participant, emulator):
    session = book(connected_peer, participant)
    provision_meeting.enqueue(session.pk)

    run_until_quiet()

    assert len(emulator.meetings()) == 1


def made(emulator) -> list[dict]:
    """Creates Zoom carried out. (A request an earlier test left held by a "timeout" fault can
    still land in this test's log, as a 504 that changed nothing.)"""
    return [call for call in emulator.calls("create_meeting") if call["status"] == 201]


def _worker_env() -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env.update(
        DATABASE_URL=url,
        ZOOM_OAUTH_URL=settings.ZOOM_OAUTH_URL,
        ZOOM_API_URL=settings.ZOOM_API_URL,
        ZOOM_CLIENT_ID=settings.ZOOM_CLIENT_ID,
        ZOOM_CLIENT_SECRET=settings.ZOOM_CLIENT_SECRET,
        ZOOM_REDIRECT_URI=settings.ZOOM_REDIRECT_URI,
        PEERAKEET_TOKEN_KEYS=settings.PEERAKEET_TOKEN_KEYS,
        PEERAKEET_ENV="development",
        # A loaded CI machine must not turn a slow answer into a timeout (that path has tests).
        ZOOM_HTTP_TIMEOUT="60",
    )
    return env


def start_workers(count: int, *, concurrency: int = 0) -> list[subprocess.Popen[bytes]]:
    """``count`` worker processes: django-tasks-db's ``db_worker``, or with ``concurrency``
    our ``task_worker`` running that many tasks at once in each."""
    command = [
        sys.executable,
        "manage.py",
        "db_worker",
        "--batch",
        "--no-startup-delay",
        "--no-reload",
    ]
    if concurrency:
        command = [
            sys.executable,
            "manage.py",
            "task_worker",
            "--batch",
            "--concurrency",
            str(concurrency),
            "--interval",
            "0.05",
        ]
    return [
        subprocess.Popen(
            command, cwd=ROOT, env=_worker_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        for _ in range(count)
    ]


def wait(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        _, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err.decode()[-2000:]


# Each worker test runs with django-tasks-db's db_worker (one task at a time per process) and
# with task_worker --concurrency N (N at once per process, in threads).
CONCURRENCY = pytest.mark.parametrize("concurrency", [0, 8], ids=["db_worker", "threads8"])


@pytest.mark.postgres
@CONCURRENCY
def test_two_workers_racing_one_session_make_one_meeting(
    connected_peer, participant, emulator, concurrency
):
    emulator.set_latency("create_meeting", ms=400)
    session = book(connected_peer, participant)
    provision_meeting.enqueue(session.pk)  # the same work, queued twice

    wait(start_workers(2, concurrency=concurrency))
    run_until_quiet()

    assert len(made(emulator)) == 1
    assert len(emulator.meetings()) == 1
    assert ZoomMeeting.objects.filter(session=session).count() == 1


@pytest.mark.postgres
@pytest.mark.parametrize("concurrency", [0, 4], ids=["db_worker", "threads4"])
def test_four_workers_on_many_sessions_make_exactly_one_meeting_each(
    participant, emulator, concurrency
):
    from tests.personas import make_peer

    emulator.configure(qps_limits=False)
    emulator.set_latency("create_meeting", ms=20)
    sessions = []
    for index in range(4):
        peer = make_peer(f"racer{index}@example.org", f"Racer {index}")
        zoom = emulator.add_user(
            f"racer{index}@zoom.example.org", first_name="R", last_name=str(index), type=2
        )
        connect(peer, emulator, zoom["email"])
        for day in range(1, 13):
            session = book(peer, participant, starts_in=timedelta(days=day, minutes=index * 60))
            provision_meeting.enqueue(session.pk)  # every session queued twice
            sessions.append(session)

    wait(start_workers(4, concurrency=concurrency))
    run_until_quiet()

    creates = made(emulator)
    assert len(creates) == len(sessions) == 48
    assert ZoomMeeting.objects.filter(removed_at__isnull=True).count() == 48
    agendas = sorted(m["agenda"] for m in emulator.meetings())
    assert agendas == sorted(f"Peerakeet ref {s.reference}" for s in sessions)
