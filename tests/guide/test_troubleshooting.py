"""The guide's "Troubleshooting", one test per item, in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from scheduling import services
from tests.guide.walk import (
    connect_in_popup,
    disconnect,
    minutes_from_now,
    pill,
    request_a_session,
    session_card,
    sign_in,
    zoom_sign_in_and_allow,
)
from tests.worker import run_until_quiet
from tests.zoom_support import connect
from zoom.models import ZoomConnection
from zoom_emulator.testing import EmulatorControl

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_MEETING = "No meeting yet — reconnect Zoom or add a link"


def test_the_connect_zoom_button_does_not_open_a_window(
    browser, live_server, live_emulator: EmulatorControl, peer
):
    """Ensure your browser allows pop-ups for peerakeet.com. Try disabling your ad blocker or
    using a different browser."""
    blocked = browser.new_context()
    blocked.add_init_script("window.open = () => null;")  # a pop-up blocker at work
    page = blocked.new_page()
    sign_in(page, live_server, peer.email)
    pill(page).get_by_role("button", name="Connect").click()
    # Without the popup, the same tab still reaches Zoom's authorization screen.
    expect(page.get_by_role("heading", name="Sign in to Zoom")).to_be_visible()
    blocked.close()

    allowed = browser.new_context()  # pop-ups allowed, try again
    page = allowed.new_page()
    sign_in(page, live_server, peer.email)
    connect_in_popup(page)
    allowed.close()


def test_zoom_still_shows_not_connected_after_i_authorized(
    page: Page, live_server, live_emulator: EmulatorControl, peer
):
    """Return to the Schedule page and wait a few seconds for the status check to refresh. If
    needed, disconnect and reconnect."""
    sign_in(page, live_server, peer.email)
    expect(pill(page)).to_contain_text("Zoom: Not connected")
    # Authorized somewhere the Schedule tab did not hear about: another tab, no popup.
    other = page.context.new_page()
    other.add_init_script("window.open = () => null;")
    other.goto(f"{live_server.url}/schedule/")
    pill(other).get_by_role("button", name="Connect").click()
    zoom_sign_in_and_allow(other)
    expect(pill(other)).to_contain_text("Zoom: Connected")
    other.close()

    page.bring_to_front()  # return to the Schedule page
    page.evaluate("window.dispatchEvent(new Event('focus'))")  # what a real tab switch fires
    expect(pill(page)).to_contain_text("Zoom: Connected", timeout=5_000)

    disconnect(page)  # if needed: disconnect
    expect(pill(page)).to_contain_text("Zoom: Not connected")
    connect_in_popup(page)  # and reconnect
    assert ZoomConnection.objects.get().state == ZoomConnection.State.CONNECTED


def test_a_session_was_accepted_but_no_zoom_meeting_was_created(
    page: Page, browser, live_server, live_emulator: EmulatorControl, worker, peer, participant
):
    """Reconnect Zoom from the Schedule page, then create or accept the session again. If you
    entered a manual meeting link, Peerakeet will use that link instead of generating a Zoom
    meeting."""
    connect(peer, live_emulator)
    ZoomConnection.objects.update(  # Zoom stopped accepting the grant
        state=ZoomConnection.State.NEEDS_RECONNECT, reason=ZoomConnection.Reason.GRANT_REFUSED
    )
    participant_context = browser.new_context()
    participant_page = participant_context.new_page()
    sign_in(participant_page, live_server, participant.email)
    request_a_session(participant_page, peer, minutes_from_now(24 * 60))
    participant_context.close()
    sign_in(page, live_server, peer.email)
    session_card(page, participant.display_name).get_by_role("button", name="Accept").click()
    expect(session_card(page, participant.display_name)).to_contain_text(NO_MEETING)

    with page.expect_popup() as popup_info:
        pill(page).get_by_role("button", name="Reconnect").click()
    with popup_info.value.expect_event("close"):
        zoom_sign_in_and_allow(popup_info.value)
    # No reload: the page hears of the connect and shows the meeting being prepared, then ready.
    expect(session_card(page, participant.display_name)).to_contain_text(
        "Zoom meeting ready", timeout=10_000
    )
    assert len(live_emulator.meetings()) == 1

    # A manual link wins instead of the generated Zoom meeting.
    session_card(page, participant.display_name).get_by_role(
        "link", name=re.compile("session with")
    ).click()
    page.get_by_role("region", name="Meeting link").get_by_label("Meeting link").fill(
        "https://whereby.com/room-7"
    )
    page.get_by_role("button", name="Save link").click()
    expect(page.locator("dd.link-state")).to_have_text("Manual link")


def test_i_cannot_join_a_session(
    page: Page, live_server, live_emulator: EmulatorControl, peer, participant
):
    """Make sure the session is confirmed and the join window has opened. If you still see an
    error, reload the session page and try again."""
    connect(peer, live_emulator)
    requested = services.session_request(
        participant=participant,
        peer=peer,
        starts_at=minutes_from_now(5),
        duration_minutes=50,
        modality="video",
    )
    sign_in(page, live_server, participant.email)
    expect(session_card(page, peer.display_name).get_by_text("Join Session")).to_have_count(0)
    page.goto(f"{live_server.url}/sessions/{requested.pk}/join")
    # The guide's advice heads the page, and the page says which part is not met yet.
    expect(
        page.get_by_text("Make sure the session is confirmed and the join window has opened.")
    ).to_be_visible()
    expect(
        page.get_by_text(f"Not confirmed yet: {peer.display_name} has not accepted your request")
    ).to_be_visible()

    # Confirmed and in the window, but the meeting is still being made: the page says so.
    services.session_accept(session=requested, by=peer)
    page.goto(f"{live_server.url}/sessions/{requested.pk}/join")
    expect(page.get_by_text("This session has no meeting link yet.")).to_be_visible()
    run_until_quiet()  # the worker catches up

    page.get_by_role("link", name="Back to the session").click()
    page.reload()  # reload the session page and try again
    with page.context.expect_page() as new_tab:
        page.get_by_role("link", name="Join Session").click()
    new_tab.value.wait_for_load_state()
    assert "/j/" in new_tab.value.url
    assert "pwd=" in new_tab.value.url
