"""Background work (django-tasks, database backend). Thin shells over scheduling.meetings.

A run that must be retried enqueues the same task again with ``run_after``; every task is
idempotent, so a duplicate or a re-run after a worker died does no harm.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from smtplib import SMTPException

from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from scheduling import meetings, notifications
from scheduling.models import SupportSession, ZoomMeeting

log = logging.getLogger(__name__)


@task()
def provision_meeting(session_id: int) -> str:
    outcome = meetings.provision(session_id)
    if isinstance(outcome, meetings.Retry):
        when = _later(outcome.delay)
        SupportSession.objects.filter(pk=session_id).update(next_attempt_at=when)
        provision_meeting.using(run_after=when).enqueue(session_id)
        return f"retry in {outcome.delay:.1f}s: {outcome.reason}"
    return outcome


@task()
def remove_meeting(meeting_id: int, attempt: int = 0) -> str:
    outcome = meetings.remove(meeting_id, attempt)
    if isinstance(outcome, meetings.Retry):
        when = _later(outcome.delay)
        ZoomMeeting.objects.filter(pk=meeting_id).update(next_attempt_at=when)
        remove_meeting.using(run_after=when).enqueue(meeting_id, attempt + 1)
        return f"retry in {outcome.delay:.1f}s: {outcome.reason}"
    return outcome


def _later(seconds: float) -> datetime:
    return timezone.now() + timedelta(seconds=seconds)


@task()
def update_meeting(meeting_id: int, attempt: int = 0) -> str:
    outcome = meetings.update(meeting_id, attempt)
    if isinstance(outcome, meetings.Retry):
        when = _later(outcome.delay)
        update_meeting.using(run_after=when).enqueue(meeting_id, attempt + 1)
        return f"retry in {outcome.delay:.1f}s: {outcome.reason}"
    return outcome


# Zoom work first: an email may wait a moment, a meeting link should not.
@task(priority=-10)
def announce_meeting(meeting_id: int, kind: str, sequence: int) -> str:
    return notifications.announce_meeting(meeting_id, kind, sequence)


@task(priority=-10)
def send_notifications(notification_ids: list[int]) -> str:
    """The emails of one event (both people of a session), in one queue row instead of one per
    person. Each is sent as ``send_notification`` sends it and retried alone if its mail fails;
    one that fails otherwise is queued on its own, so it fails visibly without holding the rest.
    """
    outcomes = []
    for notification_id in notification_ids:
        try:
            outcomes.append(send_notification.call(notification_id))
        except Exception as exc:
            log.warning("Notification %s failed (%s); queued on its own", notification_id,
                        type(exc).__name__)  # fmt: skip
            send_notification.enqueue(notification_id)
            outcomes.append("queued on its own")
    return "; ".join(outcomes)


@task(priority=-10)
def send_notification(notification_id: int, attempt: int = 0) -> str:
    try:
        return notifications.send(notification_id)
    except (OSError, SMTPException):
        # The mail server is down or refused: try again later, a few times.
        if attempt >= 8:
            raise
        when = _later(meetings.backoff(attempt + 1) * 4)
        send_notification.using(run_after=when).enqueue(notification_id, attempt + 1)
        return "retry: mail server unavailable"


class WorkerLost(Exception):
    """The worker running this task stopped without recording a result; the task was queued
    again."""


# Far longer than any task runs: every Zoom and SMTP call gives up within seconds.
LOST_AFTER = timedelta(minutes=10)
# A task lost this many times is itself what kills its workers (out of memory, say): stop.
MAX_LOST = 3


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


def _times_lost(run: DBTaskResult) -> int:
    """Earlier runs of the same task (same path and arguments) lost with their worker."""
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.FAILED,
        task_path=run.task_path,
        args_kwargs=run.args_kwargs,
        exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
    ).count()
