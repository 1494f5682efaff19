"""task_worker --concurrency N (peerakeet/worker.py): several Zoom tasks at once per worker,
every invariant kept. The lease and one-meeting rule with threads are also run in
tests/scheduling/test_concurrency.py and tests/chaos/test_concurrency_at_scale.py."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from peerakeet.worker import ConcurrentWorker
from scheduling.models import SupportSession, ZoomMeeting
from tests.personas import make_peer
from tests.scheduling.conftest import book
from tests.scheduling.test_concurrency import ROOT, _worker_env, start_workers, wait
from tests.worker import run_until_quiet
from tests.zoom.test_tokens import expire_access_token
from tests.zoom_support import connect

PEERS = 3
PER_PEER = 16


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_tasks_at_once_refresh_each_token_once_and_make_one_meeting_each(
    participant, emulator
):
    # Every peer's access token has expired: their sixteen tasks, running at once, race for it.
    emulator.configure(qps_limits=False, daily_limits=False)
    emulator.set_latency("token", ms=200)
    emulator.set_latency("create_meeting", ms=100)
    sessions = []
    for index in range(PEERS):
        peer = make_peer(f"slots{index}@example.org", f"Slots {index}")
        zoom = emulator.add_user(f"slots{index}@zoom.example.org", type=2)
        expire_access_token(connect(peer, emulator, zoom["email"]))
        for hour in range(PER_PEER):
            sessions.append(book(peer, participant, starts_in=timedelta(days=1, hours=hour)))
    emulator.clear_calls()

    started = time.monotonic()
    wait(start_workers(2, concurrency=8))
    took = time.monotonic() - started
    run_until_quiet()

    calls = emulator.calls()
    assert [c["endpoint"] for c in calls].count("token") == PEERS  # one refresh per grant
    creates = [c for c in calls if c["endpoint"] == "create_meeting"]
    assert len(creates) == len(sessions) == PEERS * PER_PEER
    assert all(c["status"] == 201 for c in creates)
    assert ZoomMeeting.objects.filter(removed_at__isnull=True).count() == len(sessions)
    assert sorted(m["agenda"] for m in emulator.meetings()) == sorted(
        f"Peerakeet ref {s.reference}" for s in sessions
    )
    assert not SupportSession.objects.exclude(provisioning=SupportSession.Provisioning.IDLE)
    # 48 creates of 100 ms on 16 slots: about 0.3 s of Zoom time, not 4.8 s one at a time
    # (the bound is loose: the processes' start-up and a loaded CI machine are in it).
    assert took < 4.8 + 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sigterm_lets_running_tasks_finish(participant, connected_peer, emulator):
    emulator.set_latency("create_meeting", ms=1500)
    sessions = [
        book(connected_peer, participant, starts_in=timedelta(days=1, hours=h)) for h in range(3)
    ]
    stop_once(task_worker(4), until=lambda: running() or None, what="the worker never called Zoom")
    # The creates in flight when the signal came finished and were stored; none was cut short.
    assert not running()
    assert ZoomMeeting.objects.count() == len(emulator.meetings()) >= 1
    run_until_quiet()
    assert ZoomMeeting.objects.count() == len(sessions)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_busy_worker_claims_one_task_ahead_and_puts_it_back_on_a_stop(
    participant, connected_peer, emulator
):
    emulator.set_latency("create_meeting", ms=3000)
    sessions = [
        book(connected_peer, participant, starts_in=timedelta(days=1, hours=h)) for h in range(4)
    ]

    def claimed_ahead() -> bool | None:
        if provisioning("RUNNING") < 2:  # one on the slot, one claimed for when it frees
            return None
        time.sleep(0.5)
        return provisioning("RUNNING") == 2  # and no more than one ahead

    claimed = stop_once(task_worker(1), until=claimed_ahead, what="the worker never claimed ahead")
    assert claimed
    # The running create finished; the task claimed ahead is back in the queue, unstarted.
    assert (provisioning("RUNNING"), provisioning("SUCCESSFUL"), provisioning("READY")) == (0, 1, 3)
    assert not DBTaskResult.objects.filter(status="READY", started_at__isnull=False).exists()
    assert ZoomMeeting.objects.count() == len(emulator.meetings()) == 1
    emulator.set_latency("create_meeting", ms=0)
    run_until_quiet()
    assert ZoomMeeting.objects.filter(removed_at__isnull=True).count() == len(sessions)


def task_worker(concurrency: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "manage.py", "task_worker", "--concurrency", str(concurrency),
         "--interval", "0.05"],
        cwd=ROOT, env=_worker_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def stop_once(worker: subprocess.Popen[bytes], *, until: Any, what: str) -> Any:
    """Waits (30 s at most) for ``until()`` to answer something other than None, sends SIGTERM,
    checks the worker then exits cleanly, and returns that answer."""
    try:
        deadline = time.monotonic() + 30
        while (seen := until()) is None:
            assert time.monotonic() < deadline, what
            time.sleep(0.05)
        worker.send_signal(signal.SIGTERM)
        _, err = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, err.decode()[-2000:]
    return seen


def provisioning(status: str) -> int:
    return DBTaskResult.objects.filter(
        status=status, task_path__endswith="provision_meeting"
    ).count()


def running() -> bool:
    return DBTaskResult.objects.filter(
        status="RUNNING", task_path__endswith="provision_meeting"
    ).exists()


@pytest.mark.django_db(transaction=True)
def test_the_command_runs_the_queue_with_several_slots(participant, connected_peer, emulator):
    """In this process, on whichever database the suite runs (the demo's SQLite included)."""
    emulator.set_latency("create_meeting", ms=100)
    sessions = [
        book(connected_peer, participant, starts_in=timedelta(days=1, hours=h)) for h in range(6)
    ]

    call_command("task_worker", batch=True, concurrency=3, interval=0.01, verbosity=0)

    assert ZoomMeeting.objects.filter(removed_at__isnull=True).count() == len(sessions)
    # Nothing runnable is left, nothing failed or was cut short. The "confirmed" emails wait
    # (run_after) for a minute in case "link ready" can fold into them: those stay queued.
    assert not DBTaskResult.objects.ready().exists()
    assert not DBTaskResult.objects.filter(status__in=["RUNNING", "FAILED"]).exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [({"concurrency": 0}, "--concurrency"), ({"concurrency": 65}, "--concurrency"),
     ({"interval": -1.0}, "--interval")],
)  # fmt: skip
def test_it_refuses_nonsense_and_runs_nothing(options, message):
    with pytest.raises(CommandError, match=message):
        call_command("task_worker", batch=True, **options)


