"""GET /sessions and GET /sessions/{id}: the viewer's sessions; join information for members."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import User
from scheduling.services import session_cancel
from tests.api.conftest import ask, book, client_for, iso

pytestmark = pytest.mark.django_db
MANUAL = "https://whereby.com/room-7"


def test_it_lists_the_viewers_sessions(as_participant, peer, participant, other_peer):
    mine = book(peer, participant)
    book(other_peer, User.objects.create_user("x@example.org", "pw", display_name="X"))

    body = as_participant.get("/sessions").json()

    assert [s["id"] for s in body["items"]] == [mine.pk]
    assert body["items"][0]["role"] == "participant"
    assert body["items"][0]["peer"] == {"id": peer.pk, "display_name": "Pat Peer"}


def test_it_lists_upcoming_soonest_first(as_peer, peer, participant):
    later = book(peer, participant, starts_in=timedelta(days=3))
    sooner = book(peer, participant, starts_in=timedelta(days=1))

    items = as_peer.get("/sessions", when="upcoming").json()["items"]

    assert [s["id"] for s in items] == [sooner.pk, later.pk]


def test_it_lists_past_sessions_apart(as_peer, peer, participant):
    upcoming = book(peer, participant)
    cancelled = book(peer, participant, starts_in=timedelta(days=2))
    session_cancel(session=cancelled, by=peer)

    past = as_peer.get("/sessions", when="past").json()["items"]

    assert [s["id"] for s in past] == [cancelled.pk]
    assert upcoming.pk not in [s["id"] for s in past]


def test_it_pages_the_sessions(as_peer, peer, participant):
    sessions = [book(peer, participant, starts_in=timedelta(days=d)) for d in (1, 2, 3)]

    body = as_peer.get("/sessions", limit=1, offset=1).json()

    assert [s["id"] for s in body["items"]] == [sessions[1].pk]
    assert body["count"] == 3


def test_it_rejects_an_unknown_filter(as_peer):
    response = as_peer.get("/sessions", when="someday")

    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "query.when"


def test_it_gives_times_in_utc_with_the_viewers_time_zone(peer, participant):
    participant.time_zone = "Europe/Berlin"
    participant.save()
    session = book(peer, participant)

    item = client_for(participant).get("/sessions").json()["items"][0]

    assert item["starts_at"] == iso(session.starts_at)
    assert item["time_zone"] == "Europe/Berlin"


def test_it_shows_a_member_the_manual_link(as_participant, peer, participant):
    session = book(peer, participant, manual_link=MANUAL)

    body = as_participant.get(f"/sessions/{session.pk}").json()

    assert body["join"]["url"] == MANUAL
    assert body["link"]["text"] == "Manual link"  # kept for older clients
    assert body["link"]["tone"] == "ready"


def test_it_says_when_the_join_window_opens(as_participant, peer, participant):
    session = book(peer, participant, manual_link=MANUAL)

    join = as_participant.get(f"/sessions/{session.pk}").json()["join"]

    opens = session.starts_at - timedelta(minutes=15)
    assert join["opens_at"] == iso(opens)
    assert join["is_open"] is False


def test_it_shows_the_private_note_to_the_peer(as_peer, peer, participant):
    session = book(peer, participant, private_note="Prefers audio")

    assert as_peer.get(f"/sessions/{session.pk}").json()["private_note"] == "Prefers audio"


def test_it_never_shows_the_private_note_to_the_participant(as_participant, peer, participant):
    session = book(peer, participant, private_note="Prefers audio")

    response = as_participant.get(f"/sessions/{session.pk}")

    assert response.json()["private_note"] is None
    assert "Prefers audio" not in response.text


def test_it_gives_no_join_information_for_a_request(as_participant, peer, participant):
    session = ask(participant, peer)

    assert as_participant.get(f"/sessions/{session.pk}").json()["join"] is None


def test_it_gives_no_join_information_once_cancelled(as_participant, peer, participant):
    session = book(peer, participant, manual_link=MANUAL)
    session_cancel(session=session, by=peer)

    response = as_participant.get(f"/sessions/{session.pk}")

    assert response.json()["join"] is None
    assert MANUAL not in response.text


@pytest.mark.parametrize("who", ["stranger", "other_peer", "staff"])
def test_it_hides_a_session_from_anyone_else(request, who, peer, participant):
    session = book(peer, participant, manual_link=MANUAL)

    response = client_for(request.getfixturevalue(who)).get(f"/sessions/{session.pk}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert MANUAL not in response.text


def test_it_answers_404_for_a_session_that_does_not_exist(as_peer):
    assert as_peer.get("/sessions/999999").status_code == 404


def test_it_rejects_a_session_id_that_is_not_a_number(as_peer):
    response = as_peer.get("/sessions/abc")

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


def test_it_refuses_the_list_without_a_token(anonymous):
    assert anonymous.get("/sessions").status_code == 401


def test_it_refuses_the_list_with_an_expired_token(as_peer):
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert as_peer.get("/sessions").json()["code"] == "token_expired"


def test_it_says_the_link_in_the_participants_words(as_participant, peer, participant):
    """Issue #17: the API speaks as the dashboard does; the old words stay in `text`."""
    session = book(peer, participant, manual_link="https://meet.google.com/abc-defg-hij")

    link = as_participant.get(f"/sessions/{session.pk}").json()["link"]

    assert link["says"] == "Your session link is ready: Join Session opens Google Meet"
    assert link["text"] == "Manual link"
