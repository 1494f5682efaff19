"""Automatic Zoom meetings: over real HTTP to the emulator, with the real worker."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from scheduling import services
from scheduling.models import SupportSession, ZoomMeeting
from scheduling.selectors import link_state
from tests.scheduling.conftest import book
from tests.worker import run_until_quiet
from tests.zoom_support import connect

pytestmark = pytest.mark.django_db(transaction=True)


def endpoints(emulator) -> list[str]:
    return [call["endpoint"] for call in emulator.calls()]


def live_zoom_meetings(emulator) -> list[dict]:
    return [m for m in emulator.meetings() if m["deleted_at"] is None]


def test_it_creates_the_meeting_with_the_exact_settings(connected_peer, participant, emulator):
    session = book(connected_peer, participant, starts_in=timedelta(days=2), duration_minutes=45)

    run_until_quiet()

    [created] = emulator.meetings()
    body = created["create_body"]
    assert body["type"] == 2
    assert body["start_time"] == session.starts_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert body["duration"] == 45
    assert body["settings"]["waiting_room"] is True
    assert body["settings"]["join_before_host"] is False
    assert body["settings"]["auto_recording"] == "none"
    assert body["settings"]["approval_type"] == 2
    assert body["settings"]["registrants_email_notification"] is False
    assert body["agenda"] == f"Peerakeet ref {session.reference}"
    assert len(body["password"]) == 10


def test_it_stores_the_join_information_encrypted(connected_peer, participant, emulator):
    session = book(connected_peer, participant)

    run_until_quiet()

    meeting = ZoomMeeting.objects.get(session=session)
    [created] = emulator.meetings()
    assert meeting.zoom_meeting_id == created["id"]
    assert meeting.passcode == created["password"]
    assert str(created["id"]) in meeting.join_url
    assert created["password"] not in meeting.passcode_encrypted
    assert "/j/" not in meeting.join_url_encrypted
    assert link_state(session).text == "Zoom meeting ready"


def test_it_gives_each_meeting_a_fresh_passcode(connected_peer, participant, emulator):
    book(connected_peer, participant, starts_in=timedelta(days=1))
    book(connected_peer, participant, starts_in=timedelta(days=2))

    run_until_quiet()

    first, second = (m["password"] for m in emulator.meetings())
    assert first != second


def test_it_sends_nothing_that_names_the_participant_or_the_note(
    connected_peer, participant, emulator
):
    book(connected_peer, participant, private_note="Struggling with grief after a loss")

    run_until_quiet()

    sent = json.dumps(emulator.meetings()[0]["create_body"]).lower()
    for secret in (
        participant.display_name,
        participant.email,
        "grief",
        "loss",
        connected_peer.display_name,
    ):
        assert secret.lower() not in sent


def test_one_lifecycle_costs_one_create_and_one_delete(connected_peer, participant, emulator):
    emulator.clear_calls()
    session = book(connected_peer, participant)
    run_until_quiet()

    services.session_cancel(session=session, by=participant)
    run_until_quiet()

    assert endpoints(emulator) == ["create_meeting", "delete_meeting"]
    assert live_zoom_meetings(emulator) == []
    assert ZoomMeeting.objects.get(session=session).removed_at is not None


def test_cancel_removes_the_meeting(connected_peer, participant, emulator):
    session = book(connected_peer, participant)
    run_until_quiet()

    services.session_cancel(session=session, by=connected_peer)
    run_until_quiet()

    assert live_zoom_meetings(emulator) == []
    session.refresh_from_db()
    assert session.status == SupportSession.Status.CANCELLED


def test_a_request_gets_its_meeting_when_accepted_and_none_when_declined(
    connected_peer, participant, emulator
):
    accepted = services.session_request(
        participant=participant,
        peer=connected_peer,
        modality="audio",
        duration_minutes=30,
        starts_at=timezone.now() + timedelta(days=1),
    )
    declined = services.session_request(
        participant=participant,
        peer=connected_peer,
        modality="video",
        duration_minutes=30,
        starts_at=timezone.now() + timedelta(days=3),
    )
    run_until_quiet()
    assert emulator.meetings() == []

    services.session_accept(session=accepted, by=connected_peer)
    services.session_decline(session=declined, by=connected_peer)
    run_until_quiet()

    [meeting] = emulator.meetings()
    assert meeting["agenda"] == f"Peerakeet ref {accepted.reference}"
    assert meeting["create_body"]["settings"]["participant_video"] is False  # audio session


def test_a_manual_link_bypasses_zoom(connected_peer, participant, emulator):
    session = book(connected_peer, participant, manual_link="https://whereby.com/room-7")
    run_until_quiet()

    assert emulator.meetings() == []
    assert link_state(session).text == "Manual link"


def test_a_manual_link_replaces_a_meeting_already_made(connected_peer, participant, emulator):
    session = book(connected_peer, participant)
    run_until_quiet()

    services.session_set_manual_link(
        session=session, by=connected_peer, link="https://whereby.com/r"
    )
    run_until_quiet()

    assert live_zoom_meetings(emulator) == []
    session.refresh_from_db()
    assert link_state(session).text == "Manual link"


def test_clearing_the_manual_link_hands_the_session_back_to_zoom(
    connected_peer, participant, emulator
):
    session = book(connected_peer, participant, manual_link="https://whereby.com/r")
    run_until_quiet()

    services.session_set_manual_link(session=session, by=connected_peer, link="")
    run_until_quiet()

    assert len(live_zoom_meetings(emulator)) == 1


def test_a_peer_without_zoom_is_told_to_reconnect_or_add_a_link(peer, participant, emulator):
    session = book(peer, participant)
    run_until_quiet()

    session.refresh_from_db()
    assert emulator.meetings() == []
    assert link_state(session).text == "No meeting yet — reconnect Zoom or add a link"


def test_reconnecting_heals_sessions_that_lack_a_meeting(peer, participant, emulator):
    first = book(peer, participant, starts_in=timedelta(days=1))
    second = book(peer, participant, starts_in=timedelta(days=2))
    book(peer, participant, starts_in=timedelta(days=3), manual_link="https://whereby.com/x")
    run_until_quiet()

    connect(peer, emulator)
    run_until_quiet()

    agendas = sorted(m["agenda"] for m in live_zoom_meetings(emulator))
    assert agendas == sorted(f"Peerakeet ref {s.reference}" for s in (first, second))


def test_a_lost_create_response_still_ends_with_exactly_one_meeting(
    connected_peer, participant, emulator
):
    emulator.inject_fault("create_meeting", "lost_response", next=1)
    session = book(connected_peer, participant)

    run_until_quiet()

    assert len(emulator.meetings()) == 1
    assert ZoomMeeting.objects.get(session=session).zoom_meeting_id == emulator.meetings()[0]["id"]
    assert "list_meetings" in endpoints(emulator)


def test_server_errors_are_retried_until_the_meeting_exists(connected_peer, participant, emulator):
    emulator.inject_fault("create_meeting", "500", next=2)
    session = book(connected_peer, participant)

    run_until_quiet()

    assert len(emulator.meetings()) == 1
    assert ZoomMeeting.objects.filter(session=session, removed_at__isnull=True).count() == 1


def test_it_tells_the_peer_after_the_retries_run_out(connected_peer, participant, emulator):
    emulator.inject_fault("create_meeting", "503", next=50)
    session = book(connected_peer, participant)

    run_until_quiet()

    session.refresh_from_db()
    assert session.provisioning == SupportSession.Provisioning.FAILED
    assert "could not be created" in link_state(session).text


def test_a_delete_of_a_meeting_already_gone_counts_as_done(connected_peer, participant, emulator):
    session = book(connected_peer, participant)
    run_until_quiet()
    emulator.delete_meeting_in_zoom(emulator.meetings()[0]["id"])

    services.session_cancel(session=session, by=connected_peer)
    run_until_quiet()

    assert ZoomMeeting.objects.get(session=session).removed_at is not None


def test_a_meeting_cannot_be_removed_once_zoom_is_disconnected(
    connected_peer, participant, emulator
):
    from zoom.services import connection_disconnect

    session = book(connected_peer, participant)
    run_until_quiet()
    connection_disconnect(peer=connected_peer)

    services.session_cancel(session=session, by=participant)
    run_until_quiet()

    session.refresh_from_db()
    assert link_state(session).text == "Zoom meeting could not be removed — delete it in Zoom"
    assert len(live_zoom_meetings(emulator)) == 1


def test_zoom_overriding_the_waiting_room_is_shown_to_the_peer(
    connected_peer, participant, emulator
):
    user = next(u for u in emulator.users() if u["email"] == "lee.licensed@example.com")
    emulator.set_account_settings(
        user["account_id"], locked={"waiting_room": False, "auto_recording": "cloud"}
    )
    session = book(connected_peer, participant)

    run_until_quiet()

    state = link_state(session)
    assert state.text == "Zoom meeting ready"
    assert "waiting room is off" in state.warning
    assert "cloud recording" in state.warning


def test_a_meeting_left_by_a_lost_create_is_removed_when_the_session_is_cancelled(
    connected_peer, participant, emulator
):
    emulator.inject_fault("create_meeting", "lost_response", next=1)
    session = book(connected_peer, participant)
    from tests.worker import run_worker

    run_worker()  # the create reached Zoom, but its answer was lost
    services.session_cancel(session=session, by=participant)
    run_until_quiet()

    assert len(emulator.meetings()) == 1
    assert live_zoom_meetings(emulator) == []
    assert ZoomMeeting.objects.get(session=session).removed_at is not None


def test_a_failed_lookup_after_a_lost_create_does_not_forget_to_look_again(
    connected_peer, participant, emulator
):
    from tests.worker import run_worker

    emulator.inject_fault("create_meeting", "lost_response", next=1)
    session = book(connected_peer, participant)
    run_worker()
    emulator.inject_fault("list_meetings", "429", next=1)

    run_until_quiet()

    assert len(emulator.meetings()) == 1
    assert ZoomMeeting.objects.filter(session=session, removed_at__isnull=True).count() == 1


def test_clearing_a_link_while_the_old_meeting_is_being_removed_still_ends_with_a_meeting(
    connected_peer, participant, emulator
):
    session = book(connected_peer, participant)
    run_until_quiet()

    services.session_set_manual_link(
        session=session, by=connected_peer, link="https://whereby.com/r"
    )
    services.session_set_manual_link(
        session=session, by=connected_peer, link=""
    )  # before removal ran
    run_until_quiet()

    assert len(live_zoom_meetings(emulator)) == 1
    assert ZoomMeeting.objects.filter(session=session, removed_at__isnull=True).count() == 1


def test_the_sweep_removes_what_a_killed_worker_created_for_a_session_since_cancelled(
    connected_peer, participant, emulator, settings
):
    from datetime import timedelta as td

    import httpx
    from django.utils import timezone as tz

    from scheduling.sweep import sweep_stale_work
    from zoom import vault
    from zoom.models import ZoomConnection

    emulator.configure(qps_limits=False)
    session = book(connected_peer, participant, manual_link="https://whereby.com/x")
    # The worker sent the create and was killed before it stored anything:
    token = vault.access_token(ZoomConnection.objects.get())
    httpx.post(
        f"{settings.ZOOM_API_URL}/users/me/meetings",
        json={
            "topic": "Peer support session",
            "type": 2,
            "agenda": f"Peerakeet ref {session.reference}",
            "start_time": session.starts_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        headers={"Authorization": f"Bearer {token}"},
    ).raise_for_status()
    SupportSession.objects.filter(pk=session.pk).update(create_started_at=tz.now() - td(minutes=5))
    services.session_cancel(session=session, by=participant)

    sweep_stale_work()
    run_until_quiet()

    assert live_zoom_meetings(emulator) == []
    assert SupportSession.objects.get(pk=session.pk).create_started_at is None


def test_making_a_meeting_costs_a_fixed_number_of_queries(
    connected_peer, participant, emulator, django_assert_max_num_queries
):
    """The provisioning task's own statements, worker bookkeeping aside (docs/benchmarks.md §3),
    counting BEGIN, COMMIT and savepoints: the claim 5, the store 7 with the task that writes its
    emails later (26 once, then 16 with the emails written in the store)."""
    from scheduling import meetings

    session = book(connected_peer, participant)

    with django_assert_max_num_queries(12):
        outcome = meetings.provision(session.pk)

    assert outcome == "created"
    assert endpoints(emulator).count("create_meeting") == 1
    assert link_state(session).text == "Zoom meeting ready"
