"""The booking API: find a peer, their slots in my time zone, and book one."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from scheduling.models import SupportSession
from tests.api.conftest import client_for, iso
from tests.booking.conftest import at, open_hours
from tests.personas import make_participant, make_peer

pytestmark = pytest.mark.django_db


@pytest.fixture
def pat(peer):
    open_hours(peer, slug="pat", languages=["English", "Spanish"])
    return peer


def test_it_lists_bookable_peers_without_their_email(pat, participant):
    answer = client_for(participant).get("/booking/peers", language="spanish")

    assert answer.status_code == 200
    [item] = answer.json()["items"]
    assert item["slug"] == "pat"
    assert item["display_name"] == "Pat Peer"
    assert len(item["next_slots"]) == 3
    assert pat.email not in answer.content.decode()
    assert client_for(participant).get("/booking/peers", language="French").json()["count"] == 0


def test_it_gives_slots_in_utc_with_my_time_zone(pat):
    viewer = make_participant("tokyo@example.org", "Kenji", time_zone="Asia/Tokyo")

    answer = client_for(viewer).get("/booking/peers/pat/slots", days=2, duration_minutes=50)

    body = answer.json()
    assert answer.status_code == 200
    assert body["time_zone"] == "Asia/Tokyo"
    assert body["duration_minutes"] == 50
    assert body["slots"]
    assert all(slot.endswith("Z") for slot in body["slots"])
    first = datetime.fromisoformat(body["slots"][0])
    assert first.astimezone(UTC).minute in (0, 30)


def test_it_books_an_open_slot(pat, participant):
    wanted = at(2, time(10))

    answer = client_for(participant).post(
        "/booking/peers/pat/book",
        {"starts_at": wanted.isoformat(), "duration_minutes": 50, "modality": "audio"},
    )

    assert answer.status_code == 201, answer.json()
    assert answer.json()["status"] == "requested"
    assert answer.json()["starts_at"] == iso(wanted)


def test_a_taken_slot_is_a_409_with_the_nearest_open_times(pat, participant, stranger):
    body = {"starts_at": at(2, time(10)).isoformat(), "duration_minutes": 50}
    client_for(participant).post("/booking/peers/pat/book", body)

    answer = client_for(stranger).post("/booking/peers/pat/book", body)

    assert answer.status_code == 409
    assert answer.json()["code"] == "slot_taken"
    assert "just taken" in answer.json()["message"]
    assert len(answer.json()["nearest"]) == 3
    assert SupportSession.objects.count() == 1


def test_a_time_outside_the_hours_is_refused_clearly(pat, participant):
    body = {"starts_at": at(2, time(3)).isoformat(), "duration_minutes": 50}

    answer = client_for(participant).post("/booking/peers/pat/book", body)

    assert answer.status_code == 400
    assert answer.json()["code"] == "outside_availability"
    assert "outside the peer's hours" in answer.json()["message"]


def test_the_old_request_endpoint_keeps_to_the_hours_too(pat, participant):
    body = {"peer_id": pat.pk, "starts_at": at(2, time(3)).isoformat(), "duration_minutes": 50}

    answer = client_for(participant).post("/sessions/requests", body)

    assert answer.status_code == 400
    assert answer.json()["code"] == "outside_availability"


def test_a_peer_who_confirms_automatically_answers_confirmed(peer, participant):
    open_hours(peer, slug="auto", auto_confirm=True)
    body = {"starts_at": at(2, time(10)).isoformat(), "duration_minutes": 50}

    answer = client_for(participant).post("/booking/peers/auto/book", body)

    assert answer.status_code == 201
    assert answer.json()["status"] == "confirmed"


def test_an_unknown_or_unbookable_link_is_a_404(participant):
    make_peer("quiet@example.org", "Quiet")  # no hours set: no booking page
    assert client_for(participant).get("/booking/peers/quiet").status_code == 404
    assert client_for(participant).get("/booking/peers/nobody/slots").status_code == 404


def test_a_length_the_peer_does_not_offer_is_refused(pat, participant):
    answer = client_for(participant).get("/booking/peers/pat/slots", duration_minutes=80)

    assert answer.status_code == 400
    assert answer.json()["code"] == "bad_duration"
