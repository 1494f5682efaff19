"""Delivering email through failures: dead workers, silent or refusing mail servers, races."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from scheduling.models import Notification
from tests.scheduling.conftest import agreed, book
from tests.scheduling.mail import emails_to
from tests.worker import assert_no_failed_tasks, run_worker, thread_worker

pytestmark = pytest.mark.django_db(transaction=True)


def test_emails_a_dead_worker_was_sending_are_sent_by_the_sweep(mailoutbox, peer, participant):
    """A worker killed mid-task (SIGKILL, out of memory) leaves its task "running" forever. The
    minute sweep queues again what has been running for ten minutes, not what is still young."""
    from io import StringIO

    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    agreed(peer, participant)
    agreed(peer, participant, starts_in=timedelta(days=2))
    lost, young = [  # the confirmations (each request's email to the peer is its own task)
        run
        for run in DBTaskResult.objects.filter(task_path__endswith=".send_notifications")
        if len(run.args_kwargs["args"][0]) == 2
    ]
    for run, started in ((lost, timedelta(minutes=11)), (young, timedelta(minutes=2))):
        DBTaskResult.objects.filter(pk=run.pk).update(
            status="RUNNING", started_at=timezone.now() - started, worker_ids=["killed"]
        )

    out = StringIO()
    call_command("sweep_sessions", stdout=out)
    run_worker()

    assert "and 1 task(s) lost with their worker" in out.getvalue()
    lost.refresh_from_db()
    assert lost.status == "FAILED"
    assert lost.exception_class_path == "scheduling.sweep.WorkerLost"
    [again] = DBTaskResult.objects.filter(args_kwargs=lost.args_kwargs).exclude(pk=lost.pk)
    assert again.status == "SUCCESSFUL"
    assert len(emails_to(mailoutbox, participant, "confirmed")) == 1  # the young run's: unsent
    assert len(emails_to(mailoutbox, peer, "confirmed")) == 1
    young.refresh_from_db()
    assert young.status == "RUNNING"


def test_a_task_that_keeps_killing_its_worker_is_given_up_after_three_tries(peer, participant):
    from django_tasks_db.models import DBTaskResult

    from scheduling.sweep import MAX_LOST, requeue_lost_tasks

    book(peer, participant)
    requeued = []
    for _ in range(MAX_LOST):  # each run is lost: its worker dies every time
        DBTaskResult.objects.filter(status="READY").update(
            status="RUNNING", started_at=timezone.now() - timedelta(minutes=11)
        )
        requeued.append(requeue_lost_tasks())

    assert requeued == [1] * (MAX_LOST - 1) + [0]
    runs = DBTaskResult.objects.filter(task_path__endswith=".send_notifications")
    assert runs.count() == MAX_LOST
    assert set(runs.values_list("status", flat=True)) == {"FAILED"}


class RefusesOneRecipient:
    """A mail server that refuses one address (the outbox gets the rest), for the test below."""

    refused = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from django.core.mail.backends.locmem import EmailBackend

        self.delivered = EmailBackend(*args, **kwargs)

    def send_messages(self, messages) -> int:
        from smtplib import SMTPRecipientsRefused

        for message in messages:
            if self.refused in message.to:
                raise SMTPRecipientsRefused({self.refused: (550, b"mailbox unavailable")})
        return self.delivered.send_messages(messages)


def test_a_mail_server_that_never_answers_does_not_hold_the_worker(settings, peer, participant):
    """A relay that accepts the connection and then says nothing: each email gives up after
    EMAIL_TIMEOUT and is retried later, and the worker goes on to other work."""
    import socket
    import threading

    from django.db import connection as db_connection
    from django_tasks_db.models import DBTaskResult

    silent = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept_and_say_nothing() -> None:
        silent.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(silent.accept()[0])
            except TimeoutError:
                continue

    acceptor = threading.Thread(target=accept_and_say_nothing, daemon=True)
    acceptor.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = silent.getsockname()
    settings.EMAIL_USE_TLS = False
    assert 0 < settings.EMAIL_TIMEOUT <= 30  # as shipped (peerakeet/settings.py) ...
    settings.EMAIL_TIMEOUT = 1  # ... and shorter here, to keep the test short
    agreed(peer, participant)

    def drain() -> None:  # what tests.worker.run_worker does, in a thread
        try:
            thread_worker(worker_id="test").run()
        finally:
            db_connection.close()

    worker = threading.Thread(target=drain)
    worker.start()
    worker.join(timeout=30)
    stop.set()
    acceptor.join(timeout=5)
    for held_connection in held:
        held_connection.close()
    silent.close()

    assert not worker.is_alive(), "the worker is still waiting for the mail server"
    assert_no_failed_tasks()
    assert not Notification.objects.filter(sent_at__isnull=False).exists()
    retries = DBTaskResult.objects.filter(task_path__endswith=".send_notification", status="READY")
    assert retries.count() == Notification.objects.count() == 3  # the request and confirmations
    assert all(retry.run_after > timezone.now() for retry in retries)


def test_a_refused_email_is_retried_alone_and_its_companion_still_goes(
    mailoutbox, settings, peer, participant
):
    from django_tasks_db.models import DBTaskResult

    settings.EMAIL_BACKEND = f"{__name__}.RefusesOneRecipient"
    RefusesOneRecipient.refused = participant.email
    agreed(peer, participant)

    run_worker()  # the retry waits for its backoff: this run ends before it

    assert_no_failed_tasks()
    assert emails_to(mailoutbox, peer, "confirmed")
    assert not emails_to(mailoutbox, participant)
    [retry] = DBTaskResult.objects.filter(task_path__endswith=".send_notification")
    confirmed = Notification.objects.filter(kind="confirmed")
    assert retry.args_kwargs["args"] == [confirmed.get(recipient=participant).pk, 1]
    assert retry.status == "READY"
    assert retry.run_after > timezone.now()
    assert confirmed.get(recipient=peer).sent_at is not None
    assert confirmed.get(recipient=participant).sent_at is None


@pytest.mark.postgres
def test_an_email_row_another_transaction_writes_meanwhile_is_kept_not_doubled(peer, participant):
    """The race the bulk INSERT's fallback is for: another transaction writes one of the rows
    after our lookup and commits while our INSERT waits on the unique key."""
    import threading
    import time

    from django.db import connection, transaction
    from django_tasks_db.models import DBTaskResult

    from scheduling import notifications

    session = book(peer, participant)
    kind = Notification.Kind.LINK_CHANGED
    key = f"session:{session.pk}:{kind}:{session.calendar_sequence}:{participant.pk}"
    written = threading.Event()

    def other_transaction() -> None:
        try:
            with transaction.atomic():
                Notification.objects.create(
                    dedupe_key=key, recipient=participant, session=session, kind=kind,
                    sequence=session.calendar_sequence,
                )  # fmt: skip
                written.set()
                time.sleep(0.5)  # uncommitted while our lookup runs and our INSERT waits
        finally:
            connection.close()

    thread = threading.Thread(target=other_transaction)
    thread.start()
    assert written.wait(10)
    with transaction.atomic():
        queued = notifications.queue_session_event(session, kind, notifications.both(session))
    thread.join(10)

    assert queued == 1
    theirs = Notification.objects.get(dedupe_key=key)
    ours = Notification.objects.get(kind=kind, recipient=peer)
    [task] = DBTaskResult.objects.filter(args_kwargs__args=[[ours.pk]])
    assert task.task_path.endswith(".send_notifications")
    assert not DBTaskResult.objects.filter(args_kwargs__args=[[theirs.pk]]).exists()
