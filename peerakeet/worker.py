"""A task worker that runs several tasks at once (``manage.py task_worker --concurrency N``).

django-tasks-db's ``db_worker`` runs one task at a time, and almost all of a Zoom task's time is
spent waiting for Zoom. This worker keeps django-tasks-db's queue, its claim and its way of
running a task, and runs up to N of them at once in threads:

- one dispatcher thread claims tasks as ``db_worker`` does (the same statement as the backend's
  own ``get_locked()``: ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, compiled once, then
  ``claim()``, in one transaction). It claims the next task while every slot is still busy,
  and holds that one task until a slot frees: the claim's round trips then overlap the running
  tasks' wait on Zoom instead of sitting between one task and the next on a slot
  (docs/benchmarks.md §7). At most one task per worker waits like this; on a stop it is put
  back in the queue unstarted, and a killed worker's is re-queued by the sweep like any task it
  was running;
- each claimed task runs on a pool thread through ``db_worker``'s own ``Worker.run_task`` (the
  same signals, the same success and failure records), with its own database connection.

Every invariant that held between processes holds between threads, because each is a database
lock, not a process boundary: a meeting's create lease and the session row lock, the Zoom
connection row lock around a token refresh, the partial unique index of one live meeting per
session. Task rows are still written by the services in the transaction of the change.

SIGTERM or SIGINT stops claiming and lets running tasks finish; a second one exits at once (the
sweep re-queues whatever was cut short, as it does for a killed ``db_worker``).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from types import FrameType
from typing import Any

from django.db import close_old_connections, connection, router
from django.db.models import Q, QuerySet
from django.db.utils import OperationalError
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult, get_date_max
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from peerakeet.lib.compiled import Compiled

log = logging.getLogger("peerakeet.worker")


class ConcurrentWorker:
    def __init__(
        self,
        *,
        concurrency: int,
        interval: float,
        batch: bool,
        worker_id: str,
        queue_names: tuple[str, ...] = ("default",),
        backend_name: str = "default",
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.concurrency = concurrency
        self.interval = interval
        self.batch = batch
        self.worker_id = worker_id
        self.queue_names = list(queue_names)
        self.backend_name = backend_name
        self.stopping = threading.Event()
        self._free = threading.Semaphore(concurrency)
        self._lock = threading.Lock()
        self._busy = 0
        self.finished = 0
        self._next_ready = Compiled(self._ready, keys=(datetime,))
        # db_worker's task runner: records results and sends task_started / task_finished.
        self._runner = Worker(
            queue_names=self.queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )

    # --- signals ---------------------------------------------------------------------------

    def install_signal_handlers(self) -> dict[int, Any]:
        """SIGINT and SIGTERM stop the worker; returns the handlers they replace."""
        return {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.stopping.is_set():
            log.warning("Second %s: exiting now, tasks cut short", signal.strsignal(signum))
            os._exit(1)
        log.warning(
            "%s: finishing %d running task(s), claiming no more",
            signal.strsignal(signum),
            self._busy,
        )
        self.stopping.set()

    # --- the loop --------------------------------------------------------------------------

    def run(self) -> None:
        log.info("Worker %s: %d slot(s)", self.worker_id, self.concurrency)
        pause = max(self.interval, 0.01)
        waiting: DBTaskResult | None = None  # claimed ahead, for the next slot that frees
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="task-slot") as pool:
            while not self.stopping.is_set():
                if waiting is None:
                    finished_before = self.done
                    waiting = self._claim()
                    if waiting is None:
                        if self.batch and self._quiet_since(finished_before):
                            break
                        close_old_connections()
                        self.stopping.wait(pause)
                        continue
                if not self._free.acquire(timeout=pause):
                    continue  # every slot busy: the claimed task waits (and the stop flag)
                with self._lock:
                    self._busy += 1
                pool.submit(self._execute, waiting)
                waiting = None
            if waiting is not None:
                self._put_back(waiting)
        connection.close()

    @property
    def done(self) -> int:
        with self._lock:
            return self.finished

    def _quiet_since(self, finished_before: int) -> bool:
        """Nothing running now, and nothing finished while the empty claim looked: a task that
        finished meanwhile may have queued a follow-up after the claim's query ran."""
        with self._lock:
            return self._busy == 0 and self.finished == finished_before

    def _claim(self) -> DBTaskResult | None:
        """db_worker's claim: the next ready task, locked and marked as ours. Its read is
        compiled once (peerakeet.lib.compiled): the dispatcher runs it for every task."""
        with exclusive_transaction(router.db_for_write(DBTaskResult)):
            try:
                found = self._next_ready.objects(timezone.now())
                task = found[0] if found else None
                if task is not None:
                    task.claim(self.worker_id)
            except OperationalError as exc:
                if not is_locked_database_exception(exc):
                    raise
                task = None  # SQLite busy: try again
        return task

    def _ready(self, now: datetime) -> QuerySet[DBTaskResult]:
        """``DBTaskResult.objects.ready()…get_locked()`` as db_worker asks it, with the time as
        an argument instead of read inside (tests/test_task_worker.py holds the two alike)."""
        ready = DBTaskResult.objects.filter(status=TaskResultStatus.READY).filter(
            Q(run_after=get_date_max()) | Q(run_after__lte=now)
        )
        mine = ready.filter(backend_name=self.backend_name, queue_name__in=self.queue_names)
        return mine.select_for_update(skip_locked=True)[:1]

    def _put_back(self, task: DBTaskResult) -> None:
        """A task claimed ahead that no slot started: queued again as it was, for any worker."""
        DBTaskResult.objects.filter(pk=task.pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.READY, started_at=None
        )

    def _execute(self, task: DBTaskResult) -> None:
        try:
            close_old_connections()
            self._runner.run_task(task)
        except Exception:  # run_task records a task's failure itself; this is ours
            log.exception("Worker %s: task %s could not be run", self.worker_id, task.id)
        finally:
            close_old_connections()
            with self._lock:
                self._busy -= 1
                self.finished += 1
            self._free.release()
