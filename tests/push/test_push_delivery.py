"""The server's pushes, against a real push service on 127.0.0.1 (tests/push_receiver.py) that
checks the VAPID signature and decrypts each message with the device's keys: the right pushes,
once each, saying nothing private; 404/410 forget the device; a slow service delays nothing."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from peerakeet.lib.push_endpoints import DEFAULT_HOSTS
from push.models import PushMessage, PushSubscription
from push.outbox import send_push
from push.services import push_subscription_register
from scheduling import services
from scheduling.meetings import pause_after_disconnect
from scheduling.models import SupportSession
from tests.push.conftest import subscribe, subscription_of
from tests.scheduling.conftest import book
from tests.scheduling.mail import emails_to
from tests.worker import run_until_quiet, run_worker
from zoom.models import ZoomConnection

pytestmark = pytest.mark.django_db(transaction=True)


def _request(participant, peer) -> SupportSession:
    return services.session_request(
        participant=participant,
        peer=peer,
        starts_at=timezone.now() + timedelta(days=2),
        duration_minutes=50,
        modality="video",
    )


def test_it_pushes_a_new_request_to_the_peer_once(receiver, peer, participant):
    phone = subscribe(receiver, peer)
    session = _request(participant, peer)

    run_until_quiet()
    send_push.enqueue(PushMessage.objects.get().pk)  # a re-run (a worker lost after it sent)
    run_until_quiet()

    [message] = phone.received
    assert message["payload"] == {
        "title": "New session request",
        "body": "Someone asked you for a peer support session. Open Peerakeet to answer.",
        "url": f"/sessions/{session.pk}/",  # a path: the app opens it on its own site
        "tag": f"session-{session.pk}",
    }
    assert receiver.refused == []  # signed with our VAPID key, aes128gcm, with a TTL
    subscription = subscription_of(receiver, phone)
    assert subscription is not None
    assert subscription.last_success_at is not None


def test_each_event_of_a_session_is_pushed_to_each_device_once(
    receiver, peer, participant, settings
):
    phone, laptop = subscribe(receiver, participant), subscribe(receiver, participant, "Firefox")
    peers_phone = subscribe(receiver, peer)
    session = _request(participant, peer)
    services.session_accept(session=session, by=peer)
    services.session_reschedule(
        session=session, by=peer, starts_at=session.starts_at + timedelta(hours=1)
    )
    services.session_cancel(session=session, by=participant)

    run_until_quiet()

    titles = ["Session confirmed", "Session moved", "Session cancelled"]
    assert [m["payload"]["title"] for m in phone.received] == titles
    assert [m["payload"]["title"] for m in laptop.received] == titles
    assert [m["payload"]["title"] for m in peers_phone.received] == ["New session request", *titles]


def test_a_push_says_nothing_private(receiver, connected_peer, participant, emulator):
    """No name, no note, no passcode, no Zoom link: a push service is a third party."""
    phone, peers_phone = subscribe(receiver, participant), subscribe(receiver, connected_peer)
    session = book(connected_peer, participant, private_note="Grief after losing her job")

    run_until_quiet()

    meeting = session.meetings.get()
    pushes = phone.received + peers_phone.received
    assert {m["payload"]["title"] for m in pushes} == {"Session confirmed", "Meeting link ready"}
    for push in pushes:
        assert set(push["payload"]) == {"title", "body", "url", "tag"}
        raw = push["raw"].decode()
        for secret in (
            participant.display_name, connected_peer.display_name, participant.email,
            "Grief", meeting.passcode, meeting.join_url, "zoom.us", str(meeting.zoom_meeting_id),
        ):  # fmt: skip
            assert secret not in raw


def test_a_peer_hears_by_push_when_zoom_needs_reconnecting(receiver, connected_peer, emulator):
    phone = subscribe(receiver, connected_peer)
    connection = ZoomConnection.objects.get(peer=connected_peer)
    connection.state, connection.reason = "disconnected", ZoomConnection.Reason.GRANT_REFUSED
    connection.save()
    pause_after_disconnect(connection)

    run_until_quiet()

    [push] = phone.received
    assert push["payload"]["title"] == "Reconnect Zoom"
    assert push["payload"]["url"] == "/schedule/"  # where Connect is


@pytest.mark.parametrize("status", [404, 410])
def test_a_push_service_that_forgot_the_device_removes_its_subscription(
    receiver, peer, participant, status
):
    gone, kept = subscribe(receiver, peer), subscribe(receiver, peer, "Laptop")
    gone.status = status

    _request(participant, peer)
    run_until_quiet()

    assert subscription_of(receiver, gone) is None
    assert len(kept.received) == 1
    assert PushSubscription.objects.filter(user=peer).count() == 1


def test_a_failing_push_service_is_tried_again_and_delivers_once(receiver, peer, participant):
    phone = subscribe(receiver, peer)
    phone.status = 503
    _request(participant, peer)
    run_worker()  # the service is down: a retry is queued for later
    assert phone.received == []
    assert PushMessage.objects.get().sent_at is None

    phone.status = 201
    run_until_quiet()

    assert len(phone.received) == 1
    assert PushMessage.objects.get().attempts == 2


def test_a_slow_push_service_delays_nothing_else(receiver, peer, participant, mailoutbox, settings):
    """A device whose service hangs holds one worker for at most WEBPUSH_TIMEOUT; the emails and
    the other people's pushes do not wait for it."""
    settings.WEBPUSH_TIMEOUT = 0.5
    slow = subscribe(receiver, participant)
    slow.delay = 5
    peers_phone = subscribe(receiver, peer)
    session = book(peer, participant)
    services.session_cancel(session=session, by=participant)

    started = time.monotonic()
    run_worker()
    elapsed = time.monotonic() - started

    assert elapsed < 3, elapsed  # two timed-out pushes at most, not the 5 s hang
    assert emails_to(mailoutbox, participant, "cancelled")
    assert [m["payload"]["title"] for m in peers_phone.received] == ["Session cancelled"]
    assert slow.received == []
    waiting = DBTaskResult.objects.filter(status="READY", task_path__endswith="send_push")
    assert waiting.count() == 2  # the slow device's two pushes, queued again for later


