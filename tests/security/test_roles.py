"""Role escalation: a participant, and a peer whose certification was revoked, on every
peer-only action of the dashboard, the API and the support admin."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.services import certification_revoke
from api.tokens import token_issue
from scheduling.models import SupportSession
from tests.personas import make_peer
from tests.scheduling.conftest import book

pytestmark = pytest.mark.django_db

DASHBOARD = [  # (method, url template, body)
    ("post", "/sessions/new/", {"participant_email": "participant@example.org"}),
    ("post", "/sessions/{id}/link/", {"manual_link": "https://whereby.com/evil"}),
    ("post", "/integrations/zoom/connect/", {}),
    ("post", "/integrations/zoom/disconnect/", {}),
    ("get", "/integrations/zoom/status/", None),
    ("get", "/integrations/zoom/callback?code=x&state=y", None),
]
API = [
    ("post", "/api/v1/sessions", {"participant_email": "participant@example.org"}),
    ("put", "/api/v1/sessions/{id}/link", {"manual_link": "https://whereby.com/evil"}),
    ("get", "/api/v1/zoom", None),
    ("post", "/api/v1/zoom/disconnect", {}),
]


@pytest.fixture
def revoked_peer(staff: Any, participant: Any) -> Any:
    """Certified once, hosted a session, then had the certification revoked."""
    user = make_peer("revoked@example.org", "Rev Oked")
    book(user, participant)
    certification_revoke(user=user, by=staff)
    return user


def target_session(who: str, user: Any, participant: Any, peer: Any) -> SupportSession:
    if who == "revoked_peer":
        return SupportSession.objects.get(peer=user)
    return book(peer, participant)  # the participant's own session, hosted by a real peer


@pytest.mark.parametrize("who", ["participant", "revoked_peer"])
@pytest.mark.parametrize(("method", "url", "body"), DASHBOARD, ids=[d[1] for d in DASHBOARD])
def test_the_dashboard_refuses_peer_actions_to_non_peers(
    request, who, method, url, body, peer, participant
):
    user = request.getfixturevalue(who)
    session = target_session(who, user, participant, peer)
    before = SupportSession.objects.count()
    client = Client()
    client.force_login(user)

    response = getattr(client, method)(url.format(id=session.pk), body)

    assert response.status_code == 403
    assert "Only certified peers can do this" in response.text
    assert SupportSession.objects.count() == before
    session.refresh_from_db()
    assert session.manual_link == ""


@pytest.mark.parametrize("who", ["participant", "revoked_peer"])
@pytest.mark.parametrize(("method", "url", "body"), API, ids=[a[1] for a in API])
def test_the_api_refuses_peer_actions_to_non_peers(
    request, who, method, url, body, peer, participant
):
    user = request.getfixturevalue(who)
    session = target_session(who, user, participant, peer)
    token = token_issue(user=user, name="escalation").plaintext
    client = Client(headers={"Authorization": f"Bearer {token}"})
    kwargs: dict[str, Any] = {"content_type": "application/json"} if body is not None else {}

    response = getattr(client, method)(url.format(id=session.pk), body or None, **kwargs)

    assert response.status_code in (403, 422)
    if response.status_code == 403:
        assert response.json()["code"] == "not_a_peer"
    session.refresh_from_db()
    assert session.manual_link == ""


def test_the_participant_cannot_answer_their_own_request(client, peer, participant):
    from datetime import timedelta

    from django.utils import timezone

    from scheduling import services

    requested = services.session_request(
        participant=participant,
        peer=peer,
        starts_at=timezone.now() + timedelta(days=2),
        duration_minutes=50,
        modality="video",
    )
    client.force_login(participant)

    for action in ("accept", "decline", "complete"):
        response = client.post(f"/sessions/{requested.pk}/{action}/")
        assert response.status_code == 409, action
        assert "Only the session&#x27;s peer can do that" in response.text

    requested.refresh_from_db()
    assert requested.status == "requested"


@pytest.mark.parametrize("who", ["participant", "peer", "revoked_peer"])
def test_only_support_staff_reach_the_admin(request, who):
    client = Client()
    client.force_login(request.getfixturevalue(who))

    for url in ["/support/", "/support/zoom/zoomconnection/", "/support/accounts/user/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/support/login/"), url
