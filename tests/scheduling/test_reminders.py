"""Reminders 24 hours and 1 hour before a session and when its join window opens, by email and
push, under a frozen clock: exactly the due ones, once each, across a move, a cancellation and a
killed worker. The minute sweep (``manage.py sweep_sessions``) queues them; the worker sends."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from accounts.models import PeerCertification
from scheduling import services
from scheduling.models import SentReminder, SupportSession
from scheduling.reminders import queue_due_reminders
from tests.push.conftest import subscribe
from tests.push_receiver import Device
from tests.scheduling.mail import emails_to
from tests.worker import run_until_quiet, run_worker

pytestmark = pytest.mark.django_db(transaction=True)

BOOKED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STARTS = BOOKED + timedelta(days=3)
DAY, HOUR, JOIN = (
    "Reminder: your peer support session is coming up",
    "Reminder: your peer support session starts within the hour",
    "Your peer support session is about to start: join now",
)
PUSHED = {"Session coming up": DAY, "Session within the hour": HOUR, "Time to join": JOIN}


@pytest.fixture
def clock():
    with time_machine.travel(BOOKED, tick=False) as traveller:
        yield traveller


def _book(peer, participant, starts_at=STARTS) -> SupportSession:
    return services.session_create(
        peer=peer, participant=participant, starts_at=starts_at, duration_minutes=50,
        modality="video",
    )  # fmt: skip


def sweep_at(clock, when: datetime, *, after_a_kill: bool = False) -> str:
    """The minute sweep runs at ``when``, then the worker sends what it queued. After a kill,
    the lost runs stay failed (WorkerLost) beside the runs that replace them."""
    clock.move_to(when)
    out = StringIO()
    call_command("sweep_sessions", stdout=out)
    if after_a_kill:
        run_worker()
    else:
        run_until_quiet(skip_delays=False)
    return out.getvalue()


def reminder_emails(outbox, person) -> list[str]:
    return [m.subject for m in emails_to(outbox, person) if m.subject in PUSHED.values()]


def reminder_pushes(device: Device) -> list[str]:
    return [PUSHED[t] for m in device.received if (t := m["payload"]["title"]) in PUSHED]


def test_each_reminder_is_sent_once_when_due(clock, receiver, peer, participant, mailoutbox):
    phones = {person.pk: subscribe(receiver, person) for person in (peer, participant)}
    _book(peer, participant)

    for before in (
        timedelta(hours=25), timedelta(hours=24), timedelta(hours=23, minutes=59),
        timedelta(hours=2), timedelta(minutes=60), timedelta(minutes=59),
        timedelta(minutes=15), timedelta(minutes=1), -timedelta(minutes=1),
    ):  # fmt: skip
        sweep_at(clock, STARTS - before)

    for person in (peer, participant):
        assert reminder_emails(mailoutbox, person) == [DAY, HOUR, JOIN]
        assert reminder_pushes(phones[person.pk]) == [DAY, HOUR, JOIN]
    assert receiver.refused == []
    email = emails_to(mailoutbox, participant, "within the hour")[0]
    assert "/sessions/" in email.body
    assert not email.attachments


def test_the_join_reminder_push_opens_the_session_page_and_says_nothing_private(
    clock, receiver, peer, participant
):
    phone = subscribe(receiver, participant)
    session = _book(peer, participant)

    sweep_at(clock, STARTS - timedelta(minutes=10))

    [push] = [m for m in phone.received if m["payload"]["title"] == "Time to join"]
    assert push["payload"]["url"] == f"/sessions/{session.pk}/"
    assert peer.display_name not in push["raw"].decode()
    assert push["ttl"] == 600  # kept by the push service only until the session starts


def test_a_moved_session_is_reminded_at_its_new_time_only(
    clock, receiver, peer, participant, mailoutbox
):
    phone = subscribe(receiver, participant)
    session = _book(peer, participant)
    sweep_at(clock, STARTS - timedelta(hours=23))  # the day reminder of the first time
    moved = STARTS + timedelta(hours=2)
    services.session_reschedule(session=session, by=peer, starts_at=moved)

    for when in (
        STARTS - timedelta(minutes=30),  # the old time's hour reminder: no longer due
        moved - timedelta(hours=24), moved - timedelta(hours=23),
        moved - timedelta(minutes=50), moved - timedelta(minutes=5),
    ):  # fmt: skip
        sweep_at(clock, when)

    assert reminder_emails(mailoutbox, participant) == [DAY, DAY, HOUR, JOIN]
    assert reminder_pushes(phone) == [DAY, DAY, HOUR, JOIN]
    assert SentReminder.objects.filter(person=participant, starts_at=moved).count() == 3


def test_a_cancelled_session_is_not_reminded(clock, receiver, peer, participant, mailoutbox):
    phone = subscribe(receiver, participant)
    session = _book(peer, participant)
    sweep_at(clock, STARTS - timedelta(hours=23))
    services.session_cancel(session=session, by=participant)

    for before in (timedelta(minutes=59), timedelta(minutes=14)):
        sweep_at(clock, STARTS - before)

    assert reminder_emails(mailoutbox, participant) == [DAY]
    assert reminder_pushes(phone) == [DAY]


def test_no_reminder_for_a_session_whose_peer_no_longer_hosts(
    clock, receiver, peer, participant, staff, mailoutbox
):
    phone = subscribe(receiver, participant)
    _book(peer, participant)
    sweep_at(clock, STARTS - timedelta(hours=23))
    PeerCertification.objects.filter(user=peer).update(revoked_at=BOOKED, revoked_by=staff)

    for before in (timedelta(minutes=59), timedelta(minutes=14)):
        sweep_at(clock, STARTS - before)

    assert reminder_emails(mailoutbox, participant) == [DAY]
    assert reminder_pushes(phone) == [DAY]


def test_a_sweep_with_nothing_owed_locks_no_session_and_writes_nothing(
    clock, receiver, peer, participant
):
    for hours in (1, 2, 3):
        _book(peer, participant, starts_at=STARTS + timedelta(hours=hours))
    sweep_at(clock, STARTS - timedelta(hours=20))
    assert SentReminder.objects.count() == 6

    clock.move_to(STARTS - timedelta(hours=19))
    with CaptureQueriesContext(connection) as queries:
        assert queue_due_reminders() == 0

    sql = [q["sql"].upper() for q in queries.captured_queries]
    # The day band: its sessions, then what was sent; the two empty bands: one query each.
    assert len(sql) == 4
    assert not [q for q in sql if "FOR UPDATE" in q or q.startswith("INSERT")]


def test_a_reminder_queued_just_before_a_cancellation_is_not_sent(
    clock, receiver, peer, participant, mailoutbox
):
    phone = subscribe(receiver, participant)
    session = _book(peer, participant)
    clock.move_to(STARTS - timedelta(minutes=50))
    call_command("sweep_sessions", stdout=StringIO())  # queued, not yet sent ...
    services.session_cancel(session=session, by=peer)  # ... when the peer cancels

    run_until_quiet(skip_delays=False)

    assert reminder_emails(mailoutbox, participant) == []
    assert reminder_pushes(phone) == []
    assert emails_to(mailoutbox, participant, "cancelled")


def _kill_the_worker_running_everything_queued() -> int:
    """A worker took every queued task and died (SIGKILL): they stay "running"."""
    return DBTaskResult.objects.filter(status="READY").update(
        status="RUNNING", started_at=datetime.now(UTC), worker_ids=["killed"]
    )


def test_a_reminder_lost_with_a_killed_worker_is_sent_late_once(
    clock, receiver, peer, participant, mailoutbox
):
    phone = subscribe(receiver, participant)
    _book(peer, participant)
    sweep_at(clock, STARTS - timedelta(hours=23))
    clock.move_to(STARTS - timedelta(minutes=58))
    call_command("sweep_sessions", stdout=StringIO())
    killed = _kill_the_worker_running_everything_queued()
    assert killed >= 2  # the hour reminder's email and push

    # The lost tasks are ten minutes old: queued again.
    out = sweep_at(clock, STARTS - timedelta(minutes=47), after_a_kill=True)

    assert f"and {killed} task(s) lost with their worker" in out
    assert "queued 0 reminder(s)" in out  # not queued twice: the lost run is run again
    assert reminder_emails(mailoutbox, participant) == [DAY, HOUR]
    assert reminder_pushes(phone) == [DAY, HOUR]


def test_a_reminder_lost_until_the_session_started_is_not_sent(
    clock, receiver, peer, participant, mailoutbox
):
    phone = subscribe(receiver, participant)
    _book(peer, participant)
    clock.move_to(STARTS - timedelta(minutes=5))
    call_command("sweep_sessions", stdout=StringIO())
    killed = _kill_the_worker_running_everything_queued()

    out = sweep_at(clock, STARTS + timedelta(minutes=6), after_a_kill=True)

    assert f"and {killed} task(s) lost with their worker" in out  # run again, and then ...
    assert reminder_emails(mailoutbox, participant) == []  # ... not sent: too late
    assert reminder_pushes(phone) == []


def test_a_session_booked_three_hours_ahead_has_no_day_reminder(
    clock, receiver, peer, participant, mailoutbox
):
    _book(peer, participant, starts_at=BOOKED + timedelta(hours=3))

    for after in (timedelta(minutes=1), timedelta(hours=2, minutes=30)):
        sweep_at(clock, BOOKED + after)

    assert reminder_emails(mailoutbox, participant) == [HOUR]


def test_each_person_chooses_their_reminders_and_channels(
    clock, receiver, peer, participant, mailoutbox
):
    participants_phone, peers_phone = subscribe(receiver, participant), subscribe(receiver, peer)
    participant.remind_day_before = False
    participant.save()
    peer.email_reminders = False
    peer.save()
    _book(peer, participant)

    for before in (timedelta(hours=23), timedelta(minutes=59)):
        sweep_at(clock, STARTS - before)

    assert reminder_emails(mailoutbox, participant) == [HOUR]
    assert reminder_pushes(participants_phone) == [HOUR]
    assert reminder_emails(mailoutbox, peer) == []
    assert reminder_pushes(peers_phone) == [DAY, HOUR]


@pytest.mark.postgres
def test_sweeps_running_at_once_on_several_machines_send_each_reminder_once(
    clock, receiver, peer, participant, mailoutbox
):
    """Four sweeps at the same instant (cron on four machines): the unique row decides."""
    phone = subscribe(receiver, participant)
    _book(peer, participant)
    clock.move_to(STARTS - timedelta(minutes=50))
    start = threading.Barrier(4)
    counts: list[int] = []

    def sweep() -> None:
        try:
            start.wait()
            counts.append(queue_due_reminders())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    run_until_quiet(skip_delays=False)

    assert sorted(counts) == [0, 0, 0, 2]  # one sweep reminded both people; the others waited
    assert reminder_emails(mailoutbox, participant) == [HOUR]
    assert reminder_emails(mailoutbox, peer) == [HOUR]
    assert reminder_pushes(phone) == [HOUR]


def test_a_new_meeting_link_between_queueing_and_sending_keeps_the_reminder(
    clock, receiver, peer, participant, mailoutbox
):
    session = _book(peer, participant)
    clock.move_to(STARTS - timedelta(minutes=50))
    call_command("sweep_sessions", stdout=StringIO())  # queued ...
    services.session_set_manual_link(  # ... and the peer adds a link before the worker sends
        session=session, by=peer, link="https://whereby.com/peer-room"
    )

    run_until_quiet(skip_delays=False)

    assert reminder_emails(mailoutbox, participant) == [HOUR]
