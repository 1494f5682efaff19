"""The guide's "What Happens After Removal", after either way of removing the integration.

- Peerakeet can no longer create or delete Zoom meetings for your account.
- The stored encrypted Zoom token is removed or marked revoked in Peerakeet's backend.
- Existing Peerakeet session records remain in place, but future Zoom automation stops until you
  reconnect.
- You can reconnect later by repeating the authorization steps on this page.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from scheduling.models import SupportSession
from tests.guide.walk import (
    answer,
    connect_in_popup,
    disconnect,
    eventually,
    minutes_from_now,
    pill,
    schedule_a_session,
    session_card,
    sign_in,
)
from tests.personas import make_participant
from tests.zoom_support import LICENSED, zoom_user
from zoom.models import ZoomConnection
from zoom_emulator.testing import EmulatorControl

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_MEETING = "No meeting yet — reconnect Zoom or add a link"


def remove(page: Page, emulator: EmulatorControl, how: str) -> None:
    if how == "disconnect":  # Option 1: Disconnect from Peerakeet
        disconnect(page)
    else:  # Option 2: Remove from Zoom Marketplace (the emulator's Remove, same webhook)
        emulator.deauthorize(zoom_user(emulator, LICENSED)["id"])
        assert len(emulator.wait_for_deliveries(1)) == 1
        page.evaluate("window.dispatchEvent(new Event('focus'))")
    expect(pill(page)).to_contain_text("Zoom: Not connected")


@pytest.mark.parametrize("how", ["disconnect", "marketplace"])
def test_the_stored_encrypted_token_is_removed(
    page: Page, live_server, live_emulator: EmulatorControl, peer, how
):
    sign_in(page, live_server, peer.email)
    connect_in_popup(page)

    remove(page, live_emulator, how)

    connection = ZoomConnection.objects.get(peer=peer)
    assert connection.state == ZoomConnection.State.DISCONNECTED
    assert connection.refresh_token_encrypted == ""
    assert connection.access_token_encrypted == ""
    assert connection.zoom_user_id is None
    assert connection.zoom_email == ""
    [grant] = live_emulator.grants()
    assert grant["active"] is False
    assert grant["status"] == ("revoked" if how == "disconnect" else "deauthorized")


def test_records_remain_and_peerakeet_can_no_longer_create_or_delete_meetings(
    page: Page, live_server, live_emulator: EmulatorControl, worker, peer, participant
):
    sign_in(page, live_server, peer.email)
    connect_in_popup(page)
    schedule_a_session(page, participant.email, minutes_from_now(24 * 60))
    expect(session_card(page, participant.display_name)).to_contain_text("Zoom meeting ready")

    remove(page, live_emulator, "marketplace")
    calls_before = len(live_emulator.calls())

    # Existing session records remain in place.
    page.reload()
    expect(session_card(page, participant.display_name)).to_contain_text("Confirmed")
    # Future Zoom automation stops: a new session gets no meeting...
    other = make_participant("sam@example.org", "Sam Other")
    schedule_a_session(page, other.email, minutes_from_now(48 * 60))
    expect(session_card(page, "Sam Other")).to_contain_text(NO_MEETING)
    # ...and cancelling the old one cannot delete its meeting: the peer is told to, in Zoom.
    session_card(page, participant.display_name).get_by_role(
        "button", name="Cancel session"
    ).click()
    answer(page, "Cancel session")
    assert eventually(
        lambda: (
            SupportSession.objects.get(participant=participant).meetings.get().removal_failed != ""
        )
    )
    page.reload()
    expect(
        page.get_by_text("Zoom meeting could not be removed — delete it in Zoom")
    ).to_be_visible()
    assert [c for c in live_emulator.calls()[calls_before:] if c["path"].startswith("/v2/")] == []


def test_you_can_reconnect_later_by_repeating_the_authorization_steps(
    page: Page, live_server, live_emulator: EmulatorControl, worker, peer, participant
):
    sign_in(page, live_server, peer.email)
    connect_in_popup(page)
    remove(page, live_emulator, "disconnect")
    schedule_a_session(page, participant.email, minutes_from_now(24 * 60))
    expect(session_card(page, participant.display_name)).to_contain_text(NO_MEETING)

    connect_in_popup(page)  # the same steps as the first time

    page.reload()
    expect(session_card(page, participant.display_name)).to_contain_text(
        "Zoom meeting ready", timeout=10_000
    )
    assert len([g for g in live_emulator.grants() if g["active"]]) == 1
