"""Issue #17: the session page's fallback (meeting ID and passcode, to type into the Zoom app) is
shown to the session's two people only once the session is confirmed and its meeting exists, and
never the host's start URL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from scheduling import services
from tests.worker import run_until_quiet

pytestmark = pytest.mark.django_db(transaction=True)
FALLBACK = "If the Join button does not open Zoom"


def session_page(user, session) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/sessions/{session.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_participant_gets_the_fallback_only_once_confirmed(
    connected_peer, participant, emulator
):
    session = services.session_request(
        participant=participant,
        peer=connected_peer,
        starts_at=timezone.now() + timedelta(days=1),
        duration_minutes=50,
        modality="video",
    )
    run_until_quiet()
    assert FALLBACK not in session_page(participant, session)  # requested: no meeting, no ID

    services.session_accept(session=session, by=connected_peer)
    run_until_quiet()
    [meeting] = emulator.meetings()
    text = session_page(participant, session)

    assert FALLBACK in text
    assert str(meeting["id"])[:3] in text
    assert meeting["password"] in text
    assert "zak=" not in text  # never the host's start URL

    services.session_cancel(session=session, by=participant)
    run_until_quiet()
    text = session_page(participant, session)
    assert FALLBACK not in text
    assert meeting["password"] not in text
