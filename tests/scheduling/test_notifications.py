"""Keeping everyone informed: emails with calendar files, reschedule, loud breaks, reverse sync."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from scheduling import services
from scheduling.models import Notification, SupportSession, ZoomMeeting
from tests.scheduling.conftest import book
from tests.worker import assert_no_failed_tasks, run_until_quiet, run_worker, thread_worker
from tests.zoom.test_webhook import deauthorized, deliver
from tests.zoom_support import LICENSED, zoom_user
from zoom.models import ZoomConnection

pytestmark = pytest.mark.django_db(transaction=True)


def emails_to(outbox, person, subject_part: str = "") -> list:
    return [m for m in outbox if m.to == [person.email] and subject_part in m.subject]


def calendar_of(message) -> tuple[Calendar, Any]:
    [(name, content, mimetype)] = message.attachments
    assert name == "session.ics"
    assert mimetype.startswith("text/calendar")
    calendar = Calendar.from_ical(content)
    [event] = calendar.walk("VEVENT")
    return calendar, event


def test_a_confirmed_session_emails_both_with_a_calendar_file(mailoutbox, peer, participant):
    participant.time_zone = "America/Chicago"
    participant.save()
    session = book(peer, participant, private_note="Lost a job last week")

    run_until_quiet()

    [email] = emails_to(mailoutbox, participant, "confirmed")
    assert emails_to(mailoutbox, peer, "confirmed")
    local = session.starts_at.astimezone(participant.tz)
    assert local.strftime("%-I:%M") in email.body
    assert "America/Chicago" in email.body
    assert f"/sessions/{session.pk}/" in email.body
    assert "Lost a job" not in email.body
    calendar, event = calendar_of(email)
    assert str(calendar["method"]) == "REQUEST"
    assert str(event["uid"]) == f"session-{session.reference}@peerakeet.com"
    assert int(event["sequence"]) == 0
    assert event.decoded("dtstart") == session.starts_at


def test_no_email_ever_carries_the_host_start_url(
    mailoutbox, connected_peer, participant, emulator
):
    session = book(connected_peer, participant)
    run_until_quiet()
    services.session_cancel(session=session, by=participant)
    run_until_quiet()

    everything = " ".join(m.body + str(m.attachments) for m in mailoutbox)
    assert "zak=" not in everything
    assert "/s/" not in everything
    assert len(mailoutbox) >= 4


def test_a_request_tells_the_peer_and_a_decline_tells_the_participant(
    mailoutbox, peer, participant
):
    request = services.session_request(
        participant=participant,
        peer=peer,
        starts_at=timezone.now() + timedelta(days=2),
        duration_minutes=50,
        modality="video",
    )
    run_until_quiet()
    assert emails_to(mailoutbox, peer, "New session request")

    services.session_decline(session=request, by=peer)
    run_until_quiet()

    assert emails_to(mailoutbox, participant, "declined")
    assert not emails_to(mailoutbox, participant, "New session request")


def test_a_cancellation_sends_a_cancel_file_for_the_same_event(mailoutbox, peer, participant):
    session = book(peer, participant)
    run_until_quiet()

    services.session_cancel(session=session, by=peer)
    run_until_quiet()

    [email] = emails_to(mailoutbox, participant, "cancelled")
    calendar, event = calendar_of(email)
    assert str(calendar["method"]) == "CANCEL"
    assert str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == f"session-{session.reference}@peerakeet.com"
    assert int(event["sequence"]) == 1


def test_a_reschedule_moves_the_same_zoom_meeting_and_tells_everyone(
    mailoutbox, connected_peer, participant, emulator
):
    session = book(connected_peer, participant, starts_in=timedelta(days=2))
    run_until_quiet()
    meeting = ZoomMeeting.objects.get(session=session)
    join_url = meeting.join_url
    emulator.clear_calls()
    new_time = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)

    services.session_reschedule(session=session, by=connected_peer, starts_at=new_time)
    run_until_quiet()

    assert [c["endpoint"] for c in emulator.calls()] == ["patch_meeting"]
    [zoom] = emulator.meetings()
    assert zoom["id"] == meeting.zoom_meeting_id
    assert zoom["start_time"] == new_time.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ZoomMeeting.objects.get(session=session).join_url == join_url
    [email] = emails_to(mailoutbox, participant, "moved")
    _, event = calendar_of(email)
    assert int(event["sequence"]) == 1
    assert event.decoded("dtstart") == new_time


def test_a_whole_lifecycle_with_a_reschedule_costs_one_create_and_one_patch(
    connected_peer, participant, emulator
):
    emulator.clear_calls()
    session = book(connected_peer, participant, starts_in=timedelta(days=2))
    run_until_quiet()

    services.session_reschedule(
        session=session, by=connected_peer, starts_at=timezone.now() + timedelta(days=4)
    )
    run_until_quiet()

    assert [c["endpoint"] for c in emulator.calls()] == ["create_meeting", "patch_meeting"]


def test_only_the_peer_moves_a_confirmed_session(peer, participant):
    session = book(peer, participant)

    with pytest.raises(services.SessionError) as refused:
        services.session_reschedule(
            session=session, by=participant, starts_at=timezone.now() + timedelta(days=5)
        )

    assert refused.value.code == "forbidden"


def test_a_reschedule_onto_another_session_is_refused(peer, participant, stranger):
    first = book(peer, participant, starts_in=timedelta(days=1))
    second = book(peer, stranger, starts_in=timedelta(days=2))

    with pytest.raises(services.SessionError) as refused:
        services.session_reschedule(session=second, by=peer, starts_at=first.starts_at)

    assert refused.value.code == "overlap"
    second.refresh_from_db()
    assert second.calendar_sequence == 0


def test_people_hear_when_the_zoom_link_is_ready(mailoutbox, connected_peer, participant, emulator):
    book(connected_peer, participant)

    run_until_quiet()

    assert emails_to(mailoutbox, participant, "meeting link is ready")


def test_a_meeting_cancelled_before_its_emails_are_written_is_never_announced(
    mailoutbox, connected_peer, participant, emulator
):
    """The link-ready emails are written by their own task after the Zoom work; a cancellation
    that lands first means its people hear of the cancellation, not of a link to nowhere."""
    from scheduling import meetings

    session = book(connected_peer, participant)
    assert meetings.provision(session.pk) == "created"  # the worker stores the meeting ...
    services.session_cancel(session=session, by=participant)  # ... the participant cancels ...

    run_until_quiet()  # ... before the announcement's turn comes

    assert emails_to(mailoutbox, connected_peer, "cancelled")
    assert not emails_to(mailoutbox, participant, "meeting link")
    assert not emails_to(mailoutbox, connected_peer, "meeting link")


def test_a_meeting_announced_again_after_a_reschedule_is_emailed_once(
    mailoutbox, connected_peer, participant, emulator
):
    """A re-run of the announcement (a worker lost after it committed) comes after the session
    moved: the event is still the one of when the meeting was stored."""
    from django_tasks_db.models import DBTaskResult

    from scheduling.tasks import announce_meeting

    session = book(connected_peer, participant)
    run_until_quiet()
    [announced] = DBTaskResult.objects.filter(task_path__endswith=".announce_meeting")
    services.session_reschedule(
        session=session, by=connected_peer, starts_at=session.starts_at + timedelta(hours=2)
    )
    announce_meeting.enqueue(*announced.args_kwargs["args"])  # the same run, again

    run_until_quiet()

    assert len(emails_to(mailoutbox, participant, "meeting link is ready")) == 1
    assert len(emails_to(mailoutbox, connected_peer, "meeting link is ready")) == 1
    assert emails_to(mailoutbox, participant, "has moved")


def test_a_meeting_replaced_before_its_emails_are_written_is_not_announced(
    mailoutbox, connected_peer, participant, emulator
):
    """A manual link set and cleared again before the announcement's turn: the session still
    wants a Zoom meeting, but not that one, which is being removed. People hear of the manual link,
    then of the meeting that replaces it, never of the one in between."""
    from scheduling import meetings

    session = book(connected_peer, participant)
    assert meetings.provision(session.pk) == "created"
    link = "https://whereby.com/room"
    services.session_set_manual_link(session=session, by=connected_peer, link=link)
    services.session_set_manual_link(session=session, by=connected_peer, link="")

    run_until_quiet()

    assert not emails_to(mailoutbox, participant, "meeting link is ready")
    assert len(emails_to(mailoutbox, participant, "meeting link changed")) == 2
    first, second = ZoomMeeting.objects.filter(session=session).order_by("pk")
    assert first.removed_at is not None
    assert second.removed_at is None


def test_a_preference_switched_off_stops_that_email(
    mailoutbox, connected_peer, participant, emulator
):
    participant.email_meeting_links = False
    participant.save()

    book(connected_peer, participant)
    run_until_quiet()

    assert emails_to(mailoutbox, participant, "confirmed")
    assert not emails_to(mailoutbox, participant, "meeting link")
    assert emails_to(mailoutbox, connected_peer, "meeting link is ready")


def test_an_event_is_never_emailed_twice(mailoutbox, peer, participant):
    from scheduling.tasks import send_notification

    book(peer, participant)
    notification = Notification.objects.get(recipient=participant)
    send_notification.enqueue(notification.pk)  # the same work, queued twice

    run_until_quiet()

    assert len(emails_to(mailoutbox, participant, "confirmed")) == 1


def test_emails_a_dead_worker_was_sending_are_sent_by_the_sweep(mailoutbox, peer, participant):
    """A worker killed mid-task (SIGKILL, out of memory) leaves its task "running" forever. The
    minute sweep queues again what has been running for ten minutes, not what is still young."""
    from io import StringIO

    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    book(peer, participant)
    book(peer, participant, starts_in=timedelta(days=2))
    lost, young = DBTaskResult.objects.filter(task_path__endswith=".send_notifications")
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
    assert lost.exception_class_path == "scheduling.tasks.WorkerLost"
    [again] = DBTaskResult.objects.filter(args_kwargs=lost.args_kwargs).exclude(pk=lost.pk)
    assert again.status == "SUCCESSFUL"
    assert len(emails_to(mailoutbox, participant, "confirmed")) == 1  # the young run's: unsent
    assert len(emails_to(mailoutbox, peer, "confirmed")) == 1
    young.refresh_from_db()
    assert young.status == "RUNNING"


def test_a_task_that_keeps_killing_its_worker_is_given_up_after_three_tries(peer, participant):
    from django_tasks_db.models import DBTaskResult

    from scheduling.tasks import MAX_LOST, requeue_lost_tasks

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


def test_the_peer_is_told_at_once_when_zoom_refuses_the_grant(
    mailoutbox, client, connected_peer, participant, emulator
):
    from zoom import tokens

    session = book(
        connected_peer,
        participant,
        starts_in=timedelta(days=3),
        manual_link="https://whereby.com/a",
    )
    user = zoom_user(emulator, LICENSED)
    grant = next(g for g in emulator.grants() if g["user_id"] == user["id"] and g["active"])
    emulator.deauthorize(user["id"])  # the grant dies (no webhook configured here)
    ZoomConnection.objects.update(access_token_expires_at=timezone.now())
    assert grant["active"]
    with pytest.raises(tokens.ZoomAuthError):
        tokens.access_token_for(ZoomConnection.objects.get().pk)
    services.session_set_manual_link(session=session, by=connected_peer, link="")
    run_until_quiet()

    assert emails_to(mailoutbox, connected_peer, "reconnect Zoom")
    client.force_login(connected_peer)
    page = client.get(reverse("scheduling:schedule")).text
    assert "1 upcoming session needs a meeting link" in page
    assert "add a link instead" in page


def test_the_peer_is_told_when_the_app_is_removed_in_the_marketplace(
    mailoutbox, client, connected_peer, emulator
):
    deliver(client, deauthorized(zoom_user(emulator, LICENSED)))
    run_until_quiet()

    assert emails_to(mailoutbox, connected_peer, "reconnect Zoom")


def test_the_peers_own_disconnect_sends_no_alarm(mailoutbox, connected_peer, emulator):
    from zoom.services import connection_disconnect

    connection_disconnect(peer=connected_peer)
    run_until_quiet()

    assert not emails_to(mailoutbox, connected_peer, "reconnect Zoom")


def test_the_peer_is_told_when_a_meeting_cannot_be_created(
    mailoutbox, connected_peer, participant, emulator
):
    emulator.inject_fault("create_meeting", "503", next=50)
    book(connected_peer, participant)

    run_until_quiet()

    assert emails_to(mailoutbox, connected_peer, "could not be created")


def signed_meeting_deleted(meeting: dict) -> bytes:
    event = {
        "event": "meeting.deleted",
        "event_ts": int(timezone.now().timestamp() * 1000),
        "payload": {
            "account_id": meeting["account_id"],
            "object": {"id": meeting["id"], "uuid": meeting["uuid"], "host_id": meeting["host_id"]},
        },
    }
    return json.dumps(event, separators=(",", ":")).encode()


def test_a_meeting_the_host_deleted_in_zoom_is_replaced(
    mailoutbox, client, connected_peer, participant, emulator
):
    session = book(connected_peer, participant)
    run_until_quiet()
    [first] = emulator.meetings()
    emulator.delete_meeting_in_zoom(first["id"])

    response = deliver(client, signed_meeting_deleted(first))
    run_until_quiet()

    assert response.status_code == 200
    live = [m for m in emulator.meetings() if m["deleted_at"] is None]
    assert len(live) == 1
    assert live[0]["id"] != first["id"]
    assert (
        ZoomMeeting.objects.get(session=session, removed_at__isnull=True).zoom_meeting_id
        == live[0]["id"]
    )
    assert emails_to(mailoutbox, participant, "link changed")


def test_joining_notices_a_meeting_deleted_in_zoom(client, connected_peer, participant, emulator):
    session = book(connected_peer, participant, starts_in=timedelta(minutes=5))
    run_until_quiet()
    emulator.delete_meeting_in_zoom(emulator.meetings()[0]["id"])  # no webhook reaches us
    client.force_login(participant)

    response = client.get(reverse("scheduling:join", args=[session.pk]))
    run_until_quiet()

    assert response.status_code == 409
    assert "deleted this Zoom meeting" in response.text
    assert (
        SupportSession.objects.get(pk=session.pk).meetings.filter(removed_at__isnull=True).count()
        == 1
    )
    assert client.get(reverse("scheduling:join", args=[session.pk])).status_code == 302


def test_the_preferences_page_saves_choices(client, participant):
    client.force_login(participant)

    response = client.post(
        reverse("accounts:preferences"),
        {
            "display_name": "Alex P.",
            "time_zone": "Europe/Paris",
            "email_session_changes": "on",
        },
    )

    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.time_zone == "Europe/Paris"
    assert participant.email_session_changes is True
    assert participant.email_meeting_links is False


def test_the_preferences_page_refuses_a_bad_time_zone(client, participant):
    client.force_login(participant)

    response = client.post(
        reverse("accounts:preferences"), {"display_name": "A", "time_zone": "Mars/Base"}
    )

    assert response.status_code == 400
    participant.refresh_from_db()
    assert participant.time_zone == "UTC"


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
    book(peer, participant)

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
    assert retries.count() == Notification.objects.count() == 2
    assert all(retry.run_after > timezone.now() for retry in retries)


def test_one_event_queues_its_emails_as_one_task(mailoutbox, peer, participant):
    from django_tasks_db.models import DBTaskResult

    book(peer, participant)

    [queued] = DBTaskResult.objects.filter(task_path__endswith=".send_notifications")
    assert sorted(queued.args_kwargs["args"][0]) == sorted(
        Notification.objects.filter(kind="confirmed").values_list("pk", flat=True)
    )
    run_until_quiet()
    assert emails_to(mailoutbox, peer, "confirmed")
    assert emails_to(mailoutbox, participant, "confirmed")


def test_a_refused_email_is_retried_alone_and_its_companion_still_goes(
    mailoutbox, settings, peer, participant
):
    from django_tasks_db.models import DBTaskResult

    settings.EMAIL_BACKEND = f"{__name__}.RefusesOneRecipient"
    RefusesOneRecipient.refused = participant.email
    book(peer, participant)

    run_worker()  # the retry waits for its backoff: this run ends before it

    assert_no_failed_tasks()
    assert emails_to(mailoutbox, peer, "confirmed")
    assert not emails_to(mailoutbox, participant)
    [retry] = DBTaskResult.objects.filter(task_path__endswith=".send_notification")
    assert retry.args_kwargs["args"] == [Notification.objects.get(recipient=participant).pk, 1]
    assert retry.status == "READY"
    assert retry.run_after > timezone.now()
    assert Notification.objects.get(recipient=peer).sent_at is not None
    assert Notification.objects.get(recipient=participant).sent_at is None


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
