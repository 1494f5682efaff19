"""Issue #17: a participant asks to move a confirmed session; the peer sees the ask under "Needs
your response" and accepts it; the session has the new time and its Zoom meeting (the emulator)
moved in place: the same meeting id, the new start. On the lived-in diary, desktop and phone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, expect

from scheduling.models import MoveAsk, SupportSession
from tests.diary import FROZEN_NOW
from tests.guide.walk import (
    assert_accessible,
    eventually,
    fits_the_screen,
    open_page,
    shot,
)
from tests.worker import run_until_quiet
from tests.zoom_support import connect
from zoom_emulator.testing import EmulatorControl

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# Wednesday 9 December, 2:00 PM in New York (Sam Lee's zone) = 1:00 PM for the peer in Chicago.
NEW_TIME = datetime(2026, 12, 9, 19, 0, tzinfo=UTC)


def suffix(width: str) -> str:
    return "" if width == "desktop" else "-phone"


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_participant_asks_and_the_peer_accepts_moving_the_zoom_meeting_in_place(
    browser: Browser, live_server, live_emulator: EmulatorControl, lived_in, frozen_clock, width
):
    connect(lived_in.peer, live_emulator)  # the confirmed sessions get their Zoom meetings
    run_until_quiet()
    frozen_clock.move_to(FROZEN_NOW + timedelta(seconds=5))
    session = lived_in.sessions["tomorrow"]  # an Audio session with Sam Lee, Tuesday 3:00 PM
    meeting = SupportSession.objects.get(pk=session.pk).meetings.get()

    # Sam Lee asks, from the session page, in his own time zone.
    sam, page = open_page(browser, live_server, lived_in.new_york, width)
    page.goto(f"{live_server.url}/sessions/{session.pk}/")
    form = page.get_by_role("region", name="Ask to move this session")
    expect(form).to_contain_text("In your time zone, Eastern Time (New York).")
    form.get_by_label("New date and time").fill("2026-12-09T14:00")
    form.get_by_label("A note for your peer (optional)").fill("Could we meet a day later?")
    form.get_by_role("button", name="Ask to move").click()
    expect(page.get_by_text("Asked. Jordan Rivera is told")).to_be_visible()
    # Reloaded: base.html's flash message list (a <ul role="status">) fails axe's listitem rule
    # on every page that shows a message (the shared layout's; see tests/booking/test_browser.py).
    page.reload()
    waiting = page.get_by_role("region", name="You asked to move this session")
    expect(waiting).to_contain_text("Wednesday 9 December, 2:00 PM")
    expect(waiting).to_contain_text("waiting for Jordan Rivera")
    expect(waiting.get_by_role("button", name="Withdraw ask")).to_be_visible()
    assert fits_the_screen(page)
    assert_accessible(page)
    shot(page, f"move-ask-participant{suffix(width)}")
    sam.close()
    ask = MoveAsk.objects.get(session=session, state=MoveAsk.State.PENDING)
    assert ask.starts_at == NEW_TIME
    assert SupportSession.objects.get(pk=session.pk).starts_at == session.starts_at

    # The peer sees it first, under "Needs your response", and accepts.
    jordan, page = open_page(browser, live_server, lived_in.peer, width)
    respond = page.get_by_role("region", name="Needs your response")
    card = respond.locator(f"#move-ask-{ask.pk}")
    expect(card).to_contain_text("Sam Lee asks to move your audio session")
    expect(card).to_contain_text("to Wed 9 Dec, 1:00 PM")
    expect(card).to_contain_text("Could we meet a day later?")
    assert fits_the_screen(page)
    assert_accessible(page)
    shot(respond, f"move-ask-peer{suffix(width)}")
    card.get_by_role("button", name="Accept new time").click()

    expect(page.get_by_text("Session moved.")).to_be_visible()
    expect(page.locator(f"#move-ask-{ask.pk}")).to_have_count(0)
    expect(page.locator(f"#session-{session.pk}")).to_contain_text("Wed 9 Dec, 1:00 PM")
    page.goto(f"{live_server.url}/sessions/{session.pk}/")
    expect(page.get_by_role("definition").first).to_contain_text(
        "Wednesday 9 December 2026, 1:00 PM"
    )
    jordan.close()
    moved = SupportSession.objects.get(pk=session.pk)
    assert (moved.starts_at, moved.calendar_sequence) == (NEW_TIME, session.calendar_sequence + 1)

    # Zoom has the same meeting, at the new time.
    run_until_quiet()

    def zoom_moved() -> bool:
        [zoom] = [m for m in live_emulator.meetings() if m["id"] == meeting.zoom_meeting_id]
        return zoom["start_time"] == "2026-12-09T19:00:00Z"

    assert eventually(zoom_moved)
    assert moved.meetings.get().zoom_meeting_id == meeting.zoom_meeting_id


def test_the_peer_declines_asked_once_and_the_session_keeps_its_time(
    browser: Browser, live_server, lived_in, frozen_clock
):
    frozen_clock.move_to(FROZEN_NOW + timedelta(seconds=5))
    ask = lived_in.move_asks["later"]
    jordan, page = open_page(browser, live_server, lived_in.peer, "desktop")

    page.locator(f"#move-ask-{ask.pk}").get_by_role("button", name="Decline").click()
    dialog = page.get_by_role("dialog", name="Decline this ask to move?")
    expect(dialog).to_contain_text("the session keeps its time")
    assert_accessible(page)
    dialog.get_by_label("A note for Sam Lee (optional)").fill("That afternoon is taken.")
    dialog.get_by_role("button", name="Decline ask").click()

    expect(page.get_by_text("Ask declined: the session keeps its time.")).to_be_visible()
    declined = MoveAsk.objects.get(pk=ask.pk)
    assert (declined.state, declined.decline_reason) == ("declined", "That afternoon is taken.")
    assert SupportSession.objects.get(pk=ask.session_id).starts_at == ask.session.starts_at
    jordan.close()
