"""Moving a session: the same Zoom meeting moves in place, and everyone is told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from scheduling import services
from scheduling.models import ZoomMeeting
from tests.scheduling.conftest import book
from tests.scheduling.mail import calendar_of, emails_to
from tests.worker import run_until_quiet

pytestmark = pytest.mark.django_db(transaction=True)


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
