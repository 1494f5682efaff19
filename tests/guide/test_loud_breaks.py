"""A broken Zoom connection is loud: the banner lists what needs a link, and Reconnect heals."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from scheduling.models import ZoomMeeting
from tests.guide.walk import SCREENSHOTS, pill, sign_in, zoom_sign_in_and_allow
from tests.scheduling.conftest import book
from tests.worker import run_until_quiet
from tests.zoom_support import CLIENT_ID, CLIENT_SECRET, connect
from zoom import vault
from zoom.models import ZoomConnection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def zoom_revokes_the_grant() -> None:
    """What Zoom does when a grant dies (e.g. the user revoked it in Zoom): every token is dead."""
    token = vault.access_token(ZoomConnection.objects.get())
    response = httpx.post(
        f"{settings.ZOOM_OAUTH_URL}/oauth/revoke",
        data={"token": token},
        auth=(CLIENT_ID, CLIENT_SECRET),
    )
    assert response.status_code == 200


def test_the_banner_lists_sessions_needing_a_link_and_reconnect_heals_them(
    page: Page, live_server, live_emulator, peer, participant
):
    connect(peer, live_emulator)
    zoom_revokes_the_grant()
    session = book(peer, participant, starts_in=timedelta(days=2))
    run_until_quiet()  # the create is refused: Zoom says the grant is dead

    sign_in(page, live_server, peer.email)
    banner = page.get_by_role("alert").filter(has_text="needs a meeting link")
    expect(banner).to_contain_text("1 upcoming session needs a meeting link")
    expect(banner.get_by_role("link", name="add a link instead")).to_be_visible()
    expect(pill(page)).to_contain_text("Zoom: Needs reconnect")
    page.screenshot(path=str(SCREENSHOTS / "schedule-needs-reconnect-banner.png"), full_page=True)

    page.wait_for_load_state("load")  # zoom.js (deferred) turns the click into a popup
    with page.expect_popup() as popup_info:
        banner.get_by_role("button", name="Reconnect Zoom").click()
    popup = popup_info.value
    with popup.expect_event("close", timeout=15_000):
        zoom_sign_in_and_allow(popup)
    expect(pill(page)).to_contain_text("Zoom: Connected")
    run_until_quiet()  # reconnecting queued the meeting the session was missing
    page.reload()

    expect(page.get_by_text("needs a meeting link")).to_have_count(0)
    expect(page.locator(f"#session-{session.pk}")).to_contain_text("Zoom meeting ready")
    assert ZoomMeeting.objects.filter(session=session, removed_at__isnull=True).count() == 1
