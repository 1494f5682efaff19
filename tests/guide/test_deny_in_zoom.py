"""Issue #17: after Deny in Zoom's popup, the popup closes and the Schedule page says that
nothing changed. On the lived-in diary, at desktop and phone widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.guide.walk import WIDTHS, assert_accessible, pill, shot, sign_in
from tests.zoom_support import LICENSED
from zoom.models import ZoomConnection
from zoom_emulator.testing import EmulatorControl

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_deny_closes_the_popup_and_the_schedule_says_nothing_changed(
    browser: Browser, live_server, live_emulator: EmulatorControl, lived_in, width
):
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h}, is_mobile=width == "phone")
    page = context.new_page()
    sign_in(page, live_server, lived_in.peer.email)

    with page.expect_popup() as popup_info:
        pill(page).get_by_role("button", name="Connect").click()
    zoom = popup_info.value
    sign_in_screen = zoom.get_by_role("heading", name="Sign in to Zoom")
    consent = zoom.get_by_role("heading", name="would like to access your Zoom account")
    expect(sign_in_screen.or_(consent)).to_be_visible()
    if sign_in_screen.is_visible():
        zoom.get_by_label("Or pick a test account").select_option(LICENSED)
        zoom.get_by_role("button", name="Sign in").click()
    with zoom.expect_event("close", timeout=15_000):
        zoom.get_by_role("button", name="Deny").click()

    expect(page.get_by_role("status").filter(has_text="so nothing changed")).to_be_visible()
    expect(pill(page)).to_contain_text("Zoom: Not connected")
    assert not ZoomConnection.objects.filter(state=ZoomConnection.State.CONNECTED).exists()
    assert_accessible(page)
    if width == "desktop":
        shot(page, "zoom-denied", full_page=False)
    context.close()
