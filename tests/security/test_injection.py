"""HTML and script injection: every field a person (or Zoom) supplies is shown escaped on every
page that shows it, and the fields with a fixed shape (time zone, manual link) refuse markup."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from scheduling import services
from scheduling.services import SessionError
from tests.personas import PASSWORD, make_participant, make_peer, make_user
from tests.zoom_support import connect

pytestmark = pytest.mark.django_db

PAYLOAD = '<script>alert("pk")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert(&quot;pk&quot;)&lt;/script&gt;"


def assert_escaped(text: str, where: str) -> None:
    assert PAYLOAD not in text, where
    assert "<script>alert(" not in text, where
    assert "onerror=alert(1)>" not in text, where


@pytest.fixture
def hostile() -> dict[str, Any]:
    """A peer and a participant whose names are markup, and a session with a markup note."""
    peer = make_peer("hostile.peer@example.org", PAYLOAD)
    participant = make_participant("hostile.participant@example.org", PAYLOAD)
    upcoming = services.session_create(
        peer=peer,
        participant=participant,
        starts_at=timezone.now() + timedelta(days=2),
        duration_minutes=50,
        modality="video",
        private_note=PAYLOAD,
    )
    return {"peer": peer, "participant": participant, "session": upcoming}


def pages(session_id: int) -> list[str]:
    return [
        "/schedule/",
        "/schedule/sessions/",
        f"/sessions/{session_id}/",
        f"/sessions/{session_id}/join",  # refused: the window is not open, names the session
    ]


@pytest.mark.parametrize("who", ["peer", "participant"])
def test_names_and_notes_are_escaped_on_every_page(hostile, who):
    client = Client()
    client.force_login(hostile[who])

    shown = 0
    for url in pages(hostile["session"].pk):
        response = client.get(url)
        assert response.status_code in (200, 409), url
        assert_escaped(response.text, url)
        shown += ESCAPED in response.text
    assert shown >= 3  # the names really were on the pages, escaped


def test_names_and_notes_are_escaped_in_the_admin(hostile):
    staff = make_user("root@example.org", "Root", staff=True)
    staff.is_superuser = True
    staff.save()
    client = Client()
    client.force_login(staff)
    session = hostile["session"]

    for url in [
        "/support/scheduling/supportsession/",
        f"/support/scheduling/supportsession/{session.pk}/change/",
        "/support/accounts/user/",
        f"/support/accounts/user/{hostile['peer'].pk}/change/",
    ]:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert_escaped(response.text, url)


def test_the_api_answers_markup_as_json_data_never_as_html(hostile):
    from api.tokens import token_issue

    token = token_issue(user=hostile["peer"], name="t").plaintext
    client = Client(headers={"Authorization": f"Bearer {token}"})

    for url in ["/api/v1/sessions", f"/api/v1/sessions/{hostile['session'].pk}", "/api/v1/me"]:
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/json")
        assert response["X-Content-Type-Options"] == "nosniff"


def test_a_zoom_profile_with_markup_is_escaped_in_the_pill(client, peer, emulator):
    """The Zoom email comes from Zoom's /users/me: not ours, so not trusted either."""
    zoom = emulator.add_user(f'"{PAYLOAD}"@zoom.example.org', type=2)
    connect(peer, emulator, zoom["email"])
    client.force_login(peer)

    for url in ["/integrations/zoom/status/", "/schedule/"]:
        response = client.get(url)
        assert response.status_code == 200
        assert_escaped(response.text, url)


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "https://whereby.com/ onmouseover=alert(1)",
        "vbscript:msgbox(1)",
    ],
)
def test_a_manual_link_carrying_script_is_refused(peer, participant, link):
    session = services.session_create(
        peer=peer,
        participant=participant,
        starts_at=timezone.now() + timedelta(days=1),
        duration_minutes=50,
        modality="video",
    )

    with pytest.raises(SessionError):
        services.session_set_manual_link(session=session, by=peer, link=link)

    session.refresh_from_db()
    assert session.manual_link == ""


def test_a_manual_link_with_markup_in_its_path_is_escaped_where_it_is_shown(
    client, peer, participant
):
    """A valid https URL may carry quotes and brackets in its path; the page escapes them."""
    link = 'https://whereby.com/"><script>alert("pk")</script>'
    session = services.session_create(
        peer=peer,
        participant=participant,
        starts_at=timezone.now() + timedelta(days=1),
        duration_minutes=50,
        modality="video",
        manual_link=link,
    )

    for who in (peer, participant):
        client.force_login(who)
        for url in ["/schedule/", f"/sessions/{session.pk}/"]:
            response = client.get(url)
            assert response.status_code == 200
            assert '"><script>alert(' not in response.text, url


@pytest.mark.parametrize("zone", [PAYLOAD, "UTC<script>", "../../etc/passwd", "Europe/Nowhere"])
def test_a_time_zone_that_is_not_a_zone_is_refused_at_sign_up(client, zone):
    response = client.post(
        "/accounts/sign-up/",
        {
            "display_name": "Zed",
            "email": "zed@example.org",
            "time_zone": zone,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    assert response.status_code == 400
    assert_escaped(response.text, "sign-up")
    from accounts.models import User

    assert not User.objects.filter(email="zed@example.org").exists()
