"""The guide's "Before You Start", in a real browser.

- A Zoom account that you want to use as the meeting host.
- A Peerakeet account with the Certified Peer role.
- Access to the Peerakeet web dashboard or mobile app.
- A browser that allows the Zoom authorization popup or new tab.
Participants do not need to authorize Zoom in Peerakeet. Only the certified peer who hosts
sessions connects a Zoom account.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.guide.walk import (
    connect_in_popup,
    fits_the_screen,
    minutes_from_now,
    pill,
    schedule_a_session,
    session_card,
    sign_in,
    sign_out,
)
from tests.personas import PASSWORD
from tests.zoom_support import BASIC, connect, zoom_user
from zoom.models import ZoomConnection
from zoom_emulator.testing import EmulatorControl

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_zoom_account_you_connect_is_the_meeting_host(
    page: Page, live_server, live_emulator: EmulatorControl, worker, peer, participant
):
    sign_in(page, live_server, peer.email)
    connect_in_popup(page, BASIC)  # the Zoom account this peer wants to host with
    expect(pill(page)).to_contain_text(BASIC)

    schedule_a_session(page, participant.email, minutes_from_now(24 * 60))

    expect(session_card(page, participant.display_name)).to_contain_text("Zoom meeting ready")
    [meeting] = live_emulator.meetings()
    assert meeting["host_id"] == zoom_user(live_emulator, BASIC)["id"]


def test_a_peerakeet_account_with_the_certified_peer_role_is_needed_to_connect(
    page: Page, live_server, live_emulator: EmulatorControl, peer, participant
):
    sign_in(page, live_server, peer.email)
    expect(page.get_by_text("Certified peer", exact=True)).to_be_visible()
    expect(pill(page).get_by_role("button", name="Connect")).to_be_visible()
    sign_out(page)

    sign_in(page, live_server, participant.email)
    expect(page.get_by_text("Participant", exact=True)).to_be_visible()
    expect(pill(page)).to_have_count(0)
    response = page.goto(f"{live_server.url}/integrations/zoom/status/")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", name="This page is not available to you")).to_be_visible()


def test_the_web_dashboard_works_on_a_phone_and_the_mobile_app_uses_the_api(
    browser, live_server, live_emulator: EmulatorControl, peer
):
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = phone.new_page()
    sign_in(page, live_server, peer.email)
    assert fits_the_screen(page)
    expect(pill(page).get_by_role("button", name="Connect")).to_be_in_viewport()

    # The mobile app signs in to the same account through the API (docs/api.md).
    signed_in = page.request.post(
        f"{live_server.url}/api/v1/auth/tokens",
        data={"email": peer.email, "password": PASSWORD, "name": "Phone"},
    )
    assert signed_in.status == 201
    token = signed_in.json()["token"]
    zoom = page.request.get(
        f"{live_server.url}/api/v1/zoom", headers={"Authorization": f"Bearer {token}"}
    )
    assert zoom.status == 200
    assert zoom.json()["state"] == "disconnected"
    phone.close()


def test_participants_do_not_authorize_zoom_only_the_hosting_peer_connects(
    page: Page, live_server, live_emulator: EmulatorControl, worker, peer, participant
):
    connect(peer, live_emulator)
    sign_in(page, live_server, participant.email)

    expect(page.get_by_role("button", name="Connect")).to_have_count(0)
    expect(page.get_by_text("Zoom:", exact=False)).to_have_count(0)
    assert not ZoomConnection.objects.filter(peer=participant).exists()
    assert len(live_emulator.grants()) == 1  # the peer's, and nobody else's
