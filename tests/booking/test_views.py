"""The booking pages: find a peer, the booking link, booking a slot, the peer's settings."""

from __future__ import annotations

from datetime import time
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.test import Client

from booking.models import PeerProfile
from scheduling.models import SupportSession
from tests.booking.conftest import at, open_hours
from tests.personas import PASSWORD, make_peer
from tests.security.test_verified_accounts import link_in

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="accounts.backends.ModelBackend")
    return client


def slot_link(slug: str, when, minutes: int = 50) -> str:
    return f"/p/{slug}/book/?" + urlencode(
        {"at": when.strftime("%Y-%m-%dT%H:%MZ"), "minutes": minutes}
    )


def test_find_a_peer_lists_peers_with_open_time_and_filters_them(bookable_peer, participant):
    other = make_peer("ana@example.org", "Ana Audio")
    open_hours(other, slug="ana", modalities=["audio"], languages=["Portuguese"])
    client = signed_in(participant)

    page = client.get("/find/").content.decode()
    assert "Pat Peer" in page
    assert "Ana Audio" in page
    filtered = client.get("/find/", {"modality": "video"}).content.decode()
    assert "Pat Peer" in filtered
    assert "Ana Audio" not in filtered
    assert "Ana Audio" in client.get("/find/", {"language": "Portuguese"}).content.decode()


def test_the_booking_link_is_public_and_never_shows_the_peers_email(bookable_peer):
    answer = Client().get("/p/pat/")

    assert answer.status_code == 200
    page = answer.content.decode()
    assert "Pat Peer" in page
    assert bookable_peer.email not in page
    assert '<option value="UTC" selected>' in page  # the peer's zone, until the visitor picks
    assert "/p/pat/book/?at=" in page


def test_a_visitor_can_see_the_times_in_their_own_time_zone(bookable_peer):
    page = Client().get("/p/pat/", {"tz": "Asia/Tokyo"}).content.decode()

    # The peer's 09:00 UTC is 6:00 PM in Tokyo; the links keep the zone to the booking page.
    assert ">6:00 PM</time>" in page
    assert "tz=Asia%2FTokyo" in page
    assert '<option value="Asia/Tokyo" selected>' in page
    assert ">9:00 AM</time>" not in page


def test_a_visitors_unknown_time_zone_is_ignored(bookable_peer):
    page = Client().get("/p/pat/", {"tz": "Mars/Olympus"}).content.decode()
    assert ">9:00 AM</time>" in page
    assert "Mars" not in page


def test_the_booking_link_shows_times_in_the_viewers_time_zone(bookable_peer):
    viewer = make_peer("ny@example.org", "Nia York", time_zone="America/New_York")
    page = signed_in(viewer).get("/p/pat/").content.decode()
    # The peer's 09:00 UTC is 4 or 5 AM in New York.
    assert "4:00 AM" in page or "5:00 AM" in page
    assert "your time zone, Eastern Time (New York)" in page


def sign_up_then_confirm(client: Client, next_url: str) -> str:
    """Sign up with ``next``, then open the emailed link in the same browser: where it lands."""
    answer = client.post(
        "/accounts/sign-up/",
        {
            "display_name": "New Person",
            "email": "new@example.org",
            "time_zone": "Europe/Paris",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "next": next_url,
        },
    )
    assert answer["Location"] == "/accounts/sign-up/sent/"  # nothing visible before the link
    confirmed = client.post(link_in(mail.outbox[-1]), {"password": PASSWORD})
    assert confirmed.status_code == 302
    return str(confirmed["Location"])


def test_a_visitor_is_sent_to_sign_in_or_sign_up_and_back_to_the_slot(bookable_peer):
    link = slot_link("pat", at(2, time(10)))
    page = Client().get(link).content.decode()
    assert "Sign in to book" in page
    assert f"next={urlencode({'x': link})[2:]}" in page

    client = Client()
    assert sign_up_then_confirm(client, link) == link
    assert "Request this time" in client.get(link).content.decode()


