"""The guide's "Add the Integration" and "Remove the Integration", in a real browser.

Every step is the guide's own wording (zoom-integration-guide.md): sign in as a certified peer,
open Schedule, click Connect on the pill, sign in to Zoom, review the permissions, Allow, and see
Connected; then Disconnect (Option 1) and Remove in the Zoom Marketplace (Option 2).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.guide.walk import (
    SCREENSHOTS,
    connect_in_popup,
    csp_violations,
    disconnect,
    pill,
    sign_in,
    zoom_sign_in_and_allow,
)
from tests.zoom_support import LICENSED
from zoom.models import ZoomConnection
from zoom_emulator.testing import EmulatorControl

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_peer_connects_zoom_in_a_popup_and_disconnects(
    page: Page, live_server, live_emulator: EmulatorControl, peer
):
    violations = csp_violations(page)
    sign_in(page, live_server, peer.email)
    expect(pill(page)).to_contain_text("Zoom: Not connected")
    pill(page).screenshot(path=str(SCREENSHOTS / "zoom-pill-not-connected.png"))

    connect_in_popup(page, screenshot=True)

    expect(pill(page)).to_contain_text(LICENSED)
    pill(page).screenshot(path=str(SCREENSHOTS / "zoom-pill-connected.png"))
    disconnect(page)
    expect(pill(page)).to_contain_text("Zoom: Not connected")
    expect(pill(page).get_by_role("button", name="Connect")).to_be_focused()
    assert ZoomConnection.objects.get().state == ZoomConnection.State.DISCONNECTED
    assert violations == []


def test_removing_the_app_in_the_zoom_marketplace_shows_not_connected(
    page: Page, live_server, live_emulator: EmulatorControl, peer
):
    sign_in(page, live_server, peer.email)
    connect_in_popup(page)

    marketplace = page.context.new_page()
    marketplace.goto(f"{live_emulator.base_url}/marketplace/apps")
    marketplace.get_by_role("link", name=LICENSED).click()
    expect(marketplace.get_by_role("heading", name="Added Apps")).to_be_visible()
    app = marketplace.get_by_role("listitem").filter(has_text="Peerakeet Telehealth")
    app.get_by_role("button", name="Remove").click()
    marketplace.get_by_label("Reason for removal (optional)").select_option(
        "I no longer use this app"
    )
    marketplace.get_by_role("button", name="Remove").click()
    expect(marketplace.get_by_text("Peerakeet Telehealth was removed.")).to_be_visible()
    assert len(live_emulator.wait_for_deliveries(1)) == 1
    marketplace.close()

    page.bring_to_front()
    # Headless Chromium keeps every tab visible and focused, so it never fires the event a
    # person's browser fires on returning to the tab: play that part.
    page.evaluate("window.dispatchEvent(new Event('focus'))")
    expect(pill(page)).to_contain_text("Zoom: Not connected")
    expect(pill(page)).to_contain_text("removed in the Zoom App Marketplace")


def test_a_blocked_popup_falls_back_to_the_same_tab(
    page: Page, live_server, live_emulator: EmulatorControl, peer
):
    page.add_init_script("window.open = () => null;")
    violations = csp_violations(page)
    sign_in(page, live_server, peer.email)

    pill(page).get_by_role("button", name="Connect").click()
    zoom_sign_in_and_allow(page)

    expect(page.get_by_role("heading", name="Schedule", exact=True)).to_be_visible()
    assert page.url == f"{live_server.url}/schedule/"
    expect(pill(page)).to_contain_text("Zoom: Connected")
    expect(page.get_by_text(f"Zoom is connected ({LICENSED}).")).to_be_visible()
    assert violations == []


def test_the_pill_says_when_zoom_needs_a_reconnect(
    page: Page, live_server, live_emulator: EmulatorControl, peer
):
    sign_in(page, live_server, peer.email)
    connect_in_popup(page)
    ZoomConnection.objects.update(
        state=ZoomConnection.State.NEEDS_RECONNECT, reason=ZoomConnection.Reason.GRANT_REFUSED
    )

    page.reload()

    expect(pill(page)).to_contain_text("Zoom: Needs reconnect")
    expect(pill(page).get_by_role("button", name="Reconnect")).to_be_visible()
    pill(page).screenshot(path=str(SCREENSHOTS / "zoom-pill-needs-reconnect.png"))


def test_connect_works_without_javascript(
    browser, live_server, live_emulator: EmulatorControl, peer
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, peer.email)

    pill(page).get_by_role("button", name="Connect").click()
    zoom_sign_in_and_allow(page)

    expect(page.get_by_role("heading", name="Schedule", exact=True)).to_be_visible()
    expect(pill(page)).to_contain_text("Zoom: Connected")
    disconnect(page)
    expect(pill(page)).to_contain_text("Zoom: Not connected")
    context.close()
