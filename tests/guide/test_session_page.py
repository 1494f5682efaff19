"""Issue #17: the session page has everything needed to join: the countdown, the meeting ID and
passcode as a fallback, a dial-in hint for Audio, Add to calendar, and who to contact. On the
lived-in diary, for each role, at desktop and phone widths."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Browser, expect

from scheduling.models import SupportSession
from tests.diary import FROZEN_NOW
from tests.guide.walk import WIDTHS, assert_accessible, fits_the_screen, shot, sign_in
from tests.worker import run_until_quiet
from tests.zoom_support import connect
from zoom_emulator.testing import EmulatorControl

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize("who", ["peer", "new_york"])
def test_the_session_page_has_everything_needed_to_join(
    browser: Browser,
    live_server,
    live_emulator: EmulatorControl,
    lived_in,
    frozen_clock,
    who,
    width,
):
    connect(lived_in.peer, live_emulator)
    run_until_quiet()
    frozen_clock.move_to(FROZEN_NOW + timedelta(seconds=5))
    session = lived_in.sessions["tomorrow"]  # an Audio session with Sam Lee, tomorrow
    meeting = SupportSession.objects.get(pk=session.pk).meetings.get()
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h}, is_mobile=width == "phone")
    page = context.new_page()
    sign_in(page, live_server, getattr(lived_in, who).email)

    page.goto(f"{live_server.url}/sessions/{session.pk}/")

    countdown = page.locator(".countdown")
    expect(countdown).to_contain_text("The join window opens in 1")  # 1 day, 4 hours
    opens = {"peer": "2:45 PM", "new_york": "3:45 PM"}[who]  # in each viewer's own zone
    expect(countdown).to_contain_text(f"at {opens} on Tuesday 8 December")
    assert fits_the_screen(page)
    assert_accessible(page)
    # Taken with the fallback folded: the emulator's meeting IDs differ between runs.
    name = {"peer": "session-page-peer", "new_york": "session-page-participant"}[who]
    shot(page, name if width == "desktop" else f"{name}-phone")
    page.get_by_text("If the Join button does not open Zoom").click()
    digits = str(meeting.zoom_meeting_id)
    expect(page.locator(".fallback")).to_contain_text(f"{digits[:3]} {digits[3:7]} {digits[7:]}")
    expect(page.locator(".fallback")).to_contain_text(meeting.passcode)
    expect(page.locator(".fallback")).to_contain_text("join by phone")
    calendar = page.get_by_role("region", name="Add to calendar")
    expect(calendar.get_by_role("link", name="Calendar file (.ics)")).to_be_visible()
    expect(calendar.get_by_role("link", name="Google Calendar")).to_be_visible()
    expect(calendar.get_by_role("link", name="Outlook")).to_be_visible()
    expect(page.get_by_text("Trouble joining?")).to_be_visible()
    assert "zak=" not in page.content()  # never the host's start URL
    assert fits_the_screen(page)
    assert_accessible(page)
    context.close()
