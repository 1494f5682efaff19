"""The real stack for the browser walk: live_server, the Zoom emulator, and a task worker.

The worker is django-tasks-db's own ``Worker`` loop (what ``manage.py db_worker`` runs), in a
thread beside the live server, so "when the booking is confirmed, Peerakeet creates the Zoom
meeting" happens the way it does in production: a task row, picked up within a fraction of a
second. ``call_command("db_worker")`` cannot run in a thread (it installs signal handlers), so
the thread builds the same Worker the command builds, without the signals.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection
from django_tasks_db.models import DBTaskResult

from scheduling.models import SupportSession
from tests.diary import FROZEN_NOW
from tests.worker import assert_no_failed_tasks, thread_worker


class BackgroundWorker:
    def __init__(self) -> None:
        self.worker = thread_worker(worker_id="guide-walk", interval=0.1, batch=False)
        self.thread = threading.Thread(target=self._run, name="db-worker", daemon=True)

    def _run(self) -> None:
        try:
            self.worker.run()
        finally:
            connection.close()

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.worker.running = False
        self.thread.join(timeout=30)
        assert not self.thread.is_alive(), "the task worker did not stop"


@pytest.fixture
def worker(live_server: Any, transactional_db: None) -> Iterator[BackgroundWorker]:
    """A real task worker running for the whole test; any failed task fails the test."""
    background = BackgroundWorker()
    background.start()
    yield background
    background.stop()
    assert_no_failed_tasks()


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[time_machine.Traveller]:
    """Every walk starts at the same moment (tests.diary.FROZEN_NOW) and lets the clock tick:
    the dates a page shows, and so its screenshot, are the same on every run. time-machine moves
    the clock of every thread in this process (live server, worker, Zoom emulator) alike."""
    with time_machine.travel(FROZEN_NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _quick_passwords(settings: Any) -> None:
    """Argon2 costs a noticeable fraction of a second per persona and per sign-in; hashing is
    not what the walk checks (tests/accounts does), so the walk uses a fast hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """When a walk with a worker fails, say where every thread stood and what the database held:
    a card still "Preparing" after the create answered needs that to be told apart (a lost
    answer, a lock wait, a task never picked up)."""
    report = yield
    if report.when == "call" and report.failed and "worker" in getattr(item, "fixturenames", ()):
        report.sections.append(("worker diagnosis", _diagnosis()))
    return report


def _diagnosis() -> str:
    lines = ["threads:"]
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    for ident, frame in sys._current_frames().items():
        lines.append(f"--- {names.get(ident, ident)}")
        lines.extend(line.rstrip() for line in traceback.format_stack(frame)[-12:])
    try:
        lines.append("tasks:")
        for task in DBTaskResult.objects.order_by("enqueued_at").values_list(
            "task_path", "args_kwargs", "status", "enqueued_at", "run_after", "started_at",
            "finished_at", "return_value",
        ):  # fmt: skip
            lines.append("  " + " | ".join(map(str, task)))
        lines.append("sessions:")
        for row in SupportSession.objects.order_by("pk").values_list(
            "pk", "status", "provisioning", "create_started_at", "provisioning_attempts"
        ):
            lines.append("  " + " | ".join(map(str, row)))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid, application_name, state, wait_event_type, wait_event,"
                    " now() - xact_start, left(query, 160) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                lines.append("database sessions:")
                lines.extend("  " + " | ".join(map(str, row)) for row in cursor.fetchall())
    except Exception as exc:  # the diagnosis must never hide the failure itself
        lines.append(f"(database unreadable: {exc!r})")
    return "\n".join(lines)
