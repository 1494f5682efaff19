"""The minute sweep: work a dead worker left behind is queued again (``manage.py sweep_sessions``).

Safe to run at any time, from any number of machines: every task is idempotent and provisioning
holds a lease (scheduling.meetings).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from scheduling.meetings import (
    provision_meeting,
    remove_meeting,
    request_provisioning,
    update_meeting,
)
from scheduling.models import SupportSession, ZoomMeeting
from scheduling.selectors import meetings_behind
from zoom.models import ZoomConnection

log = logging.getLogger(__name__)

# Zoom work overdue by this much was left by a dead worker (its task row stays "running").
STALE_AFTER = timedelta(minutes=2)
# Far longer than any task runs: every Zoom and SMTP call gives up within seconds.
LOST_AFTER = timedelta(minutes=10)
# A task lost this many times is itself what kills its workers (out of memory, say): stop.
MAX_LOST = 3
# A session whose meeting Zoom refused is tried again this often, until it starts.
RETRY_FAILED_EVERY = timedelta(days=1)


def sweep_stale_work(*, older_than: timedelta = STALE_AFTER) -> tuple[int, int]:
    """Re-queue Zoom work that a dead worker left behind: (provisions, removals) queued."""
    cutoff = timezone.now() - older_than
    provisions = removals = 0
    with transaction.atomic():
        overdue = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lt=cutoff)
        stale = SupportSession.objects.filter(
            overdue,
            status=SupportSession.Status.CONFIRMED,
            provisioning=SupportSession.Provisioning.PENDING,
            updated_at__lt=cutoff,
        )
        for session in stale:
            provision_meeting.enqueue(session.pk)
            provisions += 1
        stuck = ZoomMeeting.objects.filter(
            overdue, removed_at__isnull=True, removal_requested_at__lt=cutoff, removal_failed=""
        )
        for meeting in stuck:
            remove_meeting.enqueue(meeting.pk)
            removals += 1
        # A create a dead worker may have sent, whatever the session's status now: the task
        # adopts the meeting or, if it is no longer wanted, removes it.
        uncertain = (
            SupportSession.objects.filter(
                create_started_at__lt=cutoff,
                peer__zoom_connection__state=ZoomConnection.State.CONNECTED,
            )
            .filter(
                # Only where the connected account can look (the others wait for the peer).
                Q(create_host_zoom_user_id="")
                | Q(create_host_zoom_user_id=F("peer__zoom_connection__zoom_user_id"))
            )
            .exclude(pk__in=[s.pk for s in stale])
        )
        for session in uncertain:
            provision_meeting.enqueue(session.pk)
            provisions += 1
    return provisions, removals


def sweep_waiting_moves(*, older_than: timedelta = STALE_AFTER) -> int:
    """Send the moves that waited for Zoom (a refused grant, a lost worker) for meetings whose
    host is connected again: how many were queued. The reconnect heal sends most of them at
    once; this catches the rest."""
    cutoff = timezone.now() - older_than
    behind = meetings_behind(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lt=cutoff),
        session__updated_at__lt=cutoff,
        session__peer__zoom_connection__state=ZoomConnection.State.CONNECTED,
        host_zoom_user_id=F("session__peer__zoom_connection__zoom_user_id"),
    )
    queued = 0
    with transaction.atomic():
        for meeting_id in behind.values_list("pk", flat=True):
            update_meeting.enqueue(meeting_id)
            queued += 1
    return queued


def retry_failed_meetings(*, every: timedelta = RETRY_FAILED_EVERY) -> int:
    """Sessions whose Zoom meeting could not be made are tried again once a day until they
    start, whatever Zoom said: an account setting may have been fixed meanwhile."""
    now = timezone.now()
    retried = 0
    with transaction.atomic():
        failed = SupportSession.objects.select_for_update(skip_locked=True).filter(
            status=SupportSession.Status.CONFIRMED,
            provisioning=SupportSession.Provisioning.FAILED,
            has_manual_link=False,
            starts_at__gt=now,
            updated_at__lt=now - every,
            peer__zoom_connection__state=ZoomConnection.State.CONNECTED,
        )
        for session in failed:
            retried += request_provisioning(session)
    return retried


class WorkerLost(Exception):
    """The worker running this task stopped without recording a result; the task was queued
    again."""


def requeue_lost_tasks(*, older_than: timedelta = LOST_AFTER) -> int:
    """Queue again each task that a worker left "running" when it died (SIGKILL, out of memory,
    a lost machine): without this, an email that worker was sending would never go. Tasks are
    idempotent, so a re-run is safe. The lost run is marked failed (``WorkerLost``), which shows
    it to operators and keeps it from being queued twice; one lost ``MAX_LOST`` times is not queued
    again. Returns how many were queued again."""
    cutoff = timezone.now() - older_than
    requeued = 0
    with transaction.atomic():
        lost = list(
            DBTaskResult.objects.select_for_update(skip_locked=True).filter(
                status=TaskResultStatus.RUNNING, started_at__lt=cutoff
            )
        )
        for run in lost:
            if _times_lost(run) + 1 >= MAX_LOST:
                log.error("Task %s (%s) was lost with its worker %s times; not queued again",
                          run.pk, run.task_path, MAX_LOST)  # fmt: skip
                run.set_failed(WorkerLost(f"lost with its worker {MAX_LOST} times; given up"))
                continue
            try:
                again = run.task.using(run_after=timezone.now())
            except (ImportError, SuspiciousOperation):
                log.error("Lost task %s names no task (%s); not queued again", run.pk,
                          run.task_path)  # fmt: skip
            else:
                again.enqueue(*run.args_kwargs["args"], **run.args_kwargs["kwargs"])
                requeued += 1
            run.set_failed(WorkerLost(f"no result {older_than} after it started; queued again"))
    return requeued


# Where WorkerLost lived before scheduling.sweep: runs lost under the old name still count.
_OLD_WORKER_LOST = "scheduling.tasks.WorkerLost"


def _times_lost(run: DBTaskResult) -> int:
    """Earlier runs of the same task (same path and arguments) lost with their worker."""
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.FAILED,
        task_path=run.task_path,
        args_kwargs=run.args_kwargs,
        exception_class_path__in=(
            f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            _OLD_WORKER_LOST,
        ),
    ).count()
