"""Emails about sessions: who hears of each change, with calendar files, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.services import certification_grant, certification_revoke
from scheduling import services
from scheduling.models import Notification
from tests.scheduling.conftest import agreed, book
from tests.scheduling.mail import calendar_of, emails_to
from tests.worker import run_until_quiet

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_session_a_peer_books_emails_the_participant_with_a_calendar_file(
    mailoutbox, peer, participant
):
    """One email per event per person: the peer who booked it is not told of their own act."""
    participant.time_zone = "America/Chicago"
    participant.save()
    session = book(peer, participant, private_note="Lost a job last week")

    run_until_quiet()

    [email] = emails_to(mailoutbox, participant, "confirmed")
    assert not emails_to(mailoutbox, peer)
    local = session.starts_at.astimezone(participant.tz)
    assert local.strftime("%-I:%M") in email.body
    assert "Central Time (Chicago)" in email.body  # as people say it, not "America/Chicago"
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
    from scheduling.notifications import send_notification

    book(peer, participant)
    notification = Notification.objects.get(recipient=participant)
    send_notification.enqueue(notification.pk)  # the same work, queued twice

    run_until_quiet()

    assert len(emails_to(mailoutbox, participant, "confirmed")) == 1


def test_one_event_queues_its_emails_as_one_task(mailoutbox, peer, participant):
    from django_tasks_db.models import DBTaskResult

    agreed(peer, participant)

    [queued] = [  # the request's email (to the peer) went as its own task
        run
        for run in DBTaskResult.objects.filter(task_path__endswith=".send_notifications")
        if len(run.args_kwargs["args"][0]) == 2
    ]
    assert sorted(queued.args_kwargs["args"][0]) == sorted(
        Notification.objects.filter(kind="confirmed").values_list("pk", flat=True)
    )
    run_until_quiet()
    assert emails_to(mailoutbox, peer, "confirmed")
    assert emails_to(mailoutbox, participant, "confirmed")


# A declined request says why as it was when the peer declined, not when the email goes out
# (a mail server down for an hour, a worker behind): "no longer hosting" only when the decline
# came from the end of the peer's hosting.


def requested(peer, participant):
    return services.session_request(
        participant=participant, peer=peer, starts_at=timezone.now() + timedelta(days=2),
        duration_minutes=50, modality="video",
    )  # fmt: skip


def test_a_peer_declining_then_revoked_before_the_email_goes_still_declined_it_themselves(
    mailoutbox, peer, participant, staff
):
    session = requested(peer, participant)
    services.session_decline(session=session, by=peer, reason="I am away that week.")

    certification_revoke(user=peer, by=staff)  # before the worker sends the decline
    run_until_quiet()

    [email] = emails_to(mailoutbox, participant, "declined")
    assert f"{peer.display_name} could not take your session request" in email.body
    assert 'wrote: "I am away that week."' in email.body
    assert "no longer hosting" not in email.body


def test_a_request_declined_by_a_revocation_says_so_even_if_certified_again_before_sending(
    mailoutbox, peer, participant, staff
):
    requested(peer, participant)
    certification_revoke(user=peer, by=staff)  # declines the open request

    certification_grant(user=peer, by=staff)  # before the worker sends the decline
    run_until_quiet()

    [email] = emails_to(mailoutbox, participant, "declined")
    assert f"{peer.display_name} is no longer hosting sessions on Peerakeet" in email.body
    assert "not about you" in email.body
    assert "could not take" not in email.body
