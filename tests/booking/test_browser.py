"""Booking in a real browser, on a lived-in diary: a participant finds a peer, filters, picks a
slot and sees it requested (or confirmed, with its Zoom meeting); a visitor comes through the
booking link and sign-up back to the slot; a peer sets their hours and sees the booking.
Screenshots for docs/user-guide.md ("Booking a session"), and axe on every booking page.

Every test starts at tests.diary.FROZEN_NOW (the guide walk's frozen_clock, ticking): the open
times, the dates on the pages and so the screenshots are the same on every run, whatever the
real time. The pages' own scripts never read the browser's clock."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, ViewportSize, expect

from booking.services import slot_book
from scheduling import services
from scheduling.models import SupportSession
from tests.booking.conftest import at, open_hours
from tests.guide.conftest import frozen_clock, worker  # noqa: F401 (autouse clock; the worker)
from tests.guide.walk import fits_the_screen, shot, sign_in
from tests.personas import PASSWORD, make_peer
from tests.security.test_verified_accounts import link_in
from tests.zoom_support import connect
from zoom_emulator.testing import EmulatorControl

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE: ViewportSize = {"width": 390, "height": 844}
_axe = Axe()


def assert_accessible(page: Page) -> None:
    """No axe-core violation at all on the booking pages (the guide's walk blocks only serious
    and critical ones)."""
    found = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in _axe.run(page).response["violations"]
    ]
    assert found == [], f"{page.url}: " + "\n".join(found)


def lived_in(peer, participant) -> None:
    """A diary a week of use leaves: past sessions, an upcoming one, a declined request."""
    now = timezone.now()
    SupportSession.objects.bulk_create(
        SupportSession(
            peer=peer,
            participant=participant,
            status=SupportSession.Status.COMPLETED,
            starts_at=now - timedelta(days=days),
            duration_minutes=50,
        )
        for days in (3, 10)
    )
    other = make_peer("casey@example.org", "Casey Morgan")
    services.session_create(
        peer=other,
        participant=participant,
        starts_at=now + timedelta(days=1, hours=2),
        duration_minutes=50,
        modality="audio",
        manual_link="https://whereby.com/casey",
    )
    declined = services.session_request(
        participant=participant,
        peer=other,
        starts_at=now + timedelta(days=4),
        duration_minutes=50,
        modality="video",
    )
    services.session_decline(session=declined, by=other)


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def test_a_participant_finds_a_peer_filters_and_requests_a_slot(
    page: Page, live_server, peer, participant
):
    open_hours(
        peer,
        slug="pat",
        languages=["English", "Spanish"],
        focus_areas=["Recovery", "Grief and loss"],
        introduction="Twelve years in recovery. I listen first, and we go at your pace.",
        notice_minutes=12 * 60,
    )
    open_hours(
        make_peer("robin@example.org", "Robin Audio"),
        slug="robin",
        modalities=["audio"],
        languages=["English"],
        focus_areas=["Work and study"],
        introduction="Audio calls, evenings and weekends.",
    )
    lived_in(peer, participant)
    sign_in(page, live_server, participant.email)

    nav(page, "Find a peer")
    expect(page.get_by_role("heading", name="Find a peer")).to_be_visible()
    expect(page.get_by_role("link", name="Robin Audio", exact=True)).to_be_visible()
    page.get_by_label("Language").select_option("Spanish")
    page.get_by_label("Session type").select_option("video")
    page.get_by_role("button", name="Show peers").click()
    expect(page.get_by_role("link", name="Robin Audio", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Pat Peer", exact=True)).to_be_visible()
    assert_accessible(page)
    shot(page, "booking-find")

    page.get_by_role("link", name="All open times").click()
    expect(page.get_by_role("heading", name="Pat Peer")).to_be_visible()
    expect(page.get_by_text("your time zone, UTC")).to_be_visible()
    assert peer.email not in page.content()
    assert_accessible(page)
    shot(page, "booking-peer-page")

    page.locator(".slots a").first.click()
    expect(page.get_by_role("heading", name="Book a session with Pat Peer")).to_be_visible()
    page.get_by_label("Video", exact=True).check()
    assert_accessible(page)
    shot(page, "booking-confirm")
    page.get_by_role("button", name="Request this time").click()

    expect(
        page.get_by_text("Session requested. You will hear when the peer accepts.")
    ).to_be_visible()
    expect(page.locator("dd", has_text="Requested")).to_be_visible()
    session = SupportSession.objects.get(peer=peer, status=SupportSession.Status.REQUESTED)
    assert session.participant == participant

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/find/")
    assert fits_the_screen(page)
    shot(page, "booking-find-phone")
    page.goto(f"{live_server.url}/p/pat/")
    assert fits_the_screen(page)
    shot(page, "booking-peer-page-phone")


def test_a_second_participant_is_told_the_time_was_taken_and_offered_the_nearest(
    page: Page, live_server, bookable_peer, participant, stranger
):
    sign_in(page, live_server, stranger.email)
    page.goto(f"{live_server.url}/p/pat/")
    link = page.locator(".slots a").nth(2)
    link.click()
    expect(page.get_by_role("heading", name="Book a session with Pat Peer")).to_be_visible()
    # Someone else books the same time while this page is open.
    at_value = parse_qs(urlparse(page.url).query)["at"][0]
    slot_book(
        participant=participant,
        peer=bookable_peer,
        starts_at=datetime.fromisoformat(at_value.replace("Z", "+00:00")),
        duration_minutes=30,
        modality="video",
    )
    page.get_by_role("button", name="Request this time").click()

    expect(page.get_by_role("alert")).to_contain_text("That time was just taken")
    expect(page.get_by_role("heading", name="Nearest open times")).to_be_visible()
    expect(page.locator(".slots a")).to_have_count(3)
    assert_accessible(page)
    shot(page, "booking-taken")


@pytest.mark.usefixtures("worker")
def test_a_peer_who_confirms_automatically_gets_a_confirmed_session_with_its_zoom_meeting(
    page: Page,
    live_server,
    live_emulator: EmulatorControl,
    peer,
    participant,
):
    connect(peer, live_emulator)
    open_hours(peer, slug="pat", auto_confirm=True)
    lived_in(peer, participant)
    sign_in(page, live_server, participant.email)

    page.goto(f"{live_server.url}/p/pat/")
    expect(page.get_by_text("Confirmed at once")).to_be_visible()
    page.locator(".slots a").first.click()
    page.get_by_role("button", name="Book this time").click()

    expect(page.get_by_text("Session booked and confirmed.")).to_be_visible()
    expect(page.locator("dd", has_text="Confirmed")).to_be_visible()
    # The session page does not poll (the Schedule page does): look again until the worker
    # has made the meeting, as a person reloading would.
    ready = page.get_by_text("Your session link is ready")
    for _ in range(40):
        page.reload()
        if ready.is_visible():
            break
        page.wait_for_timeout(500)
    expect(ready).to_be_visible()
    assert len(live_emulator.meetings()) == 1


def test_a_visitor_comes_through_the_booking_link_and_sign_up_back_to_the_slot(
    page: Page, live_server, bookable_peer
):
    page.goto(f"{live_server.url}/p/pat/")
    expect(page.get_by_label("Show times in")).to_have_value("UTC")  # the peer's zone
    assert_accessible(page)
    page.get_by_label("Show times in").select_option("Europe/Paris")
    page.get_by_role("button", name="Show times").click()
    expect(page.locator(".slots time").first).to_contain_text(":00")
    page.locator(".slots a").first.click()
    expect(page.get_by_text("· Central European Time (Paris)")).to_be_visible()
    expect(page.get_by_role("link", name="Sign in to book")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Create an account").click()
    assert_accessible(page)
    page.get_by_label("Your name").fill("Jamie New")
    page.get_by_label("Email address").fill("jamie@example.org")
    page.get_by_label("Time zone").select_option("Europe/Paris")
    page.locator("#id_password1").fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    page.goto(live_server.url + link_in(mail.outbox[-1]))  # the emailed link, same browser
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm and sign in").click()

    expect(page.get_by_role("heading", name="Book a session with Pat Peer")).to_be_visible()
    page.get_by_role("button", name="Request this time").click()
    expect(page.get_by_text("Session requested.")).to_be_visible()


def test_a_peer_sets_their_hours_and_sees_the_booking(page: Page, live_server, peer, participant):
    lived_in(peer, participant)
    sign_in(page, live_server, peer.email)
    nav(page, "Booking page")
    expect(page.get_by_role("heading", name="Your booking page")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Your booking link").fill("pat-peer")
    page.get_by_label("A short introduction").fill("I listen first.")
    page.get_by_label("Languages").fill("English, French")
    page.get_by_label("Recovery").check()
    for day in ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]:
        page.get_by_label(day).fill("09:00-12:00, 13:00-17:00")
    page.get_by_label("Minimum notice (hours)").fill("0")
    shot(page, "booking-settings")
    page.get_by_role("button", name="Save booking page").click()

    expect(page.get_by_text("Your booking page is saved.")).to_be_visible()
    expect(page.get_by_role("link", name=f"{live_server.url}/p/pat-peer/")).to_be_visible()
    # Reloaded: base.html's flash message list (a <ul role="status">) fails axe's listitem rule
    # on every page that shows a message; that is the shared layout's, reported to the lead.
    page.reload()
    assert_accessible(page)

    slot_book(
        participant=participant,
        peer=peer,
        starts_at=at(2, time(10)),
        duration_minutes=50,
        modality="video",
    )
    nav(page, "Schedule")
    card = page.locator("li.session").filter(has_text="Requested").first
    expect(card).to_contain_text("Video session with Alex Participant")
    expect(card).to_contain_text("10:00 AM")
    shot(card, "booking-peer-schedule")


def test_a_peer_can_accept_a_booking_on_a_lived_in_schedule(
    page: Page, live_server, bookable_peer, participant
):
    lived_in(bookable_peer, participant)
    slot_book(
        participant=participant,
        peer=bookable_peer,
        starts_at=at(2, time(10)),
        duration_minutes=50,
        modality="video",
    )
    sign_in(page, live_server, bookable_peer.email)
    card = page.locator("li.session").filter(has_text="Requested").first
    expect(card.get_by_role("button", name="Accept")).to_be_visible(timeout=2_000)
