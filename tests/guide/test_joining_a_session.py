"""The guide's "Joining a Session", in a real browser, as the peer and as the participant.

- Open the session from the Schedule page.
- When the join window opens, click Join Session.
- Peerakeet opens the Zoom join URL in a new tab.
- Participants use the join information attached to their session; they do not connect Zoom
  separately inside Peerakeet.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from scheduling import services
from tests.diary import FROZEN_NOW
from tests.guide.walk import (
    WIDTHS,
    assert_accessible,
    fits_the_screen,
    minutes_from_now,
    request_a_session,
    session_card,
    shot,
    sign_in,
)
from tests.zoom_support import LICENSED, connect, zoom_user
from zoom.models import ZoomConnection
from zoom_emulator.testing import EmulatorControl

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
GUIDE = "Make sure the session is confirmed and the join window has opened."


def open_the_session(page: Page, with_name: str) -> None:
    """Open the session from the Schedule page."""
    page.get_by_role("link", name="Schedule", exact=True).click()
    session_card(page, with_name).get_by_role("link", name=re.compile("session with")).click()
    expect(page.get_by_role("heading", name=re.compile("session with"))).to_be_visible()


def join_session(page: Page) -> Page:
    """Click Join Session: Peerakeet opens the Zoom join URL in a new tab."""
    with page.context.expect_page() as new_tab:
        page.get_by_role("link", name="Join Session").click()
    tab = new_tab.value
    tab.wait_for_load_state()
    return tab


def test_the_participant_requests_the_peer_accepts_and_both_join_from_their_session_views(
    page: Page, browser, live_server, live_emulator: EmulatorControl, worker, peer, participant
):
    connect(peer, live_emulator)
    # The participant asks for a session starting in about five minutes: the window is open.
    sign_in(page, live_server, participant.email)
    request_a_session(page, peer, minutes_from_now(5), modality="Video")

    # The peer accepts it in the dashboard; the Zoom meeting is made on the peer's account.
    peer_context = browser.new_context()
    peer_page = peer_context.new_page()
    sign_in(peer_page, live_server, peer.email)
    session_card(peer_page, participant.display_name).get_by_role("button", name="Accept").click()
    expect(session_card(peer_page, participant.display_name)).to_contain_text("Zoom meeting ready")
    [meeting] = live_emulator.meetings()
    assert meeting["host_id"] == zoom_user(live_emulator, LICENSED)["id"]

    # The peer opens the session from the Schedule page and joins as the host.
    open_the_session(peer_page, participant.display_name)
    expect(peer_page).to_have_title("Session · Peerakeet")
    shot(peer_page, "session-join-open")
    host_tab = join_session(peer_page)
    assert re.fullmatch(rf"{live_emulator.base_url}/s/{meeting['id']}\?zak=[^&]+", host_tab.url)
    expect(host_tab.get_by_text("You are joining as the host.")).to_be_visible()
    peer_context.close()

    # Both see Join Session: the participant opens the same session and joins with its link.
    page.reload()
    expect(
        session_card(page, peer.display_name).get_by_role("link", name="Join Session")
    ).to_be_visible()
    open_the_session(page, peer.display_name)
    participant_tab = join_session(page)
    assert re.fullmatch(
        rf"{live_emulator.base_url}/j/{meeting['id']}\?pwd=[^&]+", participant_tab.url
    )
    expect(participant_tab.get_by_text("You are joining as the participant.")).to_be_visible()

    # The participant never connected Zoom: the only grant is the peer's.
    assert not ZoomConnection.objects.filter(peer=participant).exists()
    assert [grant["user_id"] for grant in live_emulator.grants()] == [meeting["host_id"]]


def test_before_the_join_window_opens_join_session_says_when_it_opens(
    page: Page, live_server, live_emulator: EmulatorControl, worker, peer, participant
):
    connect(peer, live_emulator)
    session = services.session_create(
        peer=peer,
        participant=participant,
        starts_at=minutes_from_now(24 * 60),
        duration_minutes=50,
        modality="video",
    )
    sign_in(page, live_server, participant.email)
    card = session_card(page, peer.display_name)
    expect(card.locator("[aria-disabled=true]")).to_contain_text("Join Session")
    expect(card.get_by_role("link", name="Join Session")).to_have_count(0)

    open_the_session(page, peer.display_name)
    expect(page.get_by_text("The join window opens")).to_be_visible()

    page.goto(f"{live_server.url}/sessions/{session.pk}/join")
    expect(
        page.get_by_role("heading", name="You cannot join this session right now")
    ).to_be_visible()
    expect(
        page.get_by_text(re.compile("Join opens on .* 15 minutes before the start"))
    ).to_be_visible()
    opens = session.starts_at - timedelta(minutes=15)
    expect(page.locator("time")).to_have_attribute("datetime", opens.isoformat())


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_join_refused_page_says_once_why_and_when(
    browser: Browser, live_server, lived_in, frozen_clock, width
):
    """Issue #17, on the lived-in diary: the reason and the moment Join opens, each said once, in
    the viewer's zone, under the guide's own advice; a session called off gives its reason alone."""
    frozen_clock.move_to(FROZEN_NOW + timedelta(seconds=5))
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h}, is_mobile=width == "phone")
    page = context.new_page()
    sign_in(page, live_server, lived_in.berlin.email)

    page.goto(f"{live_server.url}/sessions/{lived_in.sessions['today'].pk}/join")
    checks = page.get_by_role("list", name=GUIDE)
    expect(checks.get_by_role("listitem")).to_have_text(
        [
            "✓ The session is confirmed.",
            "✗ Join opens today at 8:45 PM Central European Time (Berlin), "
            "15 minutes before the start.",
        ]
    )
    expect(page.get_by_text(GUIDE)).to_have_count(1)
    expect(page.get_by_role("main").get_by_text("8:45 PM")).to_have_count(1)
    assert fits_the_screen(page)
    assert_accessible(page)
    shot(page, "join-refused" if width == "desktop" else "join-refused-phone", full_page=False)

    page.goto(f"{live_server.url}/sessions/{lived_in.sessions['request'].pk}/join")
    expect(checks.get_by_role("listitem").first).to_have_text(
        "✗ Not confirmed yet: Jordan Rivera has not accepted your request yet."
    )

    page.goto(f"{live_server.url}/sessions/{lived_in.sessions['completed_berlin'].pk}/join")
    expect(page.get_by_role("alert")).to_have_text(
        "This session is completed, so it cannot be joined."
    )
    expect(page.get_by_text(GUIDE)).to_have_count(0)
    context.close()
