"""Issue #17: the session page's join fallback and Add to calendar, without a browser."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from accounts.models import PeerCertification
from scheduling import services
from scheduling.calendar_links import google_link, outlook_link
from scheduling.models import ZoomMeeting
from tests.scheduling.conftest import book
from tests.worker import run_until_quiet

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


@pytest.mark.django_db(transaction=True)
def test_no_meeting_id_or_passcode_once_the_peer_no_longer_hosts(
    connected_peer, participant, staff
):
    """Join refuses a revoked peer's sessions; the fallback must not open the same meeting by
    hand (its Zoom meeting lives on in the peer's account until support hands it over)."""
    session = book(connected_peer, participant, starts_in=timedelta(days=1))
    run_until_quiet()
    meeting = ZoomMeeting.objects.get(session=session, removed_at__isnull=True)
    page = f"/sessions/{session.pk}/"
    digits = str(meeting.zoom_meeting_id)
    shown = f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    for person in (connected_peer, participant):
        html = signed_in(person).get(page).content.decode()
        assert meeting.passcode in html
        assert shown in html

    PeerCertification.objects.filter(user=connected_peer).update(
        revoked_at=timezone.now(), revoked_by=staff
    )

    for person in (connected_peer, participant):
        html = signed_in(person).get(page).content.decode()
        assert meeting.passcode not in html
        assert shown not in html
