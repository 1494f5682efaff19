"""Phishing through the Join button: a peer (or whoever holds a peer's account) sets a manual
link to a page dressed as a meeting service. Only https links to known meeting services and
their subdomains pass, compared after IDNA normalisation, never by substring; and before a
participant leaves for a manual link, Peerakeet names the host they are going to."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from api.tokens import token_issue
from peerakeet.lib.meeting_links import MeetingLinkError, clean_meeting_link
from scheduling import services
from scheduling.models import SupportSession

LOOKALIKES = [
    "https://evilzoom.us/j/123",  # the allowed name as a suffix of another label
    "https://zoom.us.evil.example/j/123",  # the allowed name as a prefix
    "https://zoom-us.example/j/123",
    "https://z\u043e\u043em.us/j/123",  # Cyrillic o (U+043E)
    "https://xn--zm-jlca.us/j/123",  # the same lookalike, already in punycode
    "https://xn--zoom.us/j/123",  # not valid punycode
    "https://zoom.us@evil.example/j/123",  # userinfo: the real host is evil.example
    "https://evil.example@zoom.us/j/123",  # userinfo, the other way round
    "https://evil.example\\@zoom.us/j/123",  # a backslash browsers read as a slash
    "https://zoom.us:8443/j/123",  # a port
    "https://zoom.us./j/123",  # a trailing dot
    "https://zoom.us%2eevil.example/j/123",
    "https://127.0.0.1/j/123",
    "https://[::1]/j/123",
    "http://zoom.us/j/123",  # not https
    "https://meet.example.org/room",  # any other https site
    "https://zoom.us /j/123",
    "https://zoom.us\t/j/123",
]
GENUINE = [
    "https://zoom.us/j/123456789?pwd=abc",
    "https://us02web.zoom.us/j/123456789",
    "https://meet.google.com/abc-defg-hij",
    "https://teams.microsoft.com/l/meetup-join/19%3ameeting",
    "https://teams.live.com/meet/123",
    "https://acme.webex.com/meet/pat",
    "https://whereby.com/pat-peer",
    "https://doxy.me/drpat",
    "https://agency.zoomgov.com/j/1",
]


@pytest.fixture
def session(peer, participant) -> SupportSession:
    return services.session_create(
        peer=peer,
        participant=participant,
        starts_at=timezone.now() + timedelta(minutes=5),
        duration_minutes=50,
        modality="video",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("link", LOOKALIKES)
def test_a_peer_cannot_point_join_at_a_lookalike_on_the_web(client, peer, session, link):
    client.force_login(peer)

    response = client.post(f"/sessions/{session.pk}/link/", {"manual_link": link})

    assert response.status_code == 400
    session.refresh_from_db()
    assert session.manual_link == ""


@pytest.mark.django_db
@pytest.mark.parametrize("link", LOOKALIKES[:8])
def test_a_peer_cannot_point_join_at_a_lookalike_through_the_api(peer, session, link):
    token = token_issue(user=peer, name="attacker").plaintext

    response = Client().put(
        f"/api/v1/sessions/{session.pk}/link",
        json.dumps({"manual_link": link}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "bad_link"
    session.refresh_from_db()
    assert session.manual_link == ""


@pytest.mark.django_db
def test_a_lookalike_is_refused_when_booking_too(peer, participant):
    with pytest.raises(services.SessionError):
        services.session_create(
            peer=peer,
            participant=participant,
            starts_at=timezone.now() + timedelta(days=1),
            duration_minutes=50,
            modality="video",
            manual_link="https://zoom.us.evil.example/j/1",
        )

    assert not SupportSession.objects.exists()


@pytest.mark.django_db
def test_the_refusal_names_the_allowed_services(client, peer, session):
    client.force_login(peer)

    response = client.post(f"/sessions/{session.pk}/link/", {"manual_link": LOOKALIKES[0]})

    for name in ["Zoom", "Google Meet", "Microsoft Teams", "Webex", "Whereby", "Doxy.me"]:
        assert name in response.text


@pytest.mark.parametrize("link", GENUINE)
def test_real_meeting_services_and_their_subdomains_pass(link):
    assert clean_meeting_link(link) == link


@pytest.mark.parametrize("link", LOOKALIKES)
def test_the_validator_refuses_every_lookalike(link):
    with pytest.raises(MeetingLinkError):
        clean_meeting_link(link)


def test_hosts_are_compared_after_idna_normalisation():
    # Full-width letters and an ideographic full stop are how a browser reads zoom.us.
    assert (
        clean_meeting_link("https://\uff5a\uff4f\uff4f\uff4d\u3002us/j/1") == "https://zoom.us/j/1"
    )
    assert clean_meeting_link("https://ZOOM.US/j/1") == "https://zoom.us/j/1"


@pytest.mark.django_db
def test_the_allow_list_is_configurable(settings, peer, session):
    settings.MANUAL_LINK_HOSTS = ["video.clinic.example"]
    client = Client()
    client.force_login(peer)

    refused = client.post(f"/sessions/{session.pk}/link/", {"manual_link": GENUINE[0]})
    allowed = client.post(
        f"/sessions/{session.pk}/link/", {"manual_link": "https://room.video.clinic.example/1"}
    )

    assert refused.status_code == 400
    assert "video.clinic.example" in refused.text
    assert allowed.status_code == 302
    session.refresh_from_db()
    assert session.manual_link == "https://room.video.clinic.example/1"


@pytest.mark.django_db
def test_join_names_the_host_before_sending_a_participant_to_a_manual_link(
    client, peer, participant
):
    link = "https://acme.webex.com/meet/pat"
    session = services.session_create(
        peer=peer,
        participant=participant,
        starts_at=timezone.now() + timedelta(minutes=5),
        duration_minutes=50,
        modality="video",
        manual_link=link,
    )
    client.force_login(participant)

    response = client.get(f"/sessions/{session.pk}/join")

    assert response.status_code == 200
    assert "Location" not in response
    assert "<strong>acme.webex.com</strong>" in response.text
    assert f'href="{link}"' in response.text
    assert "Continue to acme.webex.com" in response.text
