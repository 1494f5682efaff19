"""POST /sessions/{id}/reschedule: the same rules as the dashboard (scheduling.services)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from scheduling.models import SupportSession
from tests.api.conftest import ask, book

pytestmark = pytest.mark.django_db


def later(days: int) -> str:
    return (timezone.now() + timedelta(days=days)).replace(microsecond=0).isoformat()


def test_it_lets_the_peer_move_a_confirmed_session(as_peer, peer, participant):
    session = book(peer, participant)

    new_time = later(5)

    response = as_peer.post(f"/sessions/{session.pk}/reschedule", {"starts_at": new_time})

    assert response.status_code == 200
    moved = SupportSession.objects.get(pk=session.pk)
    assert moved.starts_at.isoformat() == new_time
    assert moved.calendar_sequence == 1


def test_it_lets_the_participant_move_their_own_request(as_participant, peer, participant):
    session = ask(participant, peer)

    response = as_participant.post(
        f"/sessions/{session.pk}/reschedule", {"starts_at": later(6), "duration_minutes": 30}
    )

    assert response.status_code == 200
    assert SupportSession.objects.get(pk=session.pk).duration_minutes == 30


def test_it_refuses_the_participant_moving_a_confirmed_session(as_participant, peer, participant):
    session = book(peer, participant)
    before = SupportSession.objects.get(pk=session.pk).starts_at

    response = as_participant.post(f"/sessions/{session.pk}/reschedule", {"starts_at": later(7)})

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert SupportSession.objects.get(pk=session.pk).starts_at == before


def test_it_refuses_a_time_in_the_past(as_peer, peer, participant):
    session = book(peer, participant)

    response = as_peer.post(f"/sessions/{session.pk}/reschedule", {"starts_at": later(-1)})

    assert response.status_code == 400
    assert response.json()["code"] == "in_the_past"


def test_it_hides_other_peoples_sessions(as_stranger, peer, participant):
    session = book(peer, participant)

    response = as_stranger.post(f"/sessions/{session.pk}/reschedule", {"starts_at": later(5)})

    assert response.status_code == 404
