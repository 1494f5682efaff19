"""Issue #17, the web door of asking to move a confirmed session: the session page's "Ask to
move", the peer's "Needs your response", Accept, Decline (asked once) and Withdraw. Every refusal
comes from scheduling.moves and changes nothing (the rules: test_move_asks.py)."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.services import certification_revoke
from scheduling import moves, services
from scheduling.forms import in_your_zone
from scheduling.models import MoveAsk, SupportSession
from tests.booking.conftest import at, open_hours
from tests.scheduling.conftest import book

pytestmark = pytest.mark.django_db
State = MoveAsk.State


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def wall(moment: datetime, person) -> str:
    """What a person types in the date-time field: their own wall clock."""
    return timezone.localtime(moment, person.tz).strftime("%Y-%m-%dT%H:%M")


def later(days: float = 3) -> datetime:
    return (timezone.now() + timedelta(days=days)).replace(second=0, microsecond=0)


def post_ask(client: Client, session: SupportSession, person, when: datetime, **extra: str):
    data = {"starts_at": wall(when, person), "note": "", **extra}
    return client.post(reverse("scheduling:move_ask_new", args=[session.pk]), data)


def answer(client: Client, ask: MoveAsk, action: str, **data: str):
    url = reverse("scheduling:move_ask_answer", args=[ask.session_id, ask.pk, action])
    return client.post(url, data)


def pending() -> list[MoveAsk]:
    return list(MoveAsk.objects.filter(state=State.PENDING))


# --- Asking ---------------------------------------------------------------------------------


def test_the_session_page_offers_the_participant_ask_to_move(peer, participant):
    session = book(peer, participant)

    as_participant = signed_in(participant).get(f"/sessions/{session.pk}/").content.decode()
    as_peer = signed_in(peer).get(f"/sessions/{session.pk}/").content.decode()

    assert "Ask to move this session" in as_participant
    assert in_your_zone(participant) in as_participant
    assert "Ask to move this session" not in as_peer


def test_the_participant_asks_in_their_own_time_zone(peer, participant):
    participant.time_zone = "Europe/Berlin"
    participant.save()
    session = book(peer, participant)
    wanted = later(3)

    response = post_ask(signed_in(participant), session, participant, wanted, note="Work.")

    assert response.status_code == 302
    [ask] = pending()
    assert (ask.starts_at, ask.note) == (wanted, "Work.")
    page = signed_in(participant).get(f"/sessions/{session.pk}/").content.decode()
    assert "You asked to move this session" in page
    assert f"waiting for {peer.display_name}" in page
    assert "Withdraw ask" in page
    assert "Ask to move</button>" not in page


@pytest.mark.parametrize("who", ["peer", "stranger"])
def test_only_the_participant_may_ask(peer, participant, stranger, who):
    session = book(peer, participant)
    person = {"peer": peer, "stranger": stranger}[who]

    response = post_ask(signed_in(person), session, person, later())

    assert response.status_code == {"peer": 409, "stranger": 404}[who]
    assert pending() == []


def test_a_request_cannot_be_asked_to_move(peer, participant):
    request = services.session_request(
        participant=participant, peer=peer, starts_at=later(1), duration_minutes=50,
        modality="video",
    )  # fmt: skip

    response = post_ask(signed_in(participant), request, participant, later(3))

    assert response.status_code == 409
    assert "You cannot ask to move a session that is requested." in response.content.decode()
    assert pending() == []


@pytest.mark.parametrize(
    ("when", "status", "said"),
    [
        (
            lambda other: timezone.now() - timedelta(hours=2),
            400,
            "Choose a start time in the future",
        ),
        (lambda other: other.starts_at + timedelta(minutes=10), 409, "overlaps another session"),
    ],
)
def test_a_past_or_taken_time_is_refused(peer, participant, stranger, when, status, said):
    session = book(peer, participant)
    other = book(peer, stranger, starts_in=timedelta(days=4))

    response = post_ask(signed_in(participant), session, participant, when(other))

    assert response.status_code == status
    assert said in response.content.decode()
    assert pending() == []


def test_a_time_outside_the_peers_hours_is_refused(peer, participant):
    open_hours(peer)
    session = book(peer, participant, starts_at=at(2, time(10), peer.time_zone))

    response = post_ask(
        signed_in(participant), session, participant, at(3, time(3), peer.time_zone)
    )

    assert response.status_code == 409
    assert "That time is outside the peer&#x27;s hours" in response.content.decode()
    assert pending() == []


def test_a_second_ask_is_refused_while_one_waits(peer, participant):
    session = book(peer, participant)
    client = signed_in(participant)
    post_ask(client, session, participant, later(3))

    response = post_ask(client, session, participant, later(4))

    assert response.status_code == 409
    assert "You already asked to move this session" in response.content.decode()
    assert len(pending()) == 1


@pytest.mark.parametrize(
    "data",
    [
        {"starts_at": ""},
        {"starts_at": "next tuesday"},
        {"starts_at": "2026-12-24T10:00", "note": "x" * 501},
    ],
)
def test_bad_input_is_refused_and_changes_nothing(peer, participant, data):
    session = book(peer, participant)

    response = signed_in(participant).post(
        reverse("scheduling:move_ask_new", args=[session.pk]), data
    )

    assert response.status_code == 400
    assert pending() == []


# --- The peer's answer ------------------------------------------------------------------------


def test_the_peer_accepts_from_the_session_page(peer, participant):
    session = book(peer, participant)
    ask = moves.move_ask_create(session=session, by=participant, starts_at=later(3))

    response = answer(signed_in(peer), ask, "accept")

    assert response.status_code == 302
    assert SupportSession.objects.get(pk=session.pk).starts_at == ask.starts_at
    assert MoveAsk.objects.get(pk=ask.pk).state == State.ACCEPTED


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_the_participant_cannot_answer_their_own_ask(peer, participant, action):
    session = book(peer, participant)
    ask = moves.move_ask_create(session=session, by=participant, starts_at=later(3))

    response = answer(signed_in(participant), ask, action)

    assert response.status_code == 409
    assert pending() == [ask]
    assert SupportSession.objects.get(pk=session.pk).starts_at == session.starts_at


def test_a_stranger_does_not_find_the_ask(peer, participant, stranger):
    session = book(peer, participant)
    ask = moves.move_ask_create(session=session, by=participant, starts_at=later(3))

    assert answer(signed_in(stranger), ask, "accept").status_code == 404
    assert pending() == [ask]


def test_a_revoked_peer_cannot_accept(peer, participant, staff):
    session = book(peer, participant)
    ask = moves.move_ask_create(session=session, by=participant, starts_at=later(3))
    certification_revoke(user=peer, by=staff)

    response = answer(signed_in(peer), ask, "accept")

    assert response.status_code == 409
    assert "Only active certified peers can host sessions" in response.content.decode()
    assert SupportSession.objects.get(pk=session.pk).starts_at == session.starts_at


def test_a_time_taken_meanwhile_is_refused_and_the_ask_waits(peer, participant, stranger):
    session = book(peer, participant)
    ask = moves.move_ask_create(session=session, by=participant, starts_at=later(3))
    book(peer, stranger, starts_at=ask.starts_at)

    response = answer(signed_in(peer), ask, "accept")

    assert response.status_code == 409
    assert "overlaps another session" in response.content.decode()
    assert pending() == [ask]


def test_declining_is_asked_once_with_an_optional_note(peer, participant):
    session = book(peer, participant)
    ask = moves.move_ask_create(session=session, by=participant, starts_at=later(3))
    url = reverse("scheduling:move_ask_answer", args=[session.pk, ask.pk, "decline"])

    question = signed_in(peer).get(url, {"back": "schedule"}).content.decode()

    assert "Decline this ask to move?" in question
    assert f"A note for {participant.display_name} (optional)" in question
    assert 'name="back" value="schedule"' in question
    assert pending() == [ask]


def test_the_peer_declines_with_a_note(peer, participant):
    session = book(peer, participant)
    ask = moves.move_ask_create(session=session, by=participant, starts_at=later(3))

    response = answer(signed_in(peer), ask, "decline", reason="Away that week.")

    assert response.status_code == 302
    declined = MoveAsk.objects.get(pk=ask.pk)
    assert (declined.state, declined.decline_reason) == (State.DECLINED, "Away that week.")


def test_a_note_too_long_keeps_what_was_written(peer, participant):
    session = book(peer, participant)
    ask = moves.move_ask_create(session=session, by=participant, starts_at=later(3))

    response = answer(signed_in(peer), ask, "decline", reason="y" * 501)

    assert response.status_code == 400
    assert "y" * 501 in response.content.decode()
    assert pending() == [ask]


def test_the_participant_withdraws_and_the_peer_cannot(peer, participant):
    session = book(peer, participant)
    ask = moves.move_ask_create(session=session, by=participant, starts_at=later(3))

    assert answer(signed_in(peer), ask, "withdraw").status_code == 409
    assert answer(signed_in(participant), ask, "withdraw").status_code == 302
    assert MoveAsk.objects.get(pk=ask.pk).state == State.WITHDRAWN


@pytest.mark.parametrize(
    ("method", "action"), [("get", "accept"), ("get", "withdraw"), ("post", "nope")]
)
def test_there_is_no_other_door(peer, participant, method, action):
    session = book(peer, participant)
    ask = moves.move_ask_create(session=session, by=participant, starts_at=later(3))
    url = f"/sessions/{session.pk}/move/{ask.pk}/{action}/"

    assert getattr(signed_in(peer), method)(url).status_code == 404
    assert pending() == [ask]


# --- The Schedule page on the lived-in diary ----------------------------------------------------


def test_the_peer_answers_it_under_needs_your_response_first(client, lived_in):
    ask = lived_in.move_asks["later"]
    client.force_login(lived_in.peer)

    html = client.get(reverse("scheduling:schedule")).text

    section = html[html.index('id="respond-heading"') : html.index('id="next-heading"')]
    assert section.index(f'id="move-ask-{ask.pk}"') < section.index(
        f'id="session-{lived_in.sessions["request"].pk}"'
    )
    card = section[section.index(f'id="move-ask-{ask.pk}"') :]
    assert "Sam Lee asks to move your video session" in card
    assert "Accept new time" in card
    assert "Decline" in card
    assert "Sam Lee wrote: “A work meeting moved." in card


def test_the_participant_sees_it_waiting_with_withdraw(client, lived_in):
    session = lived_in.sessions["later"]
    client.force_login(lived_in.new_york)

    html = client.get(reverse("scheduling:schedule")).text

    card = html[html.index(f'id="session-{session.pk}"') :]
    card = card[: card.index("</li>")]
    said = re.sub(r"<[^>]+>", "", card)
    assert "You asked to move this to Fri 11 Dec, 4:00 PM, waiting for Jordan Rivera." in said
    assert "Withdraw ask" in card
    assert "Needs your response" not in html
