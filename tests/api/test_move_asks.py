"""/sessions/{id}/move-asks: the participant asks to move a confirmed session, the peer accepts
or declines, the participant withdraws; the same rules as the dashboard (scheduling.moves)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from accounts.services import certification_revoke
from scheduling import moves
from scheduling.models import MoveAsk, SupportSession
from tests.api.conftest import ask, book, client_for, iso
from tests.booking.conftest import at, open_hours

pytestmark = pytest.mark.django_db
State = MoveAsk.State


def later(days: float = 3) -> str:
    return (timezone.now() + timedelta(days=days)).replace(second=0, microsecond=0).isoformat()


def pending() -> list[MoveAsk]:
    return list(MoveAsk.objects.filter(state=State.PENDING))


def asked(session, participant, days: float = 3) -> MoveAsk:
    starts_at = (timezone.now() + timedelta(days=days)).replace(second=0, microsecond=0)
    return moves.move_ask_create(session=session, by=participant, starts_at=starts_at)


def test_the_participant_asks_and_the_session_shows_it(as_participant, as_peer, peer, participant):
    session = book(peer, participant)
    wanted = later(3)

    response = as_participant.post(
        f"/sessions/{session.pk}/move-asks", {"starts_at": wanted, "note": "Work ran late."}
    )

    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "pending"
    assert body["starts_at"] == iso(datetime.fromisoformat(wanted))
    assert body["duration_minutes"] == 50
    detail = as_peer.get(f"/sessions/{session.pk}").json()
    assert detail["move_ask"]["id"] == body["id"]
    assert detail["move_ask"]["note"] == "Work ran late."
    assert detail["starts_at"] == iso(session.starts_at)


@pytest.mark.parametrize(("who", "status"), [("peer", 403), ("stranger", 404)])
def test_only_the_participant_asks(peer, participant, stranger, who, status):
    session = book(peer, participant)
    client = client_for({"peer": peer, "stranger": stranger}[who])

    response = client.post(f"/sessions/{session.pk}/move-asks", {"starts_at": later()})

    assert response.status_code == status
    assert pending() == []


def test_a_request_cannot_be_asked_to_move(as_participant, peer, participant):
    session = ask(participant, peer)

    response = as_participant.post(f"/sessions/{session.pk}/move-asks", {"starts_at": later(4)})

    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"


@pytest.mark.parametrize(
    ("starts_at", "status", "code"),
    [
        (lambda other: later(-1), 400, "in_the_past"),
        (lambda other: iso(other.starts_at), 409, "overlap"),
    ],
)
def test_a_past_or_taken_time_is_refused(
    as_participant, peer, participant, stranger, starts_at, status, code
):
    session = book(peer, participant)
    other = book(peer, stranger, starts_in=timedelta(days=4))

    response = as_participant.post(
        f"/sessions/{session.pk}/move-asks", {"starts_at": starts_at(other)}
    )

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert pending() == []


def test_a_time_outside_the_peers_hours_is_refused(as_participant, peer, participant):
    open_hours(peer)
    session = book(peer, participant)
    SupportSession.objects.filter(pk=session.pk).update(
        starts_at=at(2, time(10), peer.time_zone), ends_at=at(2, time(10, 50), peer.time_zone)
    )

    response = as_participant.post(
        f"/sessions/{session.pk}/move-asks", {"starts_at": iso(at(3, time(3), peer.time_zone))}
    )

    assert (response.status_code, response.json()["code"]) == (400, "outside_availability")
    assert pending() == []


def test_a_second_ask_is_refused_while_one_waits(as_participant, peer, participant):
    session = book(peer, participant)
    first = asked(session, participant)

    response = as_participant.post(f"/sessions/{session.pk}/move-asks", {"starts_at": later(5)})

    assert (response.status_code, response.json()["code"]) == (409, "ask_pending")
    assert pending() == [first]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"starts_at": "tomorrow"},
        {"starts_at": "2026-12-24T10:00:00"},  # no offset
        {"starts_at": later(), "duration_minutes": 5},
        {"starts_at": later(), "note": "x" * 501},
        {"starts_at": later(), "note": "nul\u0000"},
    ],
)
def test_bad_input_is_refused_and_changes_nothing(as_participant, peer, participant, body):
    session = book(peer, participant)

    response = as_participant.post(f"/sessions/{session.pk}/move-asks", body)

    assert response.status_code == 422
    assert pending() == []


def test_the_peer_accepts_and_the_session_moves(as_peer, peer, participant):
    session = book(peer, participant)
    move = asked(session, participant)

    response = as_peer.post(f"/sessions/{session.pk}/move-asks/{move.pk}/accept")

    assert response.status_code == 200
    assert response.json()["starts_at"] == iso(move.starts_at)
    assert response.json()["move_ask"] is None
    assert MoveAsk.objects.get(pk=move.pk).state == State.ACCEPTED


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_the_participant_cannot_answer(as_participant, peer, participant, action):
    session = book(peer, participant)
    move = asked(session, participant)

    response = as_participant.post(f"/sessions/{session.pk}/move-asks/{move.pk}/{action}")

    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert pending() == [move]


def test_a_stranger_does_not_find_the_ask(as_stranger, peer, participant):
    session = book(peer, participant)
    move = asked(session, participant)

    response = as_stranger.post(f"/sessions/{session.pk}/move-asks/{move.pk}/accept")

    assert response.status_code == 404
    assert pending() == [move]


def test_an_ask_of_another_session_is_not_found(as_peer, peer, participant):
    session = book(peer, participant)
    other = book(peer, participant, starts_in=timedelta(days=6))
    move = asked(session, participant)

    response = as_peer.post(f"/sessions/{other.pk}/move-asks/{move.pk}/accept")

    assert response.status_code == 404


def test_a_revoked_peer_cannot_accept(peer, participant, staff):
    session = book(peer, participant)
    move = asked(session, participant)
    before = client_for(peer)
    certification_revoke(user=peer, by=staff)
    after = client_for(peer)  # still a user: a new token, but no longer a host

    dead = before.post(f"/sessions/{session.pk}/move-asks/{move.pk}/accept")
    refused = after.post(f"/sessions/{session.pk}/move-asks/{move.pk}/accept")

    assert dead.status_code == 401  # revoking ends the peer's tokens
    assert (refused.status_code, refused.json()["code"]) == (403, "not_a_peer")
    assert SupportSession.objects.get(pk=session.pk).starts_at == session.starts_at


def test_a_time_taken_meanwhile_is_refused_and_the_ask_waits(as_peer, peer, participant, stranger):
    session = book(peer, participant)
    move = asked(session, participant)
    book(peer, stranger, starts_in=move.starts_at - timezone.now())

    response = as_peer.post(f"/sessions/{session.pk}/move-asks/{move.pk}/accept")

    assert (response.status_code, response.json()["code"]) == (409, "overlap")
    assert pending() == [move]


def test_the_peer_declines_with_a_reason(as_peer, peer, participant):
    session = book(peer, participant)
    move = asked(session, participant)

    response = as_peer.post(
        f"/sessions/{session.pk}/move-asks/{move.pk}/decline", {"reason": "Away that week."}
    )

    assert response.status_code == 200
    assert response.json()["state"] == "declined"
    assert response.json()["decline_reason"] == "Away that week."


def test_the_participant_withdraws_and_the_peer_cannot(as_participant, as_peer, peer, participant):
    session = book(peer, participant)
    move = asked(session, participant)

    refused = as_peer.post(f"/sessions/{session.pk}/move-asks/{move.pk}/withdraw")
    withdrawn = as_participant.post(f"/sessions/{session.pk}/move-asks/{move.pk}/withdraw")

    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    assert withdrawn.json()["state"] == "withdrawn"
    again = as_participant.post(f"/sessions/{session.pk}/move-asks/{move.pk}/withdraw")
    assert (again.status_code, again.json()["code"]) == (409, "illegal_transition")
