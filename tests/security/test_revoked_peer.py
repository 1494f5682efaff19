"""A peer whose certification was revoked no longer hosts, from any door: the service, the web
pages and the API each refuse, and the session is unchanged. They can still leave: cancel, and
disconnect their Zoom (issue 16)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts.models import PeerCertification, User
from scheduling import services
from scheduling.models import SupportSession
from tests.api.conftest import client_for
from tests.scheduling.conftest import book
from tests.zoom_support import connect
from zoom.models import ZoomConnection
from zoom.services import connection_disconnect

pytestmark = pytest.mark.django_db


@pytest.fixture
def revoked(peer, participant, staff):
    """The peer has a confirmed session and a request waiting, then the certification row ends
    alone: not through ``certification_revoke``, which would also decline the request and end
    every sign-in (tests/security/test_revoking_a_certification.py). The host checks must hold
    by themselves, whatever ended the certification."""
    confirmed = book(peer, participant, starts_in=timedelta(days=2))
    requested = services.session_request(
        participant=participant,
        peer=peer,
        starts_at=timezone.now() + timedelta(days=3),
        duration_minutes=50,
        modality="video",
    )
    client = client_for(peer)  # a device signed in before the revocation
    PeerCertification.objects.filter(user=peer).update(revoked_at=timezone.now(), revoked_by=staff)
    return User.objects.get(pk=peer.pk), confirmed, requested, client


def unchanged(*sessions: SupportSession) -> None:
    for session in sessions:
        fresh = SupportSession.objects.get(pk=session.pk)
        assert (fresh.status, fresh.starts_at, fresh.manual_link) == (
            session.status,
            session.starts_at,
            session.manual_link,
        )


HOST_ACTIONS = [
    ("accept", lambda s, by, c, r: s.session_accept(session=r, by=by)),
    ("decline", lambda s, by, c, r: s.session_decline(session=r, by=by)),
    ("link", lambda s, by, c, r: s.session_set_manual_link(
        session=c, by=by, link="https://whereby.com/room")),
    ("move", lambda s, by, c, r: s.session_reschedule(
        session=c, by=by, starts_at=c.starts_at + timedelta(hours=2))),
    ("retry", lambda s, by, c, r: s.session_retry_meeting(session=c, by=by)),
]  # fmt: skip


@pytest.mark.parametrize(("name", "action"), HOST_ACTIONS, ids=[n for n, _ in HOST_ACTIONS])
def test_the_service_refuses_a_revoked_peer_every_host_action(revoked, name, action):
    peer, confirmed, requested, _ = revoked

    with pytest.raises(services.SessionError) as refused:
        action(services, peer, confirmed, requested)

    assert refused.value.code == "not_a_peer"
    unchanged(confirmed, requested)


def test_the_service_refuses_a_revoked_peer_a_new_session(revoked, participant):
    peer, *_ = revoked

    with pytest.raises(services.SessionError) as refused:
        book(peer, participant, starts_in=timedelta(days=5))

    assert refused.value.code == "not_a_peer"
    assert SupportSession.objects.count() == 2


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_the_web_refuses_a_revoked_peer_answering_a_request(client, revoked, action):
    peer, confirmed, requested, _ = revoked
    client.force_login(peer)

    response = client.post(reverse("scheduling:session_action", args=[requested.pk, action]))

    assert response.status_code in (403, 409)
    unchanged(confirmed, requested)


def test_the_web_refuses_a_revoked_peer_moving_or_relinking(client, revoked):
    peer, confirmed, requested, _ = revoked
    client.force_login(peer)

    moved = client.post(
        reverse("scheduling:session_reschedule", args=[confirmed.pk]),
        {"starts_at": "2099-01-01T10:00", "duration_minutes": 50},
    )
    linked = client.post(
        reverse("scheduling:session_link", args=[confirmed.pk]),
        {"manual_link": "https://whereby.com/room"},
    )

    assert moved.status_code in (400, 403, 409)
    assert linked.status_code == 403
    unchanged(confirmed, requested)


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_the_api_refuses_a_revoked_peer_on_a_device_signed_in_before(revoked, action):
    _, confirmed, requested, api = revoked

    response = api.post(f"/sessions/{requested.pk}/{action}")

    assert response.status_code == 403
    assert response.json()["code"] == "not_a_peer"
    unchanged(confirmed, requested)


def test_the_api_refuses_a_revoked_peer_moving_a_session(revoked):
    _, confirmed, requested, api = revoked

    response = api.post(
        f"/sessions/{confirmed.pk}/reschedule",
        {"starts_at": (confirmed.starts_at + timedelta(hours=2)).isoformat()},
    )

    assert response.status_code == 403
    unchanged(confirmed, requested)


def test_a_revoked_peer_can_still_cancel_and_disconnect_zoom(client, revoked, emulator):
    peer, confirmed, _, _ = revoked
    connect(peer, emulator)
    client.force_login(peer)

    services.session_cancel(session=confirmed, by=peer)
    response = client.post(reverse("zoom:disconnect"))

    assert response.status_code == 302
    assert ZoomConnection.objects.get(peer=peer).state == ZoomConnection.State.DISCONNECTED
    assert SupportSession.objects.get(pk=confirmed.pk).status == SupportSession.Status.CANCELLED


def test_a_revoked_peer_can_disconnect_zoom_through_the_api_too(revoked, emulator):
    peer, _, _, api = revoked
    connect(peer, emulator)

    response = api.post("/zoom/disconnect")

    assert response.status_code == 200
    assert ZoomConnection.objects.get(peer=peer).state == ZoomConnection.State.DISCONNECTED


def test_a_participant_without_zoom_is_still_refused_disconnect_through_the_api(participant):
    response = client_for(participant).post("/zoom/disconnect")

    assert response.status_code == 403
    assert response.json()["code"] == "not_a_peer"


def test_the_service_refuses_disconnect_to_whoever_holds_no_zoom_and_hosts_nothing(participant):
    with pytest.raises(PermissionDenied):
        connection_disconnect(peer=participant)


def test_the_web_refuses_a_participant_disconnect_from_both_methods(client, participant):
    client.force_login(participant)

    assert client.get(reverse("zoom:disconnect")).status_code == 403
    assert client.post(reverse("zoom:disconnect")).status_code == 403


def test_the_api_gives_no_join_link_or_passcode_for_a_revoked_peers_session(revoked, participant):
    """As Join and the session page: the meeting lives on in the peer's Zoom account, and
    nobody meets them through Peerakeet any more."""
    _, confirmed, _, peer_api = revoked
    linked = SupportSession.objects.get(pk=confirmed.pk)
    linked.manual_link = "https://whereby.com/room-7c1e"  # stored before the revocation
    linked.save(update_fields=["manual_link_encrypted", "has_manual_link"])

    for api in (client_for(participant), peer_api):
        detail = api.get(f"/sessions/{confirmed.pk}")
        assert detail.status_code == 200
        assert detail.json()["status"] == "confirmed"
        assert detail.json()["join"] is None
