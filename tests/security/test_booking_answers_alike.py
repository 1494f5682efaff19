"""A peer books by email address: the answer is the same whether the address has an account,
has none, or has one that support deactivated (issue 16). Status, redirect, message and body
(apart from the session's own id and time, and the name shown for the participant: see
docs/reliability.md) say nothing about the account; a deactivated person is not written to."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import User
from scheduling.models import Notification, SupportSession
from scheduling.notifications import queue_peer_alert
from scheduling.services import session_cancel, session_reschedule
from tests.api.conftest import book, client_for
from tests.personas import make_participant
from tests.push.conftest import subscribe
from tests.worker import run_until_quiet

pytestmark = pytest.mark.django_db

ADDRESSES = {
    "known": "participant@example.org",
    "unknown": "new.person@example.org",
    "deactivated": "gone@example.org",
}


@pytest.fixture
def people(participant) -> None:
    gone = make_participant(ADDRESSES["deactivated"], "Gone Person")
    gone.is_active = False
    gone.save()


def web_book(client: Client, email: str, days: int) -> Any:
    return client.post(
        "/sessions/new/",
        {
            "participant_email": email,
            "starts_at": (timezone.now() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": 50,
            "modality": "video",
        },
    )


def test_the_web_books_known_unknown_and_deactivated_addresses_alike(peer, people):
    answers = {}
    for days, (kind, email) in enumerate(ADDRESSES.items(), start=2):
        client = Client()
        client.force_login(peer)
        response = web_book(client, email, days)
        said = [str(m) for m in get_messages(response.wsgi_request)]
        answers[kind] = (response.status_code, response["Location"], said)

    assert answers["known"] == answers["unknown"] == answers["deactivated"]
    assert answers["known"][0] == 302
    assert SupportSession.objects.filter(status="confirmed").count() == 3


def comparable(body: dict[str, Any]) -> dict[str, Any]:
    """The answer without what differs for any two bookings: the session's id and time, and the
    participant's id and name."""
    skip = {"id", "starts_at", "ends_at", "participant"}
    same = {key: value for key, value in body.items() if key not in skip}
    same["join"] = {k: v for k, v in body["join"].items() if k not in {"opens_at", "closes_at"}}
    return same


def test_the_api_books_known_unknown_and_deactivated_addresses_alike(peer, people):
    api = client_for(peer)
    answers = {}
    for days, (kind, email) in enumerate(ADDRESSES.items(), start=2):
        response = api.post(
            "/sessions",
            {
                "participant_email": email,
                "starts_at": (timezone.now() + timedelta(days=days)).isoformat(),
                "duration_minutes": 50,
                "modality": "video",
            },
        )
        answers[kind] = (response.status_code, comparable(response.json()))

    assert answers["known"] == answers["unknown"] == answers["deactivated"]
    assert answers["known"][0] == 201


def test_a_deactivated_person_is_booked_but_not_written_to_and_stays_off(client, peer, people):
    client.force_login(peer)

    web_book(client, ADDRESSES["deactivated"], 2)

    assert [m for m in mail.outbox if m.to == [ADDRESSES["deactivated"]]] == []
    gone = User.objects.get(email=ADDRESSES["deactivated"])
    assert not gone.is_active
    assert gone.attended_sessions.count() == 1


def test_a_person_deactivated_after_booking_hears_nothing_more_of_the_session(peer, participant):
    session = book(peer, participant, starts_in=timedelta(days=3))
    participant.is_active = False
    participant.save()
    mail.outbox.clear()
    sent_before = Notification.objects.filter(recipient=participant).count()

    session_reschedule(session=session, by=peer, starts_at=timezone.now() + timedelta(days=4))
    session_cancel(session=session, by=peer)

    assert [m for m in mail.outbox if participant.email in m.to] == []
    assert Notification.objects.filter(recipient=participant).count() == sent_before


@pytest.mark.django_db(transaction=True)
def test_a_deactivated_person_gets_no_link_ready_nor_anything_queued_before(
    connected_peer, participant, receiver
):
    """The rule sits where each channel writes and where each sends: the meeting's "link ready"
    (queued by the worker, not by queue_session_event) and the emails and pushes queued before
    the account was deactivated stay unsent."""
    phone = subscribe(receiver, participant)
    peer_phone = subscribe(receiver, connected_peer)
    book(connected_peer, participant, starts_in=timedelta(days=3))  # queues "confirmed"
    User.objects.filter(pk=participant.pk).update(is_active=False)
    mail.outbox.clear()

    run_until_quiet()

    assert [m for m in mail.outbox if participant.email in m.to] == []
    assert phone.received == []
    assert Notification.objects.filter(recipient=participant, sent_at__isnull=False).count() == 0
    assert [m for m in mail.outbox if connected_peer.email in m.to]  # the peer still hears
    assert peer_phone.received


def test_a_deactivated_peer_gets_no_zoom_alert(peer):
    User.objects.filter(pk=peer.pk).update(is_active=False)

    queued = queue_peer_alert(
        User.objects.get(pk=peer.pk), kind=Notification.Kind.ZOOM_BROKEN, event_key="t"
    )

    assert queued is False
    assert not Notification.objects.filter(recipient=peer).exists()
