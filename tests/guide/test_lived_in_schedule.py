"""Issue #17: on a diary that has lived a week, every upcoming card on the Schedule page offers
its actions, to the peer and to each participant, at desktop and phone widths."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Browser, expect

from tests.diary import FROZEN_NOW, expected_actions
from tests.guide.walk import WIDTHS, assert_accessible, fits_the_screen, shot, sign_in
from tests.worker import run_until_quiet
from tests.zoom_support import connect
from zoom_emulator.testing import EmulatorControl

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# docs/user-guide.md shows the peer's and the New York participant's pages.
SHOTS = {"peer": "schedule-peer", "new_york": "schedule-participant"}


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize("who", ["peer", "new_york", "berlin"])
def test_every_upcoming_card_offers_its_actions(
    browser: Browser,
    live_server,
    live_emulator: EmulatorControl,
    lived_in,
    frozen_clock,
    who,
    width,
):
    connect(lived_in.peer, live_emulator)  # the confirmed sessions get their Zoom meetings
    run_until_quiet()
    # However long the set-up took, the page is seen at the same moment (stable screenshots).
    frozen_clock.move_to(FROZEN_NOW + timedelta(seconds=5))
    viewer = getattr(lived_in, who)
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h}, is_mobile=width == "phone")
    page = context.new_page()
    sign_in(page, live_server, viewer.email)

    mine = lived_in.upcoming(viewer)
    assert mine
    for session in mine:
        card = page.locator(f"#session-{session.pk}")
        for action in sorted(expected_actions(session, as_peer=who == "peer")):
            control = (
                card.get_by_role("link", name=action)
                if action == "Join Session"
                else card.get_by_role("button", name=action)
            )
            expect(control).to_be_visible()
    assert fits_the_screen(page)
    assert_accessible(page)
    if who in SHOTS:
        shot(page, SHOTS[who] if width == "desktop" else SHOTS[who].replace("-", "-phone-", 1))
    context.close()


def test_past_sessions_open_from_their_link_and_the_form_from_its_button(
    page, live_server, lived_in
):
    sign_in(page, live_server, lived_in.peer.email)
    completed = page.locator(f"#session-{lived_in.sessions['completed_ny'].pk}")
    form = page.get_by_role("region", name="Schedule a session")
    expect(completed).to_be_hidden()
    expect(form).to_be_hidden()

    page.get_by_text("Show past sessions").click()
    page.get_by_text("Schedule a session", exact=True).click()

    expect(completed).to_be_visible()
    expect(completed).to_contain_text("Completed")
    expect(form.get_by_label("Participant's email")).to_be_visible()
    assert_accessible(page)
