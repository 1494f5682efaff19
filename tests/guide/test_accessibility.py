"""Every page of the walk passes axe-core with no serious or critical finding, and the Schedule
page works at phone width (no horizontal scrolling, every button reachable)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from scheduling import services
from tests.guide.walk import (
    assert_accessible,
    fits_the_screen,
    minutes_from_now,
    open_form,
    pill,
    session_card,
    sign_in,
    zoom_sign_in_and_allow,
)
from tests.personas import make_participant
from tests.worker import run_until_quiet
from tests.zoom_support import connect
from zoom.models import ZoomConnection
from zoom_emulator.testing import EmulatorControl

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def book(peer, participant, minutes: float, **kwargs):
    return services.session_create(
        peer=peer,
        participant=participant,
        starts_at=minutes_from_now(minutes),
        duration_minutes=50,
        modality=kwargs.pop("modality", "video"),
        **kwargs,
    )


def test_the_public_pages_are_accessible(page: Page, live_server):
    for path in ["/accounts/sign-in/", "/accounts/sign-up/", "/accounts/password-reset/", "/help/"]:
        page.goto(f"{live_server.url}{path}")
        assert_accessible(page)
    page.goto(f"{live_server.url}/accounts/sign-up/")
    page.get_by_role("button", name="Create account").click()  # every field missing
    expect(page.get_by_text("Please fix the problems marked below.")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server.url}/accounts/sign-in/")
    page.get_by_label("Email address").fill("nobody@example.org")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    assert_accessible(page)
    page.goto(f"{live_server.url}/no/such/page/")
    assert_accessible(page)


def test_the_peer_pages_are_accessible_in_every_pill_state(
    page: Page, live_server, live_emulator: EmulatorControl, peer, participant
):
    sign_in(page, live_server, peer.email)
    expect(pill(page)).to_contain_text("Zoom: Not connected")
    assert_accessible(page)

    # The callback's result page, kept open (its script would close the popup at once).
    page.context.route("**/zoom-callback.js", lambda route: route.abort())
    with page.expect_popup() as popup_info:
        pill(page).get_by_role("button", name="Connect").click()
    popup = popup_info.value
    zoom_sign_in_and_allow(popup)
    expect(popup.get_by_role("heading", name="Zoom is connected")).to_be_visible()
    assert_accessible(popup)
    popup.close()
    page.context.unroute("**/zoom-callback.js")
    for query, heading in [
        ("error=access_denied&state=x", "Zoom was not connected"),
        ("code=abc&state=unknown", "This Zoom sign-in link has expired"),
    ]:
        page.goto(f"{live_server.url}/integrations/zoom/callback?{query}")
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        assert_accessible(page)

    soon = book(peer, participant, 5)
    later = book(peer, make_participant("sam@example.org", "Sam Other"), 24 * 60, modality="audio")
    services.session_request(
        participant=make_participant("kim@example.org", "Kim Request"),
        peer=peer,
        starts_at=minutes_from_now(2 * 24 * 60),
        duration_minutes=50,
        modality="video",
    )
    run_until_quiet()
    page.goto(f"{live_server.url}/schedule/")
    expect(pill(page)).to_contain_text("Zoom: Connected")
    expect(session_card(page, "Kim Request").get_by_role("button", name="Accept")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server.url}/sessions/{soon.pk}/")
    assert_accessible(page)
    page.goto(f"{live_server.url}/sessions/{later.pk}/join")
    expect(
        page.get_by_role("heading", name="You cannot join this session right now")
    ).to_be_visible()
    assert_accessible(page)

    ZoomConnection.objects.update(
        state=ZoomConnection.State.NEEDS_RECONNECT, reason=ZoomConnection.Reason.GRANT_REFUSED
    )
    page.goto(f"{live_server.url}/schedule/")
    expect(pill(page)).to_contain_text("Zoom: Needs reconnect")
    assert_accessible(page)


def test_the_participant_pages_are_accessible(
    page: Page, live_server, live_emulator: EmulatorControl, peer, participant
):
    connect(peer, live_emulator)
    soon = book(peer, participant, 5)
    services.session_request(
        participant=participant,
        peer=peer,
        starts_at=minutes_from_now(3 * 24 * 60),
        duration_minutes=50,
        modality="audio",
    )
    run_until_quiet()
    sign_in(page, live_server, participant.email)
    assert_accessible(page)
    page.goto(f"{live_server.url}/sessions/{soon.pk}/")
    assert_accessible(page)
    page.goto(f"{live_server.url}/integrations/zoom/status/")  # peers only: 403
    expect(page.get_by_role("heading", name="This page is not available to you")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server.url}/sessions/999999/")
    expect(page.get_by_role("heading", name="We could not find that page")).to_be_visible()
    assert_accessible(page)


def reachable(button: Locator, width: int) -> None:
    button.scroll_into_view_if_needed()
    expect(button).to_be_in_viewport()
    box = button.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= width


@pytest.mark.parametrize("who", ["peer", "participant"])
def test_the_schedule_page_works_at_phone_width(
    browser, live_server, live_emulator: EmulatorControl, peer, participant, who
):
    connect(peer, live_emulator)
    book(peer, participant, 5)
    services.session_request(
        participant=participant,
        peer=peer,
        starts_at=minutes_from_now(24 * 60),
        duration_minutes=50,
        modality="video",
    )
    run_until_quiet()
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = phone.new_page()
    sign_in(page, live_server, (peer if who == "peer" else participant).email)

    assert fits_the_screen(page)
    card = page.get_by_role("region", name="Next").locator("li.session")
    reachable(card.get_by_role("link", name="Join Session"), 390)
    reachable(card.get_by_role("button", name="Cancel session"), 390)
    if who == "peer":
        reachable(pill(page).get_by_role("button", name="Disconnect"), 390)
        request = page.get_by_role("region", name="Needs your response").locator("li.session")
        reachable(request.get_by_role("button", name="Accept"), 390)
        reachable(
            open_form(page, "Schedule a session").get_by_role("button", name="Schedule session"),
            390,
        )
    else:
        reachable(
            open_form(page, "Request a session").get_by_role("button", name="Request session"), 390
        )
    assert fits_the_screen(page)
    assert_accessible(page)
    phone.close()
