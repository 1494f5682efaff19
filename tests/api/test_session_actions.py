"""POST /sessions/{id}/accept|decline|cancel|complete and PUT /sessions/{id}/link."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from scheduling.models import SupportSession
from tests.api.conftest import ask, book, client_for
from tests.worker import run_until_quiet

pytestmark = pytest.mark.django_db
MANUAL = "https://whereby.com/room-9"


def status_of(session):
    return SupportSession.objects.get(pk=session.pk).status


def test_it_lets_the_peer_accept_a_request(as_peer, peer, participant):
    session = ask(participant, peer)

    response = as_peer.post(f"/sessions/{session.pk}/accept")

    assert response.status_code == 200
    assert response.json()["status"] == "confirmed"
    assert status_of(session) == "confirmed"


def test_it_lets_the_peer_decline_a_request(as_peer, peer, participant):
    session = ask(participant, peer)

    assert as_peer.post(f"/sessions/{session.pk}/decline").json()["status"] == "declined"
    assert status_of(session) == "declined"


def test_it_refuses_the_participant_accepting_their_own_request(as_participant, peer, participant):
    session = ask(participant, peer)

    response = as_participant.post(f"/sessions/{session.pk}/accept")

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert status_of(session) == "requested"


def test_it_refuses_accepting_twice(as_peer, peer, participant):
    session = ask(participant, peer)
    as_peer.post(f"/sessions/{session.pk}/accept")

    response = as_peer.post(f"/sessions/{session.pk}/accept")

    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"


def test_it_refuses_accepting_a_request_whose_time_has_passed(as_peer, peer, participant):
    session = ask(participant, peer, starts_in=timedelta(hours=1))

    with time_machine.travel(session.starts_at + timedelta(minutes=1)):
        response = as_peer.post(f"/sessions/{session.pk}/accept")

    assert response.status_code == 409
    assert response.json()["code"] == "in_the_past"
    assert status_of(session) == "requested"


def test_it_lets_the_participant_cancel(as_participant, peer, participant):
    session = book(peer, participant)

    response = as_participant.post(f"/sessions/{session.pk}/cancel")

    assert response.json()["status"] == "cancelled"
    assert SupportSession.objects.get(pk=session.pk).cancelled_by == participant


def test_it_lets_the_peer_cancel(as_peer, peer, participant):
    session = book(peer, participant)

    assert as_peer.post(f"/sessions/{session.pk}/cancel").status_code == 200
    assert status_of(session) == "cancelled"


@pytest.mark.parametrize("who", ["stranger", "other_peer", "staff"])
def test_it_hides_the_session_from_anyone_else_who_cancels(request, who, peer, participant):
    session = book(peer, participant)

    response = client_for(request.getfixturevalue(who)).post(f"/sessions/{session.pk}/cancel")

    assert response.status_code == 404
    assert status_of(session) == "confirmed"


def test_it_lets_the_peer_complete_a_started_session(as_peer, peer, participant):
    session = book(peer, participant, starts_in=timedelta(hours=1))

    with time_machine.travel(session.starts_at + timedelta(minutes=5)):
        response = as_peer.post(f"/sessions/{session.pk}/complete")

    assert response.json()["status"] == "completed"


def test_it_refuses_completing_a_session_not_started(as_peer, peer, participant):
    session = book(peer, participant)

    response = as_peer.post(f"/sessions/{session.pk}/complete")

    assert response.status_code == 409
    assert response.json()["code"] == "not_started"
    assert status_of(session) == "confirmed"


def test_it_refuses_an_action_without_a_token(anonymous, peer, participant):
    session = book(peer, participant)

    assert anonymous.post(f"/sessions/{session.pk}/cancel").status_code == 401
    assert status_of(session) == "confirmed"


def test_it_refuses_an_action_with_a_revoked_token(as_participant, peer, participant):
    session = book(peer, participant)
    as_participant.delete("/auth/tokens/current")

    assert as_participant.post(f"/sessions/{session.pk}/cancel").status_code == 401
    assert status_of(session) == "confirmed"


@pytest.mark.django_db(transaction=True)
def test_it_removes_the_zoom_meeting_of_a_cancelled_session(connected_peer, participant, emulator):
    session = book(connected_peer, participant)
    run_until_quiet()

    client_for(participant).post(f"/sessions/{session.pk}/cancel")
    run_until_quiet()

    assert [m for m in emulator.meetings() if m["deleted_at"] is None] == []


def test_it_sets_a_manual_link(as_peer, peer, participant):
    session = book(peer, participant)

    response = as_peer.put(f"/sessions/{session.pk}/link", {"manual_link": MANUAL})

    assert response.status_code == 200
    assert response.json()["join"]["url"] == MANUAL
    assert SupportSession.objects.get(pk=session.pk).manual_link == MANUAL


def test_it_clears_a_manual_link(as_peer, peer, participant):
    session = book(peer, participant, manual_link=MANUAL)

    as_peer.put(f"/sessions/{session.pk}/link", {"manual_link": ""})

    assert SupportSession.objects.get(pk=session.pk).manual_link == ""


@pytest.mark.django_db(transaction=True)
def test_it_removes_the_zoom_meeting_when_a_manual_link_replaces_it(
    connected_peer, participant, emulator
):
    session = book(connected_peer, participant)
    run_until_quiet()

    client_for(connected_peer).put(f"/sessions/{session.pk}/link", {"manual_link": MANUAL})
    run_until_quiet()

    assert [m for m in emulator.meetings() if m["deleted_at"] is None] == []


def test_it_rejects_a_link_with_a_password_in_it(as_peer, peer, participant):
    session = book(peer, participant)

    response = as_peer.put(
        f"/sessions/{session.pk}/link", {"manual_link": "https://u:p@meet.example.org/x"}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "bad_link"
    assert SupportSession.objects.get(pk=session.pk).manual_link == ""


def test_it_refuses_a_link_from_the_participant(as_participant, peer, participant):
    session = book(peer, participant)

    response = as_participant.put(f"/sessions/{session.pk}/link", {"manual_link": MANUAL})

    assert response.status_code == 403
    assert SupportSession.objects.get(pk=session.pk).manual_link == ""


def test_it_hides_the_session_from_another_peer_setting_a_link(other_peer, peer, participant):
    session = book(peer, participant)

    response = client_for(other_peer).put(f"/sessions/{session.pk}/link", {"manual_link": MANUAL})

    assert response.status_code == 404
    assert SupportSession.objects.get(pk=session.pk).manual_link == ""


def test_it_refuses_a_link_for_a_cancelled_session(as_peer, peer, participant):
    session = book(peer, participant)
    as_peer.post(f"/sessions/{session.pk}/cancel")

    response = as_peer.put(f"/sessions/{session.pk}/link", {"manual_link": MANUAL})

    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"


def test_it_keeps_the_cancellers_note_for_the_other_person(as_participant, peer, participant):
    session = book(peer, participant)

    response = as_participant.post(f"/sessions/{session.pk}/cancel", {"reason": "Got a cold."})

    assert response.status_code == 200
    assert SupportSession.objects.get(pk=session.pk).call_off_reason == "Got a cold."
    # Each of the two reads it in the session's detail, as the session page shows it.
    mine = as_participant.get(f"/sessions/{session.pk}").json()["call_off_note"]
    theirs = client_for(peer).get(f"/sessions/{session.pk}").json()["call_off_note"]
    assert mine == {"text": "Got a cold.", "by_you": True, "author": participant.display_name}
    assert theirs == {"text": "Got a cold.", "by_you": False, "author": participant.display_name}


def test_it_keeps_the_decliners_note(as_peer, peer, participant):
    session = ask(participant, peer)

    response = as_peer.post(f"/sessions/{session.pk}/decline", {"reason": "Away that week."})

    assert response.json()["status"] == "declined"
    assert SupportSession.objects.get(pk=session.pk).call_off_reason == "Away that week."


def test_a_cancel_without_a_body_still_works(as_peer, peer, participant):
    """Clients written before notes existed send no body at all (as curl -X POST does)."""
    session = book(peer, participant)

    response = as_peer.client.generic(
        "POST",
        f"/api/v1/sessions/{session.pk}/cancel",
        b"",
        content_type="",
        headers=as_peer._headers(),
    )

    assert response.status_code == 200
    assert status_of(session) == "cancelled"


@pytest.mark.parametrize("reason", ["z" * 501, "nul\x00"])
def test_it_refuses_a_note_it_cannot_keep_and_changes_nothing(
    as_participant, peer, participant, reason
):
    session = book(peer, participant)

    response = as_participant.post(f"/sessions/{session.pk}/cancel", {"reason": reason})

    assert response.status_code in (400, 422)
    assert status_of(session) == "confirmed"
    assert SupportSession.objects.get(pk=session.pk).call_off_reason == ""


def test_it_refuses_a_participant_declining_with_a_note(as_participant, peer, participant):
    session = ask(participant, peer)

    response = as_participant.post(f"/sessions/{session.pk}/decline", {"reason": "no"})

    assert response.status_code == 403
    assert status_of(session) == "requested"
