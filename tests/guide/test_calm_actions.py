"""Issue #17, calm and reversible actions: Cancel, Decline and Disconnect ask once, in a dialog
(without JavaScript, a page: tests/scheduling/test_call_off.py), with an optional word for the
other person. On the lived-in diary, at desktop and phone widths."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Browser, expect

from scheduling.models import SupportSession
from tests.diary import FROZEN_NOW
from tests.guide.walk import (
    assert_accessible,
    fits_the_screen,
    open_page,
    pill,
    shot,
)
from tests.worker import run_until_quiet
from tests.zoom_support import connect
from zoom.models import ZoomConnection
from zoom_emulator.testing import EmulatorControl

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def status_of(session: SupportSession) -> str:
    return SupportSession.objects.get(pk=session.pk).status


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_cancel_asks_once_in_a_dialog_and_keeping_changes_nothing(
    browser: Browser, live_server, lived_in, frozen_clock, width
):
    frozen_clock.move_to(FROZEN_NOW + timedelta(seconds=5))
    session = lived_in.sessions["tomorrow"]
    context, page = open_page(browser, live_server, lived_in.peer, width)
    card = page.locator(f"#session-{session.pk}")

    card.get_by_role("button", name="Cancel session").click()
    dialog = page.get_by_role("dialog", name="Cancel this session?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Sam Lee is told by email")
    expect(dialog.get_by_label("A note for Sam Lee (optional)")).to_be_focused()
    assert fits_the_screen(page)
    assert_accessible(page)
    shot(page, "ask-cancel" if width == "desktop" else "ask-cancel-phone", full_page=False)

    dialog.get_by_role("link", name="Keep the session").click()
    expect(dialog).to_be_hidden()
    expect(card.get_by_role("button", name="Cancel session")).to_be_focused()
    assert status_of(session) == "confirmed"

    card.get_by_role("button", name="Cancel session").click()
    dialog.get_by_label("A note for Sam Lee (optional)").fill("I am unwell; new times soon.")
    dialog.get_by_role("button", name="Cancel session").click()

    expect(page.get_by_text("Session cancelled.")).to_be_visible()
    cancelled = SupportSession.objects.get(pk=session.pk)
    assert cancelled.status == "cancelled"
    assert cancelled.call_off_reason == "I am unwell; new times soon."
    context.close()


def test_cancel_sits_away_from_join(browser: Browser, live_server, lived_in, frozen_clock):
    frozen_clock.move_to(FROZEN_NOW + timedelta(seconds=5))
    context, page = open_page(browser, live_server, lived_in.new_york, "desktop")
    card = page.locator(f"#session-{lived_in.sessions['join_open'].pk}")

    join = card.get_by_role("link", name="Join Session").bounding_box()
    cancel = card.get_by_role("button", name="Cancel session").bounding_box()

    assert join
    assert cancel
    apart = max(
        cancel["x"] - (join["x"] + join["width"]), join["x"] - (cancel["x"] + cancel["width"])
    )
    below = cancel["y"] - (join["y"] + join["height"])
    assert apart > 100 or below > 24  # not side by side, where a slip hits the other
    context.close()


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_decline_asks_once_and_the_note_reaches_the_participant(
    browser: Browser, live_server, lived_in, frozen_clock, mailoutbox, width
):
    frozen_clock.move_to(FROZEN_NOW + timedelta(seconds=5))
    request = lived_in.sessions["request"]
    context, page = open_page(browser, live_server, lived_in.peer, width)

    page.locator(f"#session-{request.pk}").get_by_role("button", name="Decline").click()
    dialog = page.get_by_role("dialog", name="Decline this request?")
    expect(dialog).to_contain_text("Mia Schulz is told by email and can ask for another time.")
    assert_accessible(page)
    dialog.get_by_label("A note for Mia Schulz (optional)").fill("I am away that day.")
    dialog.get_by_role("button", name="Decline request").click()

    expect(page.get_by_text("Request declined.")).to_be_visible()
    assert status_of(request) == "declined"
    run_until_quiet()
    [email] = [m for m in mailoutbox if m.to == [lived_in.berlin.email] and "declined" in m.subject]
    assert 'Jordan Rivera wrote: "I am away that day."' in email.body
    context.close()


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_disconnect_asks_once(
    browser: Browser, live_server, live_emulator: EmulatorControl, lived_in, frozen_clock, width
):
    connect(lived_in.peer, live_emulator)
    frozen_clock.move_to(FROZEN_NOW + timedelta(seconds=5))
    context, page = open_page(browser, live_server, lived_in.peer, width)

    pill(page).get_by_role("button", name="Disconnect").click()
    dialog = page.get_by_role("dialog", name="Disconnect Zoom?")
    expect(dialog).to_be_visible()
    assert_accessible(page)
    if width == "desktop":
        shot(page, "ask-disconnect", full_page=False)
    dialog.get_by_role("link", name="Stay connected").click()
    expect(dialog).to_be_hidden()
    assert ZoomConnection.objects.get().state == ZoomConnection.State.CONNECTED

    pill(page).get_by_role("button", name="Disconnect").click()
    dialog.get_by_role("button", name="Disconnect Zoom").click()

    expect(pill(page)).to_contain_text("Zoom: Not connected")
    expect(dialog).to_be_hidden()
    expect(pill(page).get_by_role("button", name="Connect")).to_be_focused()
    assert ZoomConnection.objects.get().state == ZoomConnection.State.DISCONNECTED
    context.close()
