"""GET /me and GET /peers."""

from __future__ import annotations

import pytest

from accounts.services import certification_revoke
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def test_it_describes_a_peer(as_peer, peer):
    body = as_peer.get("/me").json()

    assert body == {
        "id": peer.pk,
        "email": peer.email,
        "display_name": "Pat Peer",
        "time_zone": "UTC",
        "role": "peer",
        "role_label": "Certified peer",
    }


def test_it_describes_a_participant(as_participant):
    assert as_participant.get("/me").json()["role"] == "participant"


def test_it_describes_support_staff(staff):
    assert client_for(staff).get("/me").json()["role"] == "staff"


def test_it_lists_the_certified_peers_a_participant_can_ask(as_participant, peer, other_peer):
    body = as_participant.get("/peers").json()

    assert body["items"] == [
        {"id": other_peer.pk, "display_name": "Bo Peer"},
        {"id": peer.pk, "display_name": "Pat Peer"},
    ]
    assert body["count"] == 2


def test_it_leaves_out_peers_whose_certification_was_revoked(as_participant, peer, other_peer):
    certification_revoke(user=other_peer, by=None)

    items = as_participant.get("/peers").json()["items"]

    assert [p["id"] for p in items] == [peer.pk]


def test_it_leaves_out_participants(as_participant, peer, stranger, staff):
    items = as_participant.get("/peers").json()["items"]

    assert [p["id"] for p in items] == [peer.pk]


def test_it_leaves_out_the_viewer(as_peer, other_peer):
    items = as_peer.get("/peers").json()["items"]

    assert [p["id"] for p in items] == [other_peer.pk]


def test_it_pages_the_peers(as_participant, peer, other_peer):
    body = as_participant.get("/peers", limit=1, offset=1).json()

    assert [p["id"] for p in body["items"]] == [peer.pk]
    assert (body["count"], body["limit"], body["offset"]) == (2, 1, 1)


def test_it_rejects_a_page_size_over_a_hundred(as_participant):
    response = as_participant.get("/peers", limit=101)

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


def test_it_refuses_peers_without_a_token(anonymous):
    assert anonymous.get("/peers").status_code == 401
