"""Issue #17: the session page's join fallback and Add to calendar, without a browser."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from scheduling import services
from scheduling.calendar_links import google_link, outlook_link
from tests.scheduling.conftest import book

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_calendar_file_holds_the_session(peer, participant):
    session = book(peer, participant)

    response = signed_in(participant).get(f"/sessions/{session.pk}/calendar.ics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    assert event.decoded("dtstart") == session.starts_at
    assert f"/sessions/{session.pk}/" in str(event["url"])


def test_a_request_has_no_calendar_file_yet(peer, participant):
    session = services.session_request(
        participant=participant,
        peer=peer,
        starts_at=timezone.now() + timedelta(days=2),
        duration_minutes=50,
        modality="video",
    )

    assert signed_in(participant).get(f"/sessions/{session.pk}/calendar.ics").status_code == 404


def test_no_one_else_gets_the_calendar_file(peer, participant, stranger):
    session = book(peer, participant)

    assert signed_in(stranger).get(f"/sessions/{session.pk}/calendar.ics").status_code == 404


def test_the_calendar_links_name_no_one(peer, participant):
    session = book(peer, participant)

    for link in (google_link(session), outlook_link(session)):
        assert participant.display_name.split()[0] not in link
        assert peer.display_name.split()[0] not in link
        assert f"%2Fsessions%2F{session.pk}%2F" in link


def test_a_manual_link_session_shows_no_zoom_fallback(peer, participant):
    session = book(peer, participant, manual_link="https://whereby.com/room-3")

    text = signed_in(participant).get(f"/sessions/{session.pk}/").content.decode()

    assert "If the Join button does not open Zoom" not in text
    assert "Add to calendar" in text
