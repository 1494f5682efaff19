""" "Your link is ready": announced once the meeting exists, never for one no longer in use."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scheduling import services
from scheduling.models import Notification, ZoomMeeting
from scheduling.notifications import send
from tests.scheduling.conftest import agreed, book
from tests.scheduling.mail import emails_to
from tests.worker import run_until_quiet, run_worker

pytestmark = pytest.mark.django_db(transaction=True)


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

    from scheduling.notifications import announce_meeting

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


def test_a_meeting_ready_within_the_minute_is_told_in_the_confirmed_email(
    mailoutbox, connected_peer, participant, emulator
):
    """One email per event per person: the "confirmed" email waits up to a minute for the Zoom
    meeting, and says the link is ready in the same email."""
    agreed(connected_peer, participant)

    run_worker()  # only what is due now: the meeting, then its announcement
    run_until_quiet()  # and, a minute later, the confirmation's own run: nothing left to send

    for person in (participant, connected_peer):
        [email] = about_the_session(mailoutbox, person)
        assert "confirmed" in email.subject
        assert "Its meeting link is ready too." in email.body
        assert email.attachments  # the calendar file


def test_a_peer_who_books_hears_only_of_the_link_and_the_participant_once(
    mailoutbox, connected_peer, participant, emulator
):
    book(connected_peer, participant)

    run_worker()

    assert [m.subject for m in emails_to(mailoutbox, connected_peer)] == [
        "Your session's meeting link is ready"
    ]
    [email] = emails_to(mailoutbox, participant)
    assert "Its meeting link is ready too." in email.body


def test_a_meeting_ready_after_the_confirmed_email_went_gets_its_own_email(
    mailoutbox, connected_peer, participant, emulator
):
    agreed(connected_peer, participant)
    confirmed = Notification.objects.filter(kind="confirmed").values_list("pk", flat=True)
    for notification_id in confirmed:  # the minute passed before Zoom answered
        send(notification_id)

    run_until_quiet()

    for person in (participant, connected_peer):
        confirmation, link = about_the_session(mailoutbox, person)
        assert "Its meeting link is ready" not in confirmation.body
        assert link.subject == "Your session's meeting link is ready"


def about_the_session(outbox, person) -> list:
    """The emails after the request was made (the peer heard of the request first)."""
    return [m for m in emails_to(outbox, person) if m.subject != "New session request"]
