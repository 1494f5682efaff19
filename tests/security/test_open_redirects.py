"""Open redirects: every ``next`` / return URL Peerakeet honours stays on Peerakeet."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from django.test import Client

from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db

EVIL = [
    "https://evil.example",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "https:evil.example",
    "http://evil.example@testserver/",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    " //evil.example",
    "/%2F%2Fevil.example",
    "\t//evil.example",
    "https://testserver.evil.example/",
]


def stays_home(location: str) -> bool:
    parsed = urlparse(location)
    local = not parsed.scheme and not parsed.netloc and location.startswith("/")
    return local and not location.startswith(("//", "/\\")) and "evil.example@" not in location


@pytest.mark.parametrize("target", EVIL)
def test_sign_in_never_sends_you_off_site(peer, target):
    response = Client().post(
        f"/accounts/sign-in/?next={target}",
        {"username": peer.email, "password": PASSWORD, "next": target},
    )

    assert response.status_code == 302
    assert stays_home(response["Location"]), response["Location"]


@pytest.mark.parametrize("target", EVIL)
def test_the_sign_in_page_of_someone_signed_in_never_sends_them_off_site(client, peer, target):
    client.force_login(peer)

    response = client.get("/accounts/sign-in/", {"next": target})

    assert response.status_code == 302
    assert stays_home(response["Location"]), response["Location"]


@pytest.mark.parametrize("target", EVIL)
def test_sign_out_never_sends_you_off_site(client, peer, target):
    client.force_login(peer)

    response = client.post("/accounts/sign-out/", {"next": target})

    assert response.status_code == 302
    assert stays_home(response["Location"]), response["Location"]


@pytest.mark.parametrize("target", EVIL)
def test_sign_up_never_sends_you_off_site(target):
    response = Client().post(
        f"/accounts/sign-up/?next={target}",
        {
            "display_name": "New Person",
            "email": "new.person@example.org",
            "time_zone": "UTC",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "next": target,
        },
    )

    assert response.status_code == 302
    assert stays_home(response["Location"]), response["Location"]


@pytest.mark.parametrize("target", EVIL)
def test_a_session_action_never_sends_you_off_site(client, peer, participant, target):
    from tests.scheduling.conftest import book

    session = book(peer, participant)
    client.force_login(participant)

    response = client.post(
        f"/sessions/{session.pk}/cancel/?next={target}", {"back": target, "next": target}
    )

    assert response.status_code == 302
    assert stays_home(response["Location"]), response["Location"]


def test_the_join_redirect_goes_only_to_the_sessions_own_https_link(client, peer, participant):
    """Join is the one redirect off site: to the stored link, which must be https."""
    from datetime import timedelta

    from django.utils import timezone

    from scheduling import services
    from scheduling.services import SessionError

    for link in ["javascript:alert(1)", "http://evil.example", "//evil.example", "data:,x"]:
        with pytest.raises(SessionError):
            services.session_create(
                peer=peer,
                participant=participant,
                starts_at=timezone.now() + timedelta(minutes=5),
                duration_minutes=50,
                modality="video",
                manual_link=link,
            )
