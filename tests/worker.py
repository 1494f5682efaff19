"""Run the real task worker (django-tasks-db's db_worker) inside a test."""

from __future__ import annotations

from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def run_worker() -> None:
    """Drain the tasks that are due now, with the real worker command."""
    call_command(
        "db_worker", batch=True, no_startup_delay=True, reload=False, interval=0, verbosity=0
    )


def thread_worker(*, worker_id: str, interval: float = 0, batch: bool = True) -> Worker:
    """The Worker that ``db_worker`` builds, for a thread: ``call_command("db_worker")`` cannot
    run outside the main thread (it installs signal handlers)."""
    return Worker(
        queue_names=["default"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


def pending_tasks() -> int:
    return (
        DBTaskResult.objects.ready().count()
        + DBTaskResult.objects.filter(status="READY", run_after__gt=timezone.now()).count()
    )


def run_until_quiet(*, rounds: int = 30, skip_delays: bool = True) -> int:
    """Run the worker until no task is left, bringing retries scheduled for later forward to now
    (the test controls time; the delays themselves are checked in their own tests)."""
    for done in range(1, rounds + 1):
        if skip_delays:
            DBTaskResult.objects.filter(status="READY", run_after__gt=timezone.now()).update(
                run_after=timezone.now()
            )
        run_worker()
        assert_no_failed_tasks()
        if not DBTaskResult.objects.filter(status="READY").exists():
            return done
    raise AssertionError(f"tasks still queued after {rounds} worker runs")


def assert_no_failed_tasks() -> None:
    failed = DBTaskResult.objects.filter(status="FAILED").first()
    if failed is not None:
        raise AssertionError(f"task {failed.task_path} failed:\n{failed.traceback}")
