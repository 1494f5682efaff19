"""GET /sessions/{id}/join: where to go now, or why not yet."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from scheduling.services import session_cancel
from tests.api.conftest import book, client_for, iso
from tests.worker import run_until_quiet

MANUAL = "https://whereby.com/room-3"


@pytest.fixture
def manual_session(peer, participant):
    return book(peer, participant, manual_link=MANUAL)


@pytest.mark.django_db
def test_it_gives_the_manual_link_inside_the_window(as_participant, manual_session):
    with time_machine.travel(manual_session.starts_at - timedelta(minutes=15), tick=False):
        response = as_participant.get(f"/sessions/{manual_session.pk}/join")

    assert response.status_code == 200
    assert response.json() == {"url": MANUAL}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_it_says_when_the_window_opens(as_participant, manual_session):
    opens = manual_session.starts_at - timedelta(minutes=15)
    with time_machine.travel(opens - timedelta(seconds=1), tick=False):
        response = as_participant.get(f"/sessions/{manual_session.pk}/join")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "join_window_not_open"
    assert body["opens_at"] == iso(opens)
    assert body["message"] == "The join window has not opened yet."


@pytest.mark.django_db
def test_it_refuses_to_join_a_cancelled_session(as_participant, participant, manual_session):
    session_cancel(session=manual_session, by=participant)

    with time_machine.travel(manual_session.starts_at, tick=False):
        response = as_participant.get(f"/sessions/{manual_session.pk}/join")

    assert response.status_code == 409
    assert response.json()["code"] == "not_confirmed"
    assert "cancelled" in response.json()["message"]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["stranger", "other_peer", "staff"])
def test_it_hides_the_join_link_from_anyone_else(request, who, manual_session):
    with time_machine.travel(manual_session.starts_at, tick=False):
        response = client_for(request.getfixturevalue(who)).get(
            f"/sessions/{manual_session.pk}/join"
        )

    assert response.status_code == 404
    assert MANUAL not in response.text


@pytest.mark.django_db
def test_it_refuses_to_join_without_a_token(anonymous, manual_session):
    assert anonymous.get(f"/sessions/{manual_session.pk}/join").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_it_gives_the_participant_the_zoom_join_url(connected_peer, participant, emulator):
    session = book(connected_peer, participant, starts_in=timedelta(minutes=5))
    run_until_quiet()

    response = client_for(participant).get(f"/sessions/{session.pk}/join")

    [meeting] = emulator.meetings()
    assert f"/j/{meeting['id']}" in response.json()["url"]


@pytest.mark.django_db(transaction=True)
def test_it_gives_the_peer_a_fresh_start_url(connected_peer, participant, emulator):
    session = book(connected_peer, participant, starts_in=timedelta(minutes=5))
    run_until_quiet()
    emulator.clear_calls()

    response = client_for(connected_peer).get(f"/sessions/{session.pk}/join")

    assert "zak=" in response.json()["url"]
    assert [c["endpoint"] for c in emulator.calls()] == ["get_meeting"]


@pytest.mark.django_db(transaction=True)
def test_it_never_shows_the_start_url_in_the_session_detail(connected_peer, participant, emulator):
    session = book(connected_peer, participant, starts_in=timedelta(minutes=5))
    run_until_quiet()

    response = client_for(connected_peer).get(f"/sessions/{session.pk}")

    assert "zak=" not in response.text
    assert "/s/" not in response.json()["join"]["url"]
