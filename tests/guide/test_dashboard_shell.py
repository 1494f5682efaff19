"""A real browser: a peer signs in and sees the Schedule page; a participant sees no Zoom."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, live_server, email: str) -> None:
    page.goto(f"{live_server.url}/accounts/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_peer_signs_in_and_sees_the_schedule_page(page: Page, live_server, peer):
    sign_in(page, live_server, peer.email)

    expect(page.get_by_role("heading", name="Schedule", exact=True)).to_be_visible()
    expect(page.get_by_text("Certified peer")).to_be_visible()
    expect(page.locator("#zoom-status")).to_contain_text("Zoom")


def test_a_participant_sees_no_zoom_controls(page: Page, live_server, participant):
    sign_in(page, live_server, participant.email)

    expect(page.get_by_role("heading", name="Schedule", exact=True)).to_be_visible()
    expect(page.locator("#zoom-status")).to_have_count(0)
    expect(page.get_by_text("Connect", exact=True)).to_have_count(0)