@pytest.mark.django_db
def test_its_claim_asks_the_database_what_db_workers_claim_asks(participant, connected_peer):
    for hour in (1, 2, 3):  # three provisioning tasks, ready now
        book(connected_peer, participant, starts_in=timedelta(days=1, hours=hour))
    later = book(connected_peer, participant, starts_in=timedelta(days=2))
    DBTaskResult.objects.filter(args_kwargs__args=[later.pk]).update(
        run_after=timezone.now() + timedelta(hours=1)
    )
    worker = ConcurrentWorker(concurrency=2, interval=0.1, batch=True, worker_id="w-1")
    with time_machine.travel(timezone.now(), tick=False), transaction.atomic():
        with CaptureQueriesContext(connection) as theirs:
            expected = (
                DBTaskResult.objects.ready()
                .filter(backend_name="default", queue_name__in=["default"])
                .get_locked()
            )
        with CaptureQueriesContext(connection) as ours:
            found = worker._next_ready.objects(timezone.now())

    assert [q["sql"] for q in ours.captured_queries] == [q["sql"] for q in theirs.captured_queries]
    assert expected is not None
    assert [t.pk for t in found] == [expected.pk]
    in_order = list(DBTaskResult.objects.ready().values_list("pk", flat=True))
    assert len(in_order) >= 3
    claimed = [worker._claim() for _ in range(len(in_order) + 1)]

    assert [t.pk for t in claimed[:-1] if t] == in_order  # the queue's order, each once
    assert claimed[-1] is None  # the later task is not ready yet
    assert DBTaskResult.objects.get(args_kwargs__args=[later.pk]).status == "READY"
    assert all(t.status == "RUNNING" and t.worker_ids == ["w-1"] for t in claimed if t)
    assert DBTaskResult.objects.filter(pk__in=in_order, status="RUNNING").count() == len(in_order)