@pytest.mark.parametrize(
    "bad", ["https://evil.example/", "//evil.example/p/", "/\\evil.example/", "javascript:alert(1)"]
)
def test_sign_up_never_follows_a_next_off_the_site(bad):
    assert sign_up_then_confirm(Client(), bad) == "/schedule/"


def test_booking_a_slot_leads_to_the_requested_session(bookable_peer, participant):
    answer = signed_in(participant).post(slot_link("pat", at(2, time(10))), {"modality": "video"})

    session = SupportSession.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"/sessions/{session.pk}/"
    assert session.status == SupportSession.Status.REQUESTED


def test_a_taken_slot_says_so_and_offers_the_nearest_others(bookable_peer, participant, stranger):
    link = slot_link("pat", at(2, time(10)))
    signed_in(participant).post(link, {"modality": "video"})

    answer = signed_in(stranger).post(link, {"modality": "video"})

    page = answer.content.decode()
    assert answer.status_code == 409
    assert "That time was just taken" in page
    assert page.count("/p/pat/book/?at=") == 3
    assert SupportSession.objects.count() == 1


def test_the_schedule_pages_request_form_refuses_a_time_outside_the_hours(
    bookable_peer, participant
):
    answer = signed_in(participant).post(
        "/sessions/request/",
        {
            "peer": bookable_peer.pk,
            "starts_at": at(2, time(3)).strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": 50,
            "modality": "video",
        },
    )
    assert answer.status_code == 400
    assert "outside the peer&#x27;s hours" in answer.content.decode()
    assert not SupportSession.objects.exists()


def test_a_peer_saves_their_profile_and_hours(peer):
    client = signed_in(peer)
    assert client.get("/booking/settings/").status_code == 200

    answer = client.post(
        "/booking/settings/",
        {
            "profile-slug": "pat-peer",
            "profile-introduction": "Ten years in recovery.",
            "profile-languages": "English, Spanish",
            "profile-focus_areas": ["Recovery"],
            "profile-modalities": ["video"],
            "profile-session_lengths": ["30", "50"],
            "hours-day_0": "09:00-12:00, 13:00-17:00",
            "hours-day_2": "18:00-20:00",
            "hours-dates_off": "2030-12-24",
            "hours-notice_hours": "12",
            "hours-horizon_days": "30",
            "hours-buffer_minutes": "10",
            "hours-daily_max": "4",
        },
    )

    assert answer.status_code == 302
    peer.refresh_from_db()
    assert peer.peer_profile.languages == ["English", "Spanish"]
    assert peer.availability.weekly_hours == [
        [0, "09:00", "12:00"],
        [0, "13:00", "17:00"],
        [2, "18:00", "20:00"],
    ]
    assert peer.availability.notice_minutes == 720
    assert "/p/pat-peer/" in client.get("/booking/settings/").content.decode()


def test_bad_hours_are_marked_and_nothing_is_saved(peer):
    answer = signed_in(peer).post(
        "/booking/settings/",
        {
            "profile-slug": "pat",
            "profile-languages": "English",
            "profile-modalities": ["video"],
            "profile-session_lengths": ["50"],
            "hours-day_0": "17:00-09:00",
            "hours-notice_hours": "12",
            "hours-horizon_days": "30",
            "hours-buffer_minutes": "10",
            "hours-daily_max": "4",
        },
    )
    assert answer.status_code == 400
    assert "a range ends after it starts" in answer.content.decode()
    assert not PeerProfile.objects.exists()


def test_a_participant_has_no_booking_settings(participant):
    assert signed_in(participant).get("/booking/settings/").status_code == 403


def test_a_taken_slug_is_refused(bookable_peer, other_peer):
    answer = signed_in(other_peer).post(
        "/booking/settings/",
        {
            "profile-slug": "pat",
            "profile-languages": "English",
            "profile-modalities": ["video"],
            "profile-session_lengths": ["50"],
            "hours-notice_hours": "12",
            "hours-horizon_days": "30",
            "hours-buffer_minutes": "10",
            "hours-daily_max": "4",
        },
    )
    assert answer.status_code == 400
    assert "That booking link is taken" in answer.content.decode()