def test_nobody_who_turned_pushes_off_gets_one(receiver, peer, participant):
    phone = subscribe(receiver, peer)
    peer.push_notifications = False
    peer.save()

    _request(participant, peer)
    run_until_quiet()

    assert phone.received == []
    assert not PushMessage.objects.exists()


def test_a_device_that_changes_hands_gets_none_of_the_pushes_queued_for_the_one_before(
    receiver, peer, participant, stranger
):
    shared = subscribe(receiver, peer)
    _request(participant, peer)  # queued for the peer's device, not sent yet
    info = receiver.subscription(shared)

    push_subscription_register(user=stranger, endpoint=info["endpoint"], **info["keys"])
    run_until_quiet()

    assert shared.received == []
    assert PushSubscription.objects.get().user == stranger


def test_a_subscription_whose_push_service_is_no_longer_allowed_is_never_sent_to(
    receiver, peer, participant, settings
):
    """Stored before the allow-list (or its host was taken off it): forgotten, not called."""
    phone = subscribe(receiver, peer)
    settings.WEBPUSH_ALLOWED_HOSTS = list(DEFAULT_HOSTS)  # as in production

    _request(participant, peer)
    run_until_quiet()

    assert phone.requests == 0
    assert subscription_of(receiver, phone) is None


def test_a_push_service_that_redirects_is_not_followed(receiver, peer, participant):
    phone, inside = subscribe(receiver, peer), subscribe(receiver, participant)
    phone.status, phone.location = 307, receiver.endpoint(inside)

    _request(participant, peer)
    run_until_quiet()

    assert inside.requests == 0
    message = PushMessage.objects.get(subscription__user=peer)
    assert message.failed == "push service redirected elsewhere: not followed"
    assert message.attempts == 1
