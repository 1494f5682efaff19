"""The guide's "Schedule or Accept a Session", in a real browser, as the peer and the participant.

- Open the Schedule page.
- Create or accept a Video or Audio session.
- Leave the optional Meeting link field blank if you want Peerakeet to create the Zoom meeting
  automatically.
- When the booking is confirmed, Peerakeet creates the Zoom meeting on the connected host account.
- The session stores the generated Zoom join information so the peer and participant can use it
  from their session views.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from scheduling.models import SupportSession, ZoomMeeting
from tests.guide.walk import (
    minutes_from_now,
    request_a_session,
    schedule_a_session,
    session_card,
    shot,
    sign_in,
)
from tests.zoom_support import LICENSED, connect, zoom_user
from zoom_emulator.testing import EmulatorControl

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_peer_creates_a_video_session_and_peerakeet_creates_the_zoom_meeting(
    page: Page, live_server, live_emulator: EmulatorControl, worker, peer, participant
):
    connect(peer, live_emulator)
    live_emulator.set_latency("create_meeting", ms=1000)  # Zoom takes a moment
    sign_in(page, live_server, peer.email)  # Open the Schedule page.

    # Create a Video session; leave the optional Meeting link field blank.
    schedule_a_session(page, participant.email, minutes_from_now(24 * 60), modality="Video")

    # When the booking is confirmed, Peerakeet creates the Zoom meeting on the connected host;
    # the page shows it being prepared and refreshes by itself when it is ready.
    card = session_card(page, participant.display_name)
    expect(card).to_contain_text("Confirmed")
    expect(card).to_contain_text("Preparing Zoom meeting…")
    expect(card).to_contain_text("Zoom meeting ready", timeout=10_000)
    [meeting] = live_emulator.meetings()
    assert meeting["host_id"] == zoom_user(live_emulator, LICENSED)["id"]
    assert meeting["create_body"]["settings"]["host_video"] is True
    # The session stores the generated Zoom join information.
    stored = ZoomMeeting.objects.get(session=SupportSession.objects.get())
    assert stored.zoom_meeting_id == meeting["id"]
    assert f"/j/{meeting['id']}?pwd=" in stored.join_url

    card.get_by_role("link", name=f"Video session with {participant.display_name}").click()
    expect(page.get_by_role("heading", name="Video session with")).to_be_visible()
    expect(page.locator("dd.link-state")).to_have_text("Zoom meeting ready")
    shot(page, "session-peer")


def test_a_participant_requests_an_audio_session_and_the_peer_accepts_it(
    page: Page, browser, live_server, live_emulator: EmulatorControl, worker, peer, participant
):
    connect(peer, live_emulator)
    sign_in(page, live_server, participant.email)
    request_a_session(page, peer, minutes_from_now(2 * 24 * 60), modality="Audio")
    card = session_card(page, peer.display_name)
    expect(card).to_contain_text("Requested")
    expect(card).to_contain_text(f"Waiting for {peer.display_name} to accept")
    shot(page, "schedule-participant-requested")
    assert live_emulator.calls("create_meeting") == []  # requested is not yet confirmed

    peer_context = browser.new_context()
    peer_page = peer_context.new_page()
    sign_in(peer_page, live_server, peer.email)
    request = session_card(peer_page, participant.display_name)
    expect(request).to_contain_text("Requested")
    shot(peer_page, "schedule-peer-request")
    request.get_by_role("button", name="Accept").click()  # accept an Audio session
    expect(peer_page.get_by_text("Session accepted and confirmed.")).to_be_visible()
    expect(session_card(peer_page, participant.display_name)).to_contain_text("Zoom meeting ready")
    [meeting] = live_emulator.meetings()
    assert meeting["create_body"]["settings"]["host_video"] is False  # audio: cameras off
    peer_context.close()

    # The participant uses the same join information from their own session view.
    page.reload()
    card = session_card(page, peer.display_name)
    expect(card).to_contain_text("Confirmed")
    expect(card).to_contain_text("Your session link is ready: Join Session opens Zoom")
    card.get_by_role("link", name=f"Audio session with {peer.display_name}").click()
    expect(page.locator("dd.link-state")).to_have_text(
        "Your session link is ready: Join Session opens Zoom"
    )
    shot(page, "session-participant")
