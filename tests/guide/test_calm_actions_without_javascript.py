"""Issue #17, calm actions with JavaScript turned off: Cancel, Decline and Disconnect each ask
once, on a question page of their own; the optional note is sent, the action happens, and "Keep
it" leads back with nothing changed. On the lived-in diary, at desktop and phone widths."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from scheduling.models import SupportSession
from tests.diary import FROZEN_NOW
from tests.guide.walk import WIDTHS, assert_accessible, fits_the_screen, pill, shot, sign_in
from tests.zoom_support import connect
from zoom.models import ZoomConnection
from zoom_emulator.testing import EmulatorControl

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def without_javascript(
    browser: Browser, live_server, person, width: str
) -> tuple[BrowserContext, Page]:
    w, h = WIDTHS[width]
    context = browser.new_context(
        viewport={"width": w, "height": h}, is_mobile=width == "phone", java_script_enabled=False
    )
    page = context.new_page()
    sign_in(page, live_server, person.email)
    return context, page


def fresh(session: SupportSession) -> SupportSession:
    return SupportSession.objects.get(pk=session.pk)


def on_the_question_page(browser: Browser, page: Page, path: str, question: str) -> None:
    """The question is a page of its own (no dialog without JavaScript), and it fits."""
    expect(page).to_have_url(re.compile(re.escape(path)))
    expect(page.get_by_role("heading", level=1, name=question)).to_be_visible()
    expect(page.get_by_role("dialog")).to_have_count(0)
    checked_with_scripts(browser, page)


def checked_with_scripts(browser: Browser, page: Page) -> None:
    """The width and axe checks run scripts in the page, which a page without JavaScript cannot
    (Playwright's evaluate waits forever there): the same person opens the same page in a twin
    context that runs them, at the same size."""
    size = page.viewport_size
    assert size
    twin = browser.new_context(
        viewport=size, is_mobile=size["width"] < 600, storage_state=page.context.storage_state()
    )
    same = twin.new_page()
    same.goto(page.url)
    assert fits_the_screen(same)
    assert_accessible(same)
    twin.close()


@pytest.fixture(autouse=True)
def _after_the_diary(frozen_clock) -> None:
    frozen_clock.move_to(FROZEN_NOW + timedelta(seconds=5))


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_cancel_asks_once_on_its_own_page_and_the_note_reaches_the_peer(
    browser: Browser, live_server, lived_in, width
):
    session = lived_in.sessions["tomorrow"]
    context, page = without_javascript(browser, live_server, lived_in.new_york, width)
    card = page.locator(f"#session-{session.pk}")

    card.get_by_role("button", name="Cancel session").click()
    on_the_question_page(browser, page, f"/sessions/{session.pk}/cancel/", "Cancel this session?")
    page.get_by_role("link", name="Keep the session").click()
    expect(page).to_have_url(f"{live_server.url}/schedule/")
    assert fresh(session).status == "confirmed"

    card.get_by_role("button", name="Cancel session").click()
    page.get_by_label("A note for Jordan Rivera (optional)").fill("A family matter, sorry.")
    page.get_by_role("button", name="Cancel session").click()

    # Asked once: confirming did it, straight back to the Schedule page.
    expect(page).to_have_url(f"{live_server.url}/schedule/")
    expect(page.get_by_text("Session cancelled.")).to_be_visible()
    cancelled = fresh(session)
    assert cancelled.status == "cancelled"
    assert cancelled.call_off_reason == "A family matter, sorry."
    expect(card).to_contain_text('You wrote: "A family matter, sorry."')
    context.close()

    # The peer (scripts on or off alike) reads the note on the session page.
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h}, is_mobile=width == "phone")
    page = context.new_page()
    sign_in(page, live_server, lived_in.peer.email)
    page.goto(f"{live_server.url}/sessions/{session.pk}/")
    expect(page.locator(".call-off-note")).to_have_text('Sam Lee wrote: "A family matter, sorry."')
    assert_accessible(page)
    shot(page, "session-called-off" if width == "desktop" else "session-called-off-phone")
    context.close()


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_decline_asks_once_on_its_own_page(browser: Browser, live_server, lived_in, width):
    request = lived_in.sessions["request"]
    context, page = without_javascript(browser, live_server, lived_in.peer, width)
    card = page.locator(f"#session-{request.pk}")

    card.get_by_role("button", name="Decline").click()
    on_the_question_page(browser, page, f"/sessions/{request.pk}/decline/", "Decline this request?")
    page.get_by_role("link", name="Keep the request").click()
    expect(page).to_have_url(f"{live_server.url}/schedule/")
    assert fresh(request).status == "requested"

    card.get_by_role("button", name="Decline").click()
    page.get_by_label("A note for Mia Schulz (optional)").fill("I am away that day.")
    page.get_by_role("button", name="Decline request").click()

    expect(page).to_have_url(f"{live_server.url}/schedule/")
    expect(page.get_by_text("Request declined.")).to_be_visible()
    declined = fresh(request)
    assert declined.status == "declined"
    assert declined.call_off_reason == "I am away that day."
    context.close()


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_disconnect_asks_once_on_its_own_page(
    browser: Browser, live_server, live_emulator: EmulatorControl, lived_in, width
):
    connect(lived_in.peer, live_emulator)
    context, page = without_javascript(browser, live_server, lived_in.peer, width)

    pill(page).get_by_role("button", name="Disconnect").click()
    on_the_question_page(browser, page, "/integrations/zoom/disconnect/", "Disconnect Zoom?")
    page.get_by_role("link", name="Stay connected").click()
    expect(page).to_have_url(f"{live_server.url}/schedule/")
    assert ZoomConnection.objects.get().state == ZoomConnection.State.CONNECTED

    pill(page).get_by_role("button", name="Disconnect").click()
    page.get_by_role("button", name="Disconnect Zoom").click()

    expect(page).to_have_url(f"{live_server.url}/schedule/")
    expect(page.get_by_text("Zoom is disconnected.")).to_be_visible()
    expect(pill(page)).to_contain_text("Zoom: Not connected")
    assert ZoomConnection.objects.get().state == ZoomConnection.State.DISCONNECTED
    context.close()
