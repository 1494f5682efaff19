"""The guide's "What Peerakeet Handles Automatically", in a real browser, checked in Zoom itself.

- Creates a Zoom meeting for confirmed sessions that use the connected account.
- Applies waiting room protection and a unique meeting password.
- Removes the Zoom meeting when the session is declined or cancelled.
- Lets you bypass automatic creation by entering your own meeting link instead.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from scheduling import services
from scheduling.models import SupportSession, ZoomMeeting
from tests.guide.walk import (
    answer,
    eventually,
    minutes_from_now,
    request_a_session,
    schedule_a_session,
    session_card,
    sign_in,
)
from tests.worker import run_until_quiet
from tests.zoom_support import connect
from zoom_emulator.testing import EmulatorControl

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MANUAL = "https://whereby.com/peer-room"


def live_meetings(emulator: EmulatorControl) -> list[dict]:
    return [m for m in emulator.meetings() if m["deleted_at"] is None]


def test_it_applies_waiting_room_protection_and_a_unique_meeting_password(
    live_emulator: EmulatorControl, peer, participant, stranger
):
    connect(peer, live_emulator)
    for who, days in ((participant, 1), (stranger, 2)):
        services.session_create(
            peer=peer,
            participant=who,
            starts_at=minutes_from_now(days * 24 * 60),
            duration_minutes=50,
            modality="video",
        )
    run_until_quiet()  # when the booking is confirmed

    first, second = live_emulator.meetings()
    for meeting in (first, second):
        asked = meeting["create_body"]
        assert asked["settings"]["waiting_room"] is True
        assert asked["settings"]["join_before_host"] is False
        assert meeting["settings"]["waiting_room"] is True  # as Zoom applied it
        assert meeting["settings"]["join_before_host"] is False
        assert re.fullmatch(r"[A-Za-z0-9]{10}", asked["password"])
        assert meeting["password"] == asked["password"]
    assert first["password"] != second["password"]
    stored = {m.passcode for m in ZoomMeeting.objects.all()}
    assert stored == {first["password"], second["password"]}


def test_it_removes_the_zoom_meeting_when_the_session_is_cancelled(
    page: Page, live_server, live_emulator: EmulatorControl, worker, peer, participant
):
    """Either side may cancel: here the participant does, from their Schedule page."""
    connect(peer, live_emulator)
    session = services.session_create(
        peer=peer,
        participant=participant,
        starts_at=minutes_from_now(24 * 60),
        duration_minutes=50,
        modality="video",
    )
    assert eventually(lambda: len(live_meetings(live_emulator)) == 1)
    [meeting] = live_meetings(live_emulator)
    sign_in(page, live_server, participant.email)
    expect(session_card(page, peer.display_name)).to_contain_text("Your session link is ready")

    session_card(page, peer.display_name).get_by_role("button", name="Cancel session").click()
    answer(page, "Cancel session")

    expect(page.get_by_text("Session cancelled.")).to_be_visible()
    assert eventually(lambda: live_meetings(live_emulator) == [])
    [deleted] = live_emulator.meetings()
    assert deleted["id"] == meeting["id"]
    assert deleted["deleted_at"] is not None
    assert not session.meetings.filter(removed_at__isnull=True).exists()
    page.reload()
    card = session_card(page, peer.display_name)  # still ahead: where it was, saying so
    expect(card).to_contain_text("Cancelled by you: this session will not take place.")
    expect(card).not_to_contain_text("link is ready")
    expect(card.get_by_role("link", name="Join Session")).to_have_count(0)


def test_it_leaves_no_meeting_when_the_session_is_declined(
    page: Page, browser, live_server, live_emulator: EmulatorControl, worker, peer, participant
):
    connect(peer, live_emulator)
    sign_in(page, live_server, participant.email)
    request_a_session(page, peer, minutes_from_now(24 * 60))

    peer_context = browser.new_context()
    peer_page = peer_context.new_page()
    sign_in(peer_page, live_server, peer.email)
    session_card(peer_page, participant.display_name).get_by_role("button", name="Decline").click()
    answer(peer_page, "Decline request")
    expect(peer_page.get_by_text("Request declined.")).to_be_visible()
    expect(session_card(peer_page, participant.display_name)).to_contain_text(
        "You declined this request: this session will not take place."
    )
    peer_context.close()

    assert SupportSession.objects.get().status == SupportSession.Status.DECLINED
    assert live_meetings(live_emulator) == []


def test_you_bypass_automatic_creation_by_entering_your_own_meeting_link(
    page: Page, live_server, live_emulator: EmulatorControl, worker, peer, participant
):
    # The manual link's site is not on this machine: note where the new tab went.
    visited: list[str] = []
    page.context.on("request", lambda request: visited.append(request.url))
    connect(peer, live_emulator)
    sign_in(page, live_server, peer.email)

    schedule_a_session(page, participant.email, minutes_from_now(5), meeting_link=MANUAL)

    card = session_card(page, participant.display_name)
    expect(card).to_contain_text("Manual link")
    with page.context.expect_page() as new_tab:
        card.get_by_role("link", name="Join Session").click()
    new_tab.value.wait_for_load_state()
    assert visited[-1] == MANUAL
    assert live_emulator.calls("create_meeting") == []
    assert not ZoomMeeting.objects.exists()


def test_a_link_entered_later_replaces_the_zoom_meeting_and_removes_it(
    page: Page, live_server, live_emulator: EmulatorControl, worker, peer, participant
):
    connect(peer, live_emulator)
    sign_in(page, live_server, peer.email)
    schedule_a_session(page, participant.email, minutes_from_now(24 * 60))
    card = session_card(page, participant.display_name)
    expect(card).to_contain_text("Zoom meeting ready")

    card.get_by_role("link", name=re.compile("session with")).click()
    page.get_by_role("region", name="Meeting link").get_by_label("Meeting link").fill(MANUAL)
    page.get_by_role("button", name="Save link").click()

    expect(page.get_by_text("Meeting link saved.")).to_be_visible()
    expect(page.locator("dd.link-state")).to_have_text("Manual link")
    assert eventually(lambda: live_meetings(live_emulator) == [])
