"""A former peer signs in and is told, kindly and clearly, that their certification was revoked:
that they can no longer host, what happened to their sessions, and whom to ask (issue 16).
At desktop and phone width, with no axe-core finding of any impact."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from accounts.services import certification_revoke
from scheduling import services
from tests.diary import FROZEN_NOW
from tests.guide.walk import fits_the_screen, shot, sign_in
from tests.scheduling.conftest import book

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def every_axe_violation(page: Page) -> list[str]:
    """assert_accessible blocks serious and critical findings; this page must have none at all."""
    return [v["id"] for v in Axe().run(page).response["violations"]]


@pytest.fixture
def former_peer(peer, participant, stranger, staff):
    book(peer, participant, starts_at=FROZEN_NOW + timedelta(days=2, hours=3))
    services.session_request(
        participant=stranger,
        peer=peer,
        starts_at=FROZEN_NOW + timedelta(days=3),
        duration_minutes=50,
        modality="video",
    )
    certification_revoke(user=peer, by=staff, note="test")
    return peer


@pytest.mark.parametrize("width", WIDTHS)
def test_a_former_peer_is_told_why_they_can_no_longer_host(
    browser, live_server, former_peer, width
):
    context = browser.new_context(viewport=WIDTHS[width], is_mobile=width == "phone")
    page = context.new_page()

    sign_in(page, live_server, former_peer.email)

    notice = page.get_by_role("status").filter(has_text="no longer a certified peer")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("can no longer host sessions")
    expect(notice).to_contain_text("were declined")
    expect(notice).to_contain_text("handed to other peers")
    expect(notice.get_by_role("link", name="support@peerakeet.com")).to_be_visible()
    expect(page.get_by_role("button", name="Schedule session")).to_have_count(0)
    assert fits_the_screen(page)
    assert every_axe_violation(page) == []
    shot(notice, f"schedule-revoked-peer{'-phone' if width == 'phone' else ''}")
    context.close()


def test_a_peer_and_a_participant_see_no_such_notice(page: Page, live_server, peer, participant):
    for person in (peer, participant):
        page.context.clear_cookies()
        sign_in(page, live_server, person.email)
        expect(page.get_by_text("no longer a certified peer")).to_have_count(0)
