"""POST /sessions (a peer schedules) and POST /sessions/requests (a participant asks)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from scheduling.models import SupportSession
from tests.api.conftest import book, client_for, count_sessions, in_future
from tests.worker import run_until_quiet

pytestmark = pytest.mark.django_db


def new_session(participant, **changes):
    return {
        "participant_email": participant.email,
        "starts_at": in_future(days=1),
        "duration_minutes": 50,
        "modality": "video",
        **changes,
    }


def test_it_lets_a_peer_schedule_a_confirmed_session(as_peer, peer, participant):
    response = as_peer.post("/sessions", new_session(participant, private_note="first"))

    assert response.status_code == 201
    session = SupportSession.objects.get()
    assert session.status == "confirmed"
    assert (session.peer, session.participant) == (peer, participant)
    assert response.json()["id"] == session.pk
    assert response.json()["private_note"] == "first"


@pytest.mark.django_db(transaction=True)
def test_it_makes_the_zoom_meeting_for_a_connected_peer(connected_peer, participant, emulator):
    client_for(connected_peer).post("/sessions", new_session(participant))
    run_until_quiet()

    [meeting] = emulator.meetings()
    detail = client_for(participant).get(f"/sessions/{SupportSession.objects.get().pk}").json()
    assert f"/j/{meeting['id']}" in detail["join"]["url"]
    assert detail["link"]["text"] == "Zoom meeting ready"


def test_it_reads_an_offset_as_the_moment_it_names(as_peer, participant):
    starts = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    local = starts.astimezone(timezone.get_fixed_timezone(-300)).isoformat()

    as_peer.post("/sessions", new_session(participant, starts_at=local))

    assert SupportSession.objects.get().starts_at == starts


def test_it_rejects_a_time_without_an_offset(as_peer, participant):
    naive = (timezone.now() + timedelta(days=1)).replace(tzinfo=None).isoformat()

    response = as_peer.post("/sessions", new_session(participant, starts_at=naive))

    assert response.status_code == 422
    problem = response.json()["details"][0]
    assert problem["field"] == "body.payload.starts_at"
    assert "timezone" in problem["message"]
    assert count_sessions() == 0


def test_it_rejects_a_time_in_the_past(as_peer, participant):
    response = as_peer.post("/sessions", new_session(participant, starts_at=in_future(days=-1)))

    assert response.status_code == 400
    assert response.json()["code"] == "in_the_past"
    assert count_sessions() == 0


def test_it_rejects_a_duration_out_of_range(as_peer, participant):
    response = as_peer.post("/sessions", new_session(participant, duration_minutes=5))

    assert response.status_code == 422
    assert count_sessions() == 0


def test_it_books_an_unknown_address_and_invites_it(as_peer, participant, mailoutbox):
    body = new_session(participant, participant_email="nobody@example.org")

    response = as_peer.post("/sessions", body)

    # Answered like a known address (no account oracle); the address gets an invitation.
    assert response.status_code == 201
    assert count_sessions() == 1
    invited = User.objects.get(email="nobody@example.org")
    assert invited.email_verified_at is None
    assert not invited.has_usable_password()
    assert any("/accounts/verify/" in m.body for m in mailoutbox if m.to == [invited.email])


def test_it_rejects_a_link_that_is_not_https(as_peer, participant):
    response = as_peer.post(
        "/sessions", new_session(participant, manual_link="http://meet.example.org/x")
    )

    assert response.status_code == 400
    assert response.json()["code"] == "bad_link"
    assert count_sessions() == 0


def test_it_refuses_an_overlapping_session(as_peer, peer, participant, stranger):
    taken = book(peer, stranger)

    response = as_peer.post(
        "/sessions", new_session(participant, starts_at=taken.starts_at.isoformat())
    )

    assert response.status_code == 409
    assert response.json()["code"] == "overlap"
    assert count_sessions() == 1


def test_it_refuses_a_session_with_oneself(as_peer, peer):
    response = as_peer.post("/sessions", new_session(peer))

    assert response.json()["code"] == "same_person"
    assert count_sessions() == 0


def test_it_refuses_scheduling_to_a_participant(as_participant, stranger):
    response = as_participant.post("/sessions", new_session(stranger))

    assert response.status_code == 403
    assert response.json()["code"] == "not_a_peer"
    assert count_sessions() == 0


def test_it_refuses_scheduling_without_a_token(anonymous, participant):
    assert anonymous.post("/sessions", new_session(participant)).status_code == 401
    assert count_sessions() == 0


def request_body(peer, **changes):
    return {"peer_id": peer.pk, "starts_at": in_future(days=2), "modality": "audio", **changes}


def test_it_lets_a_participant_request_a_session(as_participant, peer, participant):
    response = as_participant.post("/sessions/requests", request_body(peer))

    assert response.status_code == 201
    session = SupportSession.objects.get()
    assert (session.status, session.modality) == ("requested", "audio")
    assert session.participant == participant
    assert response.json()["role"] == "participant"


def test_it_refuses_a_request_to_someone_who_is_not_a_peer(as_participant, stranger):
    response = as_participant.post("/sessions/requests", request_body(stranger))

    assert response.status_code == 400
    assert response.json()["code"] == "unknown_peer"
    assert count_sessions() == 0


def test_it_refuses_a_request_to_oneself(as_peer, peer):
    response = as_peer.post("/sessions/requests", request_body(peer))

    assert response.json()["code"] == "unknown_peer"
    assert count_sessions() == 0


def test_it_rejects_a_request_with_an_unknown_modality(as_participant, peer):
    response = as_participant.post("/sessions/requests", request_body(peer, modality="chat"))

    assert response.status_code == 422
    assert count_sessions() == 0


def test_it_rejects_a_body_that_is_not_json(as_participant):
    response = as_participant.client.post(
        "/api/v1/sessions/requests",
        data="{not json",
        content_type="application/json",
        headers=as_participant._headers(),
    )

    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    assert count_sessions() == 0


def test_it_refuses_a_request_without_a_token(anonymous, peer):
    assert anonymous.post("/sessions/requests", request_body(peer)).status_code == 401
